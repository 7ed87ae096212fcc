"""My page's rules without I/O: one card per order, merged from events in any order."""
