"""``scaletrack initiative``: create, list, rename and delete what is being scaled."""

from __future__ import annotations

import click

import shlex

from tracker.cli.app import DATE, NameParam, cli, echo_data, format_option, pass_app, say
from tracker.cli.complete import complete_frameworks, complete_initiatives
from tracker.tables import render

INITIATIVE = NameParam("the initiative name is empty: give one (see 'scaletrack initiative "
                       "list')")


@cli.group()
def initiative():
    """Create, list, rename and delete initiatives (the innovation being scaled)."""


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
    from tracker.store.initiatives import create_initiative as create

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


@initiative.command("rename")
@click.argument("old", metavar="OLD", type=INITIATIVE, shell_complete=complete_initiatives)
@click.argument("new", metavar="NEW")
@click.option("--by", metavar="NAME", help="Who is recording it [default: your user name].")
@pass_app
def rename_initiative(app, old, new, by):
    """Give an initiative a new name; everything recorded in it stays.

    The old name is kept in the initiative's history: typed afterwards (with
    -i), it is refused with the new name. Exports made before the rename
    still import.

    \b
    Example:
      scaletrack initiative rename "Shared Lives Nrth" "Shared Lives North"
    """
    from tracker.store.initiatives import rename_initiative as rename

    was, now = rename(app.store, old, new, by=by)
    say(f"Renamed initiative '{was}' to '{now}'. Next: scaletrack -i {shlex.quote(now)} status")


@initiative.command("history")
@click.argument("name", metavar="NAME", required=False, type=INITIATIVE,
                shell_complete=complete_initiatives)
@format_option
@pass_app
def initiative_history(app, name, fmt):
    """List an initiative's renames (the only one when no NAME is given)."""
    from tracker.store.initiatives import HISTORY_COLUMNS, initiative_history as history

    echo_data(render(history(app.store, name), HISTORY_COLUMNS, fmt))


@initiative.command("delete")
@click.argument("name", metavar="NAME", type=INITIATIVE, shell_complete=complete_initiatives)
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="File for the export written before deleting [default: "
                   "NAME-deleted-DATE.csv in the current folder]; must not exist yet.")
@click.option("--yes", is_flag=True,
              help="Delete without asking (for scripts); the export is still written first.")
@pass_app
def delete_initiative(app, name, output, yes):
    """Delete an initiative and everything recorded in it, after exporting it all.

    Before anything is deleted, every site, plan, event, retirement and merge
    of the initiative is exported to a CSV file (as 'events export' writes
    it), written completely to the disk. To bring it back, create an
    initiative of the same name and framework and import that file: the
    analyses are as they were. Other initiatives are not touched.

    At a terminal you are asked to type the initiative's name; a script
    gives --yes.

    \b
    Examples:
      scaletrack initiative delete "Test run" -o test-run.csv
      scaletrack initiative delete "Test run" --yes
    """
    from tracker.cli.confirm import typed_back
    from tracker.exchange.deleting import delete_initiative as delete
    from tracker.store.summaries import initiative_summaries
    from tracker.store.queries import resolve_initiative

    with app.store.reading() as session:
        exact = resolve_initiative(session, name).name
    summary = next(s for s in initiative_summaries(app.store) if s["name"] == exact)
    what = (f"initiative '{exact}' ({summary['sites']} sites, {summary['events']} events)")
    if not typed_back(f"This deletes {what} after exporting it. Type its name to confirm",
                      exact, yes, f"deleting {what} needs confirming: run it at a terminal "
                      "to type its name, or add --yes"):
        say("That is not the initiative's name; nothing was deleted.")
        raise SystemExit(1)
    done = delete(app.store, exact, output)
    where = shlex.quote(str(done.path))
    say(f"Exported {done.exported.describe()} to {done.path}, then deleted initiative "
        f"'{done.initiative}'. To bring it back:\n"
        f"  scaletrack initiative create {shlex.quote(done.initiative)} --framework "
        f"{done.framework}\n"
        f"  scaletrack events import {where} -i {shlex.quote(done.initiative)}")
