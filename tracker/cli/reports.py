"""``scaletrack chart`` and ``scaletrack report``: PNG charts and the quarterly report folder."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from tracker.cli.app import DATE, as_of_option, cli, initiative_option, pass_app, say

from tracker.charts import KINDS as CHART_KINDS, REGISTRY


def period_options(fn):
    fn = click.option("--to", "end", type=DATE, help="End of a custom period (with --from).")(fn)
    fn = click.option("--from", "start", type=DATE, help="Start of a custom period.")(fn)
    fn = click.option("--quarter", metavar="Q",
                      help="2026Q3 (calendar) or FY2026-27Q1 (UK financial year, April-June).")(fn)
    return fn


def _period(quarter, start, end, as_of):
    from tracker.analysis.periods import (check_as_of, check_reportable, parse_period,
                                          period_as_of)

    check_as_of(as_of)
    today = dt.date.today()
    period = parse_period(quarter, start, end, as_of or today)
    as_of = period_as_of(period, as_of, today)
    check_reportable(period, as_of)
    return period, as_of


@cli.command()
@click.argument("kind", type=click.Choice(CHART_KINDS), metavar="KIND")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The PNG file to write.")
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
    The as-of date defaults to the period's end (or today). A long chart is
    split into FILE-1.png, FILE-2.png...

    \b
    Example:
      scaletrack chart timeline --quarter 2026Q3 -o timeline.png
    """
    from tracker import charts
    from tracker.analysis.load import snapshot

    period, as_of = _period(quarter, start, end, as_of)
    snap = snapshot(app.store, initiative, as_of, history=lambda fw: (
        REGISTRY[kind].needs_history and kind in charts.applicable(fw)))
    paths = charts.write(kind, snap, period, Path(output))
    if len(paths) > 1:
        say(f"The {kind} chart has {len(paths)} pages:")
    for p in paths:
        click.echo(str(p))


@cli.command()
@period_options
@click.option("--out", type=click.Path(file_okay=False),
              help="Folder to write [default: report-QUARTER].")
@as_of_option
@initiative_option
@pass_app
def report(app, quarter, start, end, out, as_of, initiative):
    """Write a progress report folder: charts, CSV tables and report.md.

    report.md says which sites completed a stage in the period, which gaps are
    new and which were resolved, which sites stalled and where key social care
    barriers are, and links every chart and table.

    \b
    Examples:
      scaletrack report --quarter 2026Q3
      scaletrack report --quarter FY2026-27Q2 --out reports/q2
    """
    period, as_of = _period(quarter, start, end, as_of)
    folder = Path(out or f"report-{period.code.replace('..', '-to-')}")
    result = run_report(app.store, initiative, period, as_of, folder)
    say(f"Wrote {len(result.files)} files for {period.label}, as of {as_of.isoformat()}:")
    click.echo(str(folder))


def run_report(store, initiative, period, as_of, folder):
    """The report, with a progress bar when a person is watching."""
    from tracker.report import write_report

    if not sys.stderr.isatty():
        return write_report(store, initiative, period, as_of, folder)
    with click.progressbar(length=3, label="Writing the report", file=sys.stderr) as bar:
        return write_report(store, initiative, period, as_of, folder,
                            progress=lambda _name: bar.update(1))
