"""``scaletrack initiative``: create and list what is being scaled."""

from __future__ import annotations

import click

from tracker.cli.app import DATE, cli, echo_data, format_option, pass_app, say
from tracker.cli.complete import complete_frameworks
from tracker.tables import render


@cli.group()
def initiative():
    """Create and list initiatives (the innovation being scaled)."""


@initiative.command("create")
@click.argument("name")
@click.option("--framework", "framework_id", required=True, metavar="ID",
              shell_complete=complete_frameworks,
              help="Framework id from 'scaletrack frameworks list'.")
@click.option("--description", metavar="TEXT", help="One line on what is being scaled.")
@click.option("--started", type=DATE, help="When the scale-out started (YYYY-MM-DD).")
@pass_app
def create_initiative(app, name, framework_id, description, started):
    """Create an initiative that follows one framework.

    The framework definition is copied into the database, so later edits to
    the catalogue never change what was recorded.

    \b
    Example:
      scaletrack initiative create "Shared Lives North" --framework ihi-full-scale
    """
    from tracker.store.writes import create_initiative as create

    created = create(app.store, app.catalog, name, framework_id, description, started)
    say(f"Created initiative '{created.name}' following {framework_id} "
        f"(definition pinned). Next: scaletrack site add NAME")


@initiative.command("list")
@format_option
@pass_app
def list_initiatives(app, fmt):
    """List the initiatives in the database."""
    from tracker.store.summaries import INITIATIVE_COLUMNS, initiative_summaries

    echo_data(render(initiative_summaries(app.store), INITIATIVE_COLUMNS, fmt))
