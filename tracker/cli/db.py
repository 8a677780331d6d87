"""``scaletrack db``: where the database is, its schema version, and upgrading it."""

from __future__ import annotations

import click

from tracker.cli.app import cli, pass_app, say


@cli.group()
def db():
    """Where the database is, and keeping its schema current."""


@db.command("path")
@pass_app
def db_path(app):
    """Print the database in use (a file path, or a URL without its password)."""
    from tracker.store.engine import describe, resolve_url

    click.echo(describe(resolve_url(app.db)))


@db.command("current")
@pass_app
def db_current(app):
    """Print the database's schema revision and the one this scaletrack needs."""
    from tracker.store import Store
    from tracker.store.migrate import current_revision, is_newer
    from tracker.store.schema import SCHEMA_HEAD

    store = Store.open(app.db, check=False, create=False)
    try:
        with store.engine.connect() as conn:
            revision = current_revision(conn)
            from tracker.store.recognise import refuse_foreign

            refuse_foreign(conn, store.where)
    finally:
        store.close()
    state = ("up to date" if revision == SCHEMA_HEAD else
             "empty" if revision is None else
             "made by a newer version of scaletrack; upgrade scaletrack to use it"
             if is_newer(revision) else "needs 'scaletrack db upgrade'")
    click.echo(f"{revision or 'none'} (this scaletrack needs {SCHEMA_HEAD}: {state})")


@db.command("upgrade")
@pass_app
def db_upgrade(app):
    """Bring the database to the current schema, backing a SQLite file up first."""
    from tracker.store import Store
    from tracker.store.migrate import upgrade

    store = Store.open(app.db, check=False, create=False)
    try:
        store.require_writable()
        before, after, backup = upgrade(store.engine, store.url, create=False)
    finally:
        store.close()
    if backup is not None:
        say(f"Backed up {store.where} to {backup}")
    if before == after:
        say(f"Already up to date at schema {after}.")
    else:
        say(f"Upgraded {store.where} from schema {before or 'none'} to {after}.")
