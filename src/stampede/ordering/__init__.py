"""Ordering: orders and the order saga (hold → order → payment → fulfilment)."""
