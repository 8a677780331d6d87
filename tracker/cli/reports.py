"""``scaletrack chart`` and ``scaletrack report``: PNG charts and the quarterly report folder."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from tracker.cli.app import DATE, cli, initiative_option, pass_app, say

from tracker.charts import KINDS as CHART_KINDS, REGISTRY


def period_options(fn):
    fn = click.option("--to", "end", type=DATE, help="End of a custom period (with --from).")(fn)
    fn = click.option("--from", "start", type=DATE, help="Start of a custom period.")(fn)
    fn = click.option("--quarter", metavar="Q",
                      help="2026Q3 (calendar) or FY2026-27Q1 (UK financial year, April-June).")(fn)
    return fn


def as_of_option(fn):
    """--as-of for a chart or report: its default is the period's end, not today."""
    return click.option(
        "--as-of", type=DATE, default=None,
        help="Count only events on or before this date [default: the period's last day: "
             "with --quarter the quarter's last day, with --to that date; today while the "
             "period is still running].")(fn)


def _period(quarter, start, end, as_of):
    from tracker.analysis.periods import (check_as_of, check_as_of_in_period,
                                          check_reportable, parse_period, period_as_of)

    check_as_of(as_of)
    today = dt.date.today()
    period = parse_period(quarter, start, end, as_of or today)
    given = as_of is not None
    as_of = period_as_of(period, as_of, today)
    check_reportable(period, as_of)
    check_as_of_in_period(period, as_of, given, today)
    if not given and as_of < period.end:
        say(f"{period.label} is not over yet: counting events up to today, "
            f"{as_of.isoformat()}")
    return period, as_of


@cli.command()
@click.argument("kind", type=click.Choice(CHART_KINDS), metavar="KIND")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The PNG file to write, replaced whole or not at all. A chart that needs "
                   "several pages is written as FILE-1.png, FILE-2.png...; the files written "
                   "are named on standard output. A symbolic link is refused, not followed: "
                   "give the real file's path.")
@period_options
@as_of_option
@initiative_option
@pass_app
def chart(app, kind, output, quarter, start, end, as_of, initiative):
    """Draw one chart as a PNG: timeline, gaps, compare, complexity or adoption.

    Each chart answers one question:

    \b
      timeline    Where is each site, stage by stage, and what is planned?
      gaps        Gaps by site: what stands between each site and its next stage?
      compare     How far has each site got in each stage, against the programme?
      adoption    How fast are sites entering and completing each stage?
      complexity  (NASSS) How has each domain's complexity moved over time?

    timeline: a lane per site, stage bands, done, planned and blocked marks.
    gaps: sites x checkpoints, and each site's overdue plan, stalled, slow and
    key social care barriers marked and written (NASSS: sub-domains rated
    complex or not yet rated). compare: share done per stage (NASSS: sites at
    each level per domain). adoption: a panel per stage. complexity: a panel
    per site; past 12 sites, the share of sites rated complex each quarter.
    The as-of date defaults to the period's end (or today). A chart with more
    sites than fit on a slide is split into pages: '-o x.png' then writes
    x-1.png, x-2.png... and prints the name of every file it wrote; pages an
    earlier chart of that name left (x-3.png after a chart of two pages) go.

    \b
    Example:
      scaletrack chart timeline --quarter 2026Q3 -o timeline.png
    """
    from tracker import charts
    from tracker.analysis.load import snapshot

    period, as_of = _period(quarter, start, end, as_of)
    snap = snapshot(app.store, initiative, as_of, history=lambda fw: (
        REGISTRY[kind].needs_history and kind in charts.applicable(fw)))
    paths, missing, removed = charts.write_noting(kind, snap, period, Path(output))
    if missing:
        say(charts.glyph_note(missing))
    if removed:
        say(f"Removed {len(removed)} page{'' if len(removed) == 1 else 's'} left by an earlier "
            f"chart of the same name: {', '.join(p.name for p in removed)}")
    if len(paths) > 1:
        say(f"The {kind} chart has {len(paths)} pages:")
    for p in paths:
        click.echo(str(p))


@cli.command()
@period_options
@click.option("-o", "--out", type=click.Path(file_okay=False),
              help="Folder to write [default: report-QUARTER].")
@click.option("--stalled-after", type=click.IntRange(min=0), metavar="DAYS",
              help="Call a site stalled after this many days without events "
                   "[default: 90; 183 for a domains framework such as NASSS, which is "
                   "reassessed about every six months].")
@as_of_option
@initiative_option
@pass_app
def report(app, quarter, start, end, out, stalled_after, as_of, initiative):
    """Write a progress report folder: report.html, report.md, charts and CSV tables.

    report.html is the copy to send: one file that opens offline in any
    browser and prints to A4 or PDF. It opens with the period at a glance and
    the sites that need attention (blocked, overdue, stalled, slow, key social
    care barriers), then what changed, and every chart with its data as a
    table. report.md says the same for a repository or a wiki.

    \b
    Examples:
      scaletrack report --quarter 2026Q3
      scaletrack report --quarter FY2026-27Q2 -o reports/q2
    """
    period, as_of = _period(quarter, start, end, as_of)
    folder = Path(out or f"report-{period.code.replace('..', '-to-')}")
    result = run_report(app.store, initiative, period, as_of, folder, stalled_after)
    if getattr(result, "missing_glyphs", ""):
        from tracker.charts import glyph_note

        say(glyph_note(result.missing_glyphs))
    say(f"Wrote {len(result.files)} files for {period.label}, as of {as_of.isoformat()}:")
    click.echo(str(folder))


def run_report(store, initiative, period, as_of, folder, stalled_after=None):
    """The report, with a progress bar when a person is watching."""
    from tracker.report import write_report

    if not sys.stderr.isatty():
        return write_report(store, initiative, period, as_of, folder,
                            stalled_after=stalled_after)
    with click.progressbar(length=3, label="Writing the report", file=sys.stderr) as bar:
        return write_report(store, initiative, period, as_of, folder,
                            progress=lambda _name: bar.update(1), stalled_after=stalled_after)
