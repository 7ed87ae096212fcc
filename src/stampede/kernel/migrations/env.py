"""Runs migrations on the connection handed over by :func:`stampede.kernel.migrate.migrate`."""

from alembic import context
from sqlalchemy import text

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    render_as_batch=connection.dialect.name == "sqlite",
    version_table=context.config.get_main_option("version_table", "alembic_version"),
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(7355608)"))
    context.run_migrations()
