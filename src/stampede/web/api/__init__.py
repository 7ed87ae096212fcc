"""The pages' routes, one module per area; ``pages`` is what every route uses."""
