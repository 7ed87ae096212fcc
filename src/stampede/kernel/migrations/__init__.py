"""Alembic environment shared by every context; the kernel's own tables are branch ``kernel``."""
