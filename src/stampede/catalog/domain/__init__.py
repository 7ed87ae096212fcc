"""Catalog rules in plain Python: listing kinds and their fields, states, windows, seat maps."""
