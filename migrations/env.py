"""Alembic environment for scaletrack.

scaletrack runs migrations itself (``tracker.store.migrate``) and hands over an
open connection in ``config.attributes["connection"]``, so the migration runs
inside the caller's transaction and lock.  Run from a shell in the repository
(``alembic upgrade head`` with SCALETRACK_DB set), it opens its own connection.
"""

from alembic import context

from tracker.store.engine import make_engine, resolve_url
from tracker.store.schema import Base

target_metadata = Base.metadata


def _configure_and_run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or resolve_url(None)
    engine = make_engine(url)
    with engine.connect() as conn:
        _configure_and_run(conn)
        conn.commit()
    engine.dispose()


def run_migrations_offline() -> None:
    url = context.config.get_main_option("sqlalchemy.url") or resolve_url(None)
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
