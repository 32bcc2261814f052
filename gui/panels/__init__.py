"""One panel per activity beside the live view."""
