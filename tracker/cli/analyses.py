"""``scaletrack status``: where each site is, stage by stage."""

from __future__ import annotations

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
