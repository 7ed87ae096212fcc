"""The sales rules without I/O: holds, the inventory seam, waiting-room arithmetic, tokens."""
