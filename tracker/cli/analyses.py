"""``scaletrack status``, ``gaps`` and ``compare``: the analyses, as tables, CSV or JSON."""

from __future__ import annotations

import click

from tracker.cli.app import (NAME, as_of_option, cli, echo_data, format_option,
                             initiative_option, pass_app)
from tracker.cli.complete import complete_sites


@cli.command()
@as_of_option
@format_option
@initiative_option
@pass_app
def status(app, as_of, fmt, initiative):
    """Show each site's progress through the framework's stages.

    From Stages of Implementation Completion (SIC; Chamberlain, Brown &
    Saldana 2011; Saldana 2014), per site and stage: required checkpoints
    done and the proportion done; the date the stage was entered (its first
    checkpoint done) and the last done; the duration between them; and each
    site's furthest stage (the last one entered). Our own: first and last
    event of any kind, the date the stage was completed (every required
    checkpoint done), the days in the stage (first event to completion, or
    to the as-of date), and each site's current stage (the first not
    completed). The table shows checkpoints done per stage; --format csv
    or json has every figure.

    \b
    Examples:
      scaletrack status
      scaletrack status --as-of 2026-03-31 --format csv > status.csv
    """
    from tracker.analysis.load import snapshot
    from tracker.views import status_view

    snap = snapshot(app.store, initiative, as_of)
    text = status_view(snap.status, fmt)
    if fmt == "table" and not snap.status.sites and as_of is not None:
        text = text.replace(NO_SITES, _none_joined_yet(app.store, initiative, as_of))
    echo_data(text)


NO_SITES = "No sites yet: add one with 'scaletrack site add NAME'."


def _none_joined_yet(store, initiative, as_of) -> str:
    """For an empty status on an early as-of date: whether sites joined later."""
    from tracker.analysis.load import snapshot

    joined = sorted(s.joined_on for s in snapshot(store, initiative).status.sites
                    if s.joined_on is not None and s.joined_on > as_of)
    if not joined:
        return NO_SITES
    which = "the site" if len(joined) == 1 else f"the first of the {len(joined)} sites"
    return (f"No site had joined by {as_of.isoformat()}, so there is nothing to show for that "
            f"date: {which} joined on {joined[0].isoformat()}.")


@cli.command()
@click.option("--site", "site_name", type=NAME, metavar="SITE", shell_complete=complete_sites,
              help="Only this site.")
@click.option("--stalled-after", type=click.IntRange(min=0), metavar="DAYS",
              help="Call a site stalled after this many days without events "
                   "[default: 90; 183 for a domains framework such as NASSS, which is "
                   "reassessed about every six months].")
@as_of_option
@format_option
@initiative_option
@pass_app
def gaps(app, site_name, stalled_after, as_of, fmt, initiative):
    """List what stands between each site and its next stage.

    Kinds, most urgent first: blocked, overdue (a plan date passed and the
    stage not completed), stalled (no events for --stalled-after days), slow
    (days in the current stage, counted from its first event, half as long
    again as the median of the sites that completed it, once three have),
    at-worst-level (a NASSS domain rated complex, a SCIE factor rated
    barrier; key factors first), skipped (not done in a stage before the
    last one the site entered), open (not done in the current stage) and
    unrated (NASSS: one gap per site and domain, "3 of 5 sub-domains not yet
    rated"; a site with no rating at all gets one "no assessment yet").

    \b
    Examples:
      scaletrack gaps
      scaletrack gaps --site Leeds --stalled-after 60 --format json
    """
    from tracker.analysis.load import gaps_of
    from tracker.views import gaps_view

    echo_data(gaps_view(*gaps_of(app.store, initiative, as_of, stalled_after, site_name), fmt))


@cli.command()
@as_of_option
@format_option
@initiative_option
@pass_app
def compare(app, as_of, fmt, initiative):
    """Compare sites stage by stage, with the programme roll-up.

    The matrix gives each site's share of required checkpoints done per
    stage and the date it completed the stage. The roll-up gives, per stage,
    the sites that entered it and that completed it (n and %), the mean SIC
    proportion over all sites, the median SIC duration of the sites that
    completed it, and (ours) the median days in the stage of the sites still
    at it. Nadeem, Saldana, Chapman & Schaper 2018 (Table 2) report per stage
    the % of sites with any activities in it and the % of activities
    completed; the entered % and mean proportion are our counterparts.
    --format csv prints the roll-up; the per-site figures are in
    'status --format csv'.

    For NASSS, which has domains rather than stages, there is nothing to
    enter or complete: the matrix gives each site's domain level (ours: the
    most complex of its rated sub-domains) and the roll-up, per domain, the
    sites assessed and the number and % of sites at each level (simple,
    complicated, complex, not yet rated).

    \b
    Example:
      scaletrack compare --as-of 2026-03-31
    """
    from tracker.analysis.compare import compare as run_compare
    from tracker.analysis.load import snapshot
    from tracker.views import compare_view

    snap = snapshot(app.store, initiative, as_of)
    echo_data(compare_view(run_compare(snap.status), fmt))
