"""``scaletrack demo``: a sample scale-out that shows a newcomer everything."""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path

import click
from click.core import ParameterSource

from tracker.cli.app import echo_data, cli, pass_app, say

# the sample frameworks, without importing the library (which --help must not load)
DEMOS = ("ihi-full-scale", "expandnet-nine-steps", "milat-four-steps", "nasss")
DEMO_FRAMEWORK = DEMOS[0]


@cli.command()
@click.option("--out", type=click.Path(file_okay=False), default="scaletrack-demo",
              show_default=True, help="Folder for the demo's report.")
@click.option("--framework", "framework_id", default=DEMO_FRAMEWORK, show_default=True,
              type=click.Choice(DEMOS), help="Which framework the sample follows.")
@click.option("--db", "demo_db", metavar="PATH|URL",
              help="Keep the sample in this database (created if missing) instead of a "
                   "throwaway one; same as 'scaletrack --db PATH demo'.")
@pass_app
@click.pass_context
def demo(ctx, app, out, framework_id, demo_db):
    """Build a sample scale-out and show what scaletrack makes of it.

    Each built-in framework has its sample: a Shared Lives scheme on IHI (the
    default), family group conferencing on ExpandNet's nine steps, falls
    prevention on Milat's four steps, and digital care at home assessed with
    NASSS. Several sites over about two years, with gaps, a stalled site and
    a retracted event.

    The sample goes into a throwaway database unless --db is given on the
    command line, before or after 'demo' (SCALETRACK_DB is ignored here, so
    your own data stay untouched).

    \b
    Example:
      scaletrack demo
      scaletrack demo --framework nasss --out nasss-demo
      scaletrack demo --db sample.db
    """
    from tracker.analysis.load import snapshot
    from tracker.demo import DEMO_AS_OF, build_demo
    from tracker.store import Store
    from tracker.analysis.gaps import compute_gaps
    from tracker.views import gaps_view, status_view

    root = ctx.find_root()
    if demo_db is not None and not demo_db.strip():
        raise click.BadParameter("is empty; give a database file or URL", param_hint="--db")
    if demo_db:
        db = demo_db
    elif root.get_parameter_source("db") == ParameterSource.COMMANDLINE:
        db = app.db
    else:
        db = str(Path(tempfile.mkdtemp(prefix="scaletrack-demo-")) / "demo.db")
    store = Store.open(db)
    ctx.call_on_close(store.close)
    name = build_demo(store, app.catalog, framework_id)
    snap = snapshot(store, name, DEMO_AS_OF)
    echo_data(status_view(snap.status, "table"))
    echo_data("\n" + gaps_view(compute_gaps(snap.status, snap.plans), snap.status, "table"))
    from tracker.analysis.periods import parse_quarter
    from tracker.cli.reports import run_report
    from tracker.demo import DEMO_QUARTER

    run_report(store, name, parse_quarter(DEMO_QUARTER), DEMO_AS_OF, Path(out))
    say(f"\nThe {DEMO_QUARTER} report is in {out}/ (open report.html in a browser).")
    where = shlex.quote(str(store.where))
    say(f"The sample is in {store.where}; explore it with:\n"
        f"  scaletrack --db {where} next\n"
        f"  scaletrack --db {where} events list\n"
        f"  scaletrack --db {where} compare --as-of {DEMO_AS_OF.isoformat()}")
