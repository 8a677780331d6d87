"""Alembic environment for scaletrack.

scaletrack runs migrations itself (``tracker.store.migrate``) and hands over an
open connection in ``config.attributes["connection"]``, so the migration runs
inside the caller's transaction and lock.  An Engine there is accepted too (as
pytest-alembic hands over): a connection is opened from it and committed.  Run
from a shell in the repository (``alembic upgrade head`` with SCALETRACK_DB set),
it opens its own connection.
"""

from alembic import context
from sqlalchemy.engine import Engine

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


def _run_on_engine(engine: Engine) -> None:
    with engine.connect() as conn:
        _configure_and_run(conn)
        conn.commit()


def run_migrations_online() -> None:
    connectable = context.config.attributes.get("connection")
    if isinstance(connectable, Engine):
        _run_on_engine(connectable)
    elif connectable is not None:
        _configure_and_run(connectable)
    else:
        url = context.config.get_main_option("sqlalchemy.url") or resolve_url(None)
        engine = make_engine(url)
        try:
            _run_on_engine(engine)
        finally:
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
