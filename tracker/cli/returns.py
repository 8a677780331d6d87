"""``scaletrack returns``: quarterly returns as spreadsheets, made per site and read back."""

from __future__ import annotations

import click

from tracker.cli.app import DATE, NameParam, cli, initiative_option, pass_app, say
from tracker.cli.complete import complete_sites

SITE = NameParam("--site is empty: give a site name, or leave the option out")


@cli.group()
def returns():
    """Make a spreadsheet return per site, and import the filled ones."""


@returns.command("make")
@click.option("--site", "site_names", multiple=True, type=SITE, metavar="SITE",
              shell_complete=complete_sites,
              help="Only this site (repeat for more) [default: every site not retired].")
@click.option("--quarter", metavar="Q",
              help="The period: 2026Q3 or FY2026-27Q1 [default: the quarter of --as-of].")
@click.option("--as-of", type=DATE, default=None,
              help="Show each site's status as of this date [default: the quarter's end, or "
                   "today if sooner].")
@click.option("--contact", metavar="TEXT",
              help="Whom the sites send the return back to (a name and email address).")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write the returns in (made if missing).")
@initiative_option
@pass_app
def make(app, site_names, quarter, as_of, contact, out_dir, initiative):
    """Write one .xlsx return per site, pre-filled, for its site lead to fill in.

    Each return lists what the site still has to do in its current and next
    stage (for NASSS: every sub-domain), the checklists, and a row for the date
    it plans to complete its current stage, each with a drop-down of exactly
    what it takes. Dates are checked against the quarter's end.

    \b
    Examples:
      scaletrack returns make --quarter 2026Q3 --contact "Programme office, scaleup@example.org" -o returns/
      scaletrack returns make --site Leeds --site York -o returns/
    """
    from pathlib import Path

    from tracker.returns.making import plan_returns
    from tracker.returns.workbook import write_returns

    planned = plan_returns(app.store, initiative, list(site_names) or None, as_of, quarter,
                           contact)
    written = write_returns(planned, Path(out_dir))
    say(f"Wrote {len(written)} return(s) for {planned.period.label}, status as of "
        f"{planned.as_of.isoformat()}, to {out_dir}:")
    for r, path in zip(planned.returns, written):
        say(f"  {r.site}: {path.name} ({len(r.rows)} rows)")
    say(f"Send each file to its site; bring the filled ones back with: "
        f"scaletrack returns import {out_dir}")


@returns.command("import")
@click.argument("paths", metavar="FILE_OR_DIR...", nargs=-1, required=True,
                type=click.Path())
@click.option("--dry-run", is_flag=True, help="Check the returns and say what would be recorded.")
@initiative_option
@pass_app
def import_returns(app, paths, dry_run, initiative):
    """Import filled returns: .xlsx files, or folders of them.

    Only rows with a new status or rating (and a filled-in planned
    completion date) are recorded, each dated by its Date cell. All the
    returns are imported together or not at all: every problem is listed
    with its file, sheet and cell. Importing a return again adds nothing.
    Dates typed as text are read day first (31/12/2025) or year first
    (2025-12-31); an ambiguous one (03/04/2025) is refused. Without -i, the
    returns go into the initiative they were made for.

    \b
    Examples:
      scaletrack returns import returns/ --dry-run
      scaletrack returns import returns/Leeds-2026Q3.xlsx
    """
    from tracker.returns.importing import import_returns as run_import

    result = run_import(app.store, initiative, list(paths), dry_run)
    for warning in result.warnings:
        say(f"Warning: {warning}")
    for s in result.summaries:
        whose = f"{s.file}, from {s.by}" if s.by else s.file
        if s.recorded:
            say(f"{s.site} ({whose}): {_n(len(s.recorded), 'row')} with news: "
                + "; ".join(s.recorded))
        else:
            say(f"{s.site} ({whose}): no news")
    events = (f"{_n(result.events_added, 'event')} "
              f"({result.events_already} already recorded)")
    plans = (f", {_n(result.plans_added, 'plan')} ({result.plans_already} already recorded)"
             if result.plans_added or result.plans_already else "")
    if dry_run:
        say(f"Dry run: {events}{plans} would be added to '{result.initiative}'. "
            "Nothing was written.")
    else:
        say(f"Imported {len(result.summaries)} return(s) into '{result.initiative}': "
            f"{events}{plans}.")


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
