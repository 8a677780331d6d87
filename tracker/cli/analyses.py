"""``scaletrack status``, ``gaps`` and ``compare``: the analyses, as tables, CSV or JSON."""

from __future__ import annotations

import click

from tracker.cli.app import as_of_option, cli, echo_data, format_option, initiative_option, pass_app


@cli.command()
@as_of_option
@format_option
@initiative_option
@pass_app
def status(app, as_of, fmt, initiative):
    """Show each site's progress through the framework's stages.

    For every site and stage: checkpoints done of those required, first and
    last activity, the date the stage was reached and the days spent in it;
    and each site's current and furthest stage.

    \b
    Examples:
      scaletrack status
      scaletrack status --as-of 2026-03-31 --format csv > status.csv
    """
    from tracker.analysis.load import snapshot
    from tracker.views import status_view

    snap = snapshot(app.store, initiative, as_of)
    echo_data(status_view(snap.status, fmt))


@cli.command()
@click.option("--site", "site_name", metavar="SITE", help="Only this site.")
@click.option("--stalled-after", type=click.IntRange(min=0), default=90, show_default=True,
              metavar="DAYS", help="Call a site stalled after this many days without events.")
@as_of_option
@format_option
@initiative_option
@pass_app
def gaps(app, site_name, stalled_after, as_of, fmt, initiative):
    """List what stands between each site and its next stage.

    Kinds, most urgent first: blocked, overdue (a plan date passed), stalled (no
    events for --stalled-after days), slow (half as long again as the median
    of the sites that finished the stage), at-worst-level (a NASSS domain rated
    complex, a SCIE factor rated barrier; key factors first), skipped (not
    done in a stage the site has moved past), open (not done in the current
    stage) and unrated.

    \b
    Examples:
      scaletrack gaps
      scaletrack gaps --site Leeds --stalled-after 60 --format json
    """
    from tracker.analysis.gaps import compute_gaps
    from tracker.analysis.load import snapshot
    from tracker.views import gaps_view

    snap = snapshot(app.store, initiative, as_of)
    if site_name:
        from tracker.store.queries import find_site, resolve_initiative

        with app.store.reading() as session:
            site_name = find_site(session, resolve_initiative(session, initiative), site_name).name
    found = compute_gaps(snap.status, snap.plans, stalled_after, site_name)
    echo_data(gaps_view(found, snap.status, fmt))


@cli.command()
@as_of_option
@format_option
@initiative_option
@pass_app
def compare(app, as_of, fmt, initiative):
    """Compare sites stage by stage, with the programme roll-up.

    The roll-up gives, per stage, the sites with any activity and the sites
    that reached it (n and %), the mean share done, and the median days spent
    by the sites with activity: the table Stages of Implementation Completion
    studies publish. --format csv prints the roll-up; the per-site figures are
    in 'status --format csv'.

    \b
    Example:
      scaletrack compare --as-of 2026-03-31
    """
    from tracker.analysis.compare import compare as run_compare
    from tracker.analysis.load import snapshot
    from tracker.views import compare_view

    snap = snapshot(app.store, initiative, as_of)
    echo_data(compare_view(run_compare(snap.status), fmt))
