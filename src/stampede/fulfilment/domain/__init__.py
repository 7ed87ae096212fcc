"""Fulfilment's rules without I/O: what an order gets (``asks``), the things arranged and how
their states move (``things``), and who may see or handle them (``access``)."""
