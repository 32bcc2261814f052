"""PySide6 widgets and windows; imports engine, never the reverse."""
