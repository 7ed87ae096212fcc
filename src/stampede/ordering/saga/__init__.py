"""The order saga: its steps (``steps``) and the driver that runs them until each order is in
a final state (``driver``)."""
