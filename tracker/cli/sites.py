"""``scaletrack site``: the places adopting an initiative, and looking after them."""

from __future__ import annotations

import shlex

import click

from tracker.cli.app import DATE, cli, echo_data, format_option, initiative_option, pass_app, say
from tracker.tables import render


@cli.group()
def site():
    """Add and list the sites adopting an initiative."""


@site.command("add")
@click.argument("name")
@click.option("--region", metavar="TEXT", help="Region, wave or group, for comparisons.")
@click.option("--joined", type=DATE, help="When the site joined (YYYY-MM-DD).")
@click.option("--force", is_flag=True,
              help="Add it even though a site of nearly the same name exists.")
@initiative_option
@pass_app
def add_site(app, name, region, joined, force, initiative):
    """Add a site (a local authority, provider or team) to the initiative.

    \b
    Example:
      scaletrack site add "Leeds" --region "Yorkshire" --joined 2025-04-01
    """
    from tracker.store.writes import add_site as add

    ini, created = add(app.store, initiative, name, region, joined, force=force)
    say(f"Added site '{created.name}' to '{ini.name}'. "
        f"Next: scaletrack log {shlex.quote(created.name)} CHECKPOINT")


@site.command("list")
@format_option
@initiative_option
@pass_app
def list_sites(app, fmt, initiative):
    """List the initiative's sites."""
    from tracker.store.summaries import SITE_COLUMNS, site_summaries

    echo_data(render(site_summaries(app.store, initiative), SITE_COLUMNS, fmt))
