"""Sales: waiting rooms, admission tokens and inventory holds — the hot path."""
