"""What notification decides without I/O: message kinds, channels, preferences, rendering."""
