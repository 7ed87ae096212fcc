"""Ordering's rules without I/O: orders, their statuses and prices, and the saga's steps."""
