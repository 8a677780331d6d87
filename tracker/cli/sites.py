"""``scaletrack site``: the places adopting an initiative, and looking after them."""

from __future__ import annotations

import shlex

import click

from tracker.cli.app import (DATE, JOINED_DATE, NAME, NameParam, cli, echo_data, format_option,
                            initiative_option, pass_app, say)
from tracker.cli.complete import (complete_current_sites, complete_merged_sites,
                                   complete_retired_sites, complete_sites)
from tracker.tables import render

SITE = NameParam("the site name is empty: give one (see 'scaletrack site list')")


@cli.group()
def site():
    """Add, list, rename, edit, retire and merge the sites adopting an initiative."""


@site.command("add")
@click.argument("name")
@click.option("--region", metavar="TEXT", help="Region, wave or group, for comparisons.")
@click.option("--joined", type=JOINED_DATE, help="When the site joined (YYYY-MM-DD).")
@click.option("--force", is_flag=True,
              help="Add it even though a site of nearly the same name exists (a name one "
                   "typo away, or differing only in accents or spacing).")
@initiative_option
@pass_app
def add_site(app, name, region, joined, force, initiative):
    """Add a site (a local authority, provider or team) to the initiative.

    A name that looks like a mistyping of a site's name ('Bradfrod' beside
    'Bradford'), or differs from it only in case, accents or spacing, is
    refused with the existing name; --force adds it all the same.

    \b
    Example:
      scaletrack site add "Leeds" --region "Yorkshire" --joined 2025-04-01
    """
    from tracker.store.sites import add_site as add

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


@site.command("rename")
@click.argument("old", metavar="OLD", shell_complete=complete_sites, type=SITE)
@click.argument("new", metavar="NEW")
@click.option("--force", is_flag=True,
              help="Rename it even though another site of nearly the same name exists.")
@click.option("--by", metavar="NAME", help="Who is recording it [default: your user name].")
@initiative_option
@pass_app
def rename_site(app, old, new, force, by, initiative):
    """Give a site a new name; its events and plans go with it.

    The old name is kept in the site's history: typed afterwards, it is
    refused with the new name. A new spelling of the same name (fixing a
    typo, such as 'Ynys Mon' to 'Ynys Môn') is allowed.

    \b
    Example:
      scaletrack site rename "Ynys Mon" "Ynys Môn"
    """
    from tracker.store.sites import rename_site as rename

    result = rename(app.store, initiative, old, new, force=force, by=by)
    change = result.changes[0]
    say(f"Renamed site '{change.old_value}' to '{change.new_value}' in '{result.initiative}'. "
        f"Next: scaletrack log {shlex.quote(change.new_value)} CHECKPOINT")


@site.command("edit")
@click.argument("name", metavar="NAME", shell_complete=complete_sites, type=SITE)
@click.option("--region", metavar="TEXT", help="New region, wave or group (\"\" clears it).")
@click.option("--joined", type=JOINED_DATE, help="New date the site joined (YYYY-MM-DD).")
@click.option("--by", metavar="NAME", help="Who is recording it [default: your user name].")
@initiative_option
@pass_app
def edit_site(app, name, region, joined, by, initiative):
    """Change a site's region or the date it joined; the old values are kept.

    \b
    Example:
      scaletrack site edit Leeds --region "West Yorkshire" --joined 2025-05-01
    """
    from tracker.store.sites import edit_site as edit

    result = edit(app.store, initiative, name, region=region, joined_on=joined, by=by)
    words = [f"{'region' if c.field == 'region' else 'joined'} "
             f"{c.old_value or '(none)'} -> {c.new_value or '(none)'}" for c in result.changes]
    say(f"Edited site '{result.site.name}': {'; '.join(words)}")


@site.command("retire")
@click.argument("name", metavar="NAME", shell_complete=complete_current_sites, type=SITE)
@click.option("--on", type=DATE,
              help="The first day it no longer takes part: YYYY-MM-DD, today or yesterday "
                   "[default: today].")
