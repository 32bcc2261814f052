"""Everything that computes: sources, the live stream, networks. Never imports Qt."""
