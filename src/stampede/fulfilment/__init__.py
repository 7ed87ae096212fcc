"""Fulfilment: deliveries, rentals (pick-up and return) and e-tickets."""
