"""``scaletrack initiative`` and ``scaletrack site``: what is being scaled, and where."""

from __future__ import annotations

import shlex

import click

from tracker.cli.app import DATE, cli, echo_data, format_option, initiative_option, pass_app, say
from tracker.tables import render


@cli.group()
def initiative():
    """Create and list initiatives (the innovation being scaled)."""


@initiative.command("create")
@click.argument("name")
@click.option("--framework", "framework_id", required=True, metavar="ID",
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
    from sqlalchemy import func, select

    from tracker.store.queries import initiatives
    from tracker.store.schema import Event, Site

    rows = []
    with app.store.reading() as session:
        for ini, snap in initiatives(session):
            n_sites = session.scalar(select(func.count()).select_from(Site)
                                     .where(Site.initiative_id == ini.id))
            n_events = session.scalar(select(func.count()).select_from(Event)
                                      .where(Event.initiative_id == ini.id))
            rows.append({"name": ini.name, "framework": snap.framework_id,
                         "version": snap.version, "sites": n_sites, "events": n_events,
                         "started": ini.started_on, "description": ini.description})
    echo_data(render(rows, ["name", "framework", "version", "sites", "events", "started",
                            "description"], fmt))


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
    from sqlalchemy import func, select

    from tracker.store.queries import resolve_initiative, sites
    from tracker.store.schema import Event

    rows = []
    with app.store.reading() as session:
        ini = resolve_initiative(session, initiative)
        counts = dict(session.execute(
            select(Event.site_id, func.count()).where(Event.initiative_id == ini.id)
            .group_by(Event.site_id)).all())
        for s in sites(session, ini):
            rows.append({"site": s.name, "region": s.region, "joined": s.joined_on,
                         "events": counts.get(s.id, 0)})
    echo_data(render(rows, ["site", "region", "joined", "events"], fmt))
