"""``scaletrack next``: what each site has left to do in its current stage."""

from __future__ import annotations

import click

from tracker.cli.app import (NameParam, as_of_option, cli, echo_data, format_option,
                             initiative_option, pass_app)
from tracker.cli.complete import complete_sites


# SITE given as an argument: never empty (a script's unset $SITE would mean every site)
SITE = NameParam("SITE is empty: give a site name, or leave it out to see every site")


@cli.command("next")
@click.argument("site", type=SITE, required=False, metavar="[SITE]",
                shell_complete=complete_sites)
@as_of_option
@format_option
@initiative_option
@pass_app
def next_command(app, site, as_of, fmt, initiative):
    """Show what each site (or SITE) has left to do in its current stage.

    For a phased framework (IHI, ExpandNet, Milat): each site's current
    stage (the first it has not completed), the date it plans to complete
    it (the latest plan agreed by the as-of date), and each required
    checkpoint of the stage not yet done, with its state. A site that has
    completed every stage is listed as complete.

    For NASSS, which has domains to assess rather than stages to complete:
    per site and domain, the sub-domains rated complex, then those not yet
    rated.

    \b
    States:
      not-started     no status yet (a note does not start a checkpoint)
      started         started on the date shown
      blocked         blocked since the date shown
      reopened        done before, reopened on the date shown
      at-worst-level  NASSS: rated complex, since the first of the ratings
                      at complex that run up to the latest
      not-rated       NASSS: not rated yet

    The table gives each checkpoint's guidance once, at the end. --format
    csv has one row per item (a site with nothing left has one row with
    the item columns empty); --format json one entry per site (per site
    and domain for NASSS) with its items.

    \b
    Examples:
      scaletrack next
      scaletrack next Leeds
      scaletrack next --as-of 2026-03-31 --format csv > next.csv
    """
    from tracker.analysis.next_steps import site_next_steps
    from tracker.next_view import next_view

    echo_data(next_view(site_next_steps(app.store, initiative, site, as_of), fmt))