@click.option("--by", metavar="NAME", help="Who is recording it [default: your user name].")
@initiative_option
@pass_app
def retire_site(app, name, on, by, initiative):
    """Retire a site that has stopped taking part.

    From the retirement date the site is left out of status, gaps, compare,
    next, charts and reports, and takes no new events or plans; as of an
    earlier date it is counted as before. Its history stays, and 'site list'
    shows it with the date it was retired; 'site reinstate' undoes it.

    \b
    Example:
      scaletrack site retire Leeds --on 2026-09-30
    """
    from tracker.store.sites import retire_site as retire

    result = retire(app.store, initiative, name, on=on, by=by)
    say(f"Retired site '{result.site.name}' from {result.site.retired_on.isoformat()}: "
        "analyses as of that date or later leave it out; its history stays.")


@site.command("reinstate")
@click.argument("name", metavar="NAME", shell_complete=complete_retired_sites, type=SITE)
@click.option("--by", metavar="NAME", help="Who is recording it [default: your user name].")
@initiative_option
@pass_app
def reinstate_site(app, name, by, initiative):
    """Undo a site's retirement.

    For a site retired by mistake, or one that has come back: it is counted
    again on every date, as if it had never been retired, and takes events and
    plans again. 'site history' keeps both the retirement and its undoing.

    \b
    Example:
      scaletrack site reinstate Leeds
    """
    from tracker.store.sites import reinstate_site as reinstate

    result = reinstate(app.store, initiative, name, by=by)
    say(f"Reinstated site '{result.site.name}' (retired from "
        f"{result.changes[0].old_value}): it counts again on every date; 'site history' "
        "keeps the retirement and its undoing.")


@site.command("history")
@click.argument("name", metavar="NAME", required=False, type=NAME,
                shell_complete=complete_sites)
@format_option
@initiative_option
@pass_app
def site_history(app, name, fmt, initiative):
    """List the recorded changes to the sites (or to one): renames, edits, retirements,
    merges. A site's history includes the sites merged into it."""
    from tracker.store.summaries import CHANGE_COLUMNS, site_changes

    echo_data(render(site_changes(app.store, initiative, name), CHANGE_COLUMNS, fmt))


@site.command("merge")
@click.argument("source", metavar="FROM", shell_complete=complete_sites, type=SITE)
@click.argument("target", metavar="INTO", shell_complete=complete_current_sites, type=SITE)
@click.option("--yes", is_flag=True, help="Merge without asking (for scripts).")
@click.option("--by", metavar="NAME", help="Who is recording it [default: your user name].")
@initiative_option
@pass_app
def merge_site(app, source, target, yes, by, initiative):
    """Merge site FROM into site INTO: FROM's events, plans and ratings count as INTO's.

    For a site that should never have existed, such as a typo ('Leds' beside
    'Leeds') that an import or a 'site add' made. Afterwards FROM appears
    nowhere: not in site list, analyses, charts or reports. No record is
    changed or lost: where both sites have records for one checkpoint, both
    are kept and the analyses treat them as one site's. 'site history INTO'
    shows the merge, and 'site unmerge FROM' undoes it.

    \b
    Example:
      scaletrack site merge Leds Leeds
    """
    from tracker.cli.confirm import confirmed
    from tracker.store.merging import merge_plan, merge_sites

    plan = merge_plan(app.store, initiative, source, target)
    if not confirmed(f"Merge {plan.describe()}?", yes,
                     f"merging {plan.describe()} needs confirming: run it at a terminal "
                     "to be asked, or add --yes"):
        say("Nothing was merged.")
        return
    done = merge_sites(app.store, initiative, source, target, by=by)
    say(f"Merged {done.describe()} in '{done.initiative}': they count for "
        f"'{done.target}' from now on. To undo it: scaletrack site unmerge "
        f"{shlex.quote(done.source)}")


@site.command("unmerge")
@click.argument("name", metavar="NAME", shell_complete=complete_merged_sites, type=SITE)
@click.option("--by", metavar="NAME", help="Who is recording it [default: your user name].")
@initiative_option
@pass_app
def unmerge_site(app, name, by, initiative):
    """Undo a merge: site NAME is a site of its own again, with exactly its records.

    'site history' keeps the merge and its undoing.

    \b
    Example:
      scaletrack site unmerge Leds
    """
    from tracker.store.merging import unmerge_site as unmerge

    done = unmerge(app.store, initiative, name, by=by)
    say(f"Undid the merge of site '{done.source}' into '{done.target}': "
        f"'{done.source}' is a site of its own again, with its records.")
