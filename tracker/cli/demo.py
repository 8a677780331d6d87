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
    your own data stay untouched). In a database that already holds
    initiatives, the sample is added beside them and none of them is
    changed; running the demo again replaces only the sample it added
    before (marked as a demo in the database), whatever it is called now.

    \b
    Example:
      scaletrack demo
      scaletrack demo --framework nasss --out nasss-demo
      scaletrack demo --db sample.db
    """
    from tracker.analysis.load import snapshot
    from tracker.demo import DEMO_AS_OF, build_demo, demo_place, sample
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
    place = demo_place(store, sample(framework_id, app.catalog))
    if place.others:
        shown = ", ".join(f"'{n}'" for n in place.others[:5])
        more = f" and {len(place.others) - 5} more" if len(place.others) > 5 else ""
        one = len(place.others) == 1
        say(f"{store.where} already holds {len(place.others)} initiative{'' if one else 's'} "
            f"({shown}{more}); the demo adds '{place.name}' beside "
            f"{'it and leaves it' if one else 'them and leaves them'} as "
            f"{'it is' if one else 'they are'}.")
    for earlier in place.replaces:
        say(f"Replacing the earlier demo initiative '{earlier}'.")
    name = build_demo(store, app.catalog, framework_id, place)
    snap = snapshot(store, name, DEMO_AS_OF)
    echo_data(status_view(snap.status, "table"))
    echo_data("\n" + gaps_view(compute_gaps(snap.status, snap.plans), snap.status, "table"))
    from tracker.analysis.periods import parse_quarter
    from tracker.cli.reports import run_report
    from tracker.demo import DEMO_QUARTER

    run_report(store, name, parse_quarter(DEMO_QUARTER), DEMO_AS_OF, Path(out))
    say(f"\nThe {DEMO_QUARTER} report is in {out}/ (open report.html in a browser).")
    where = shlex.quote(str(store.where))
    if place.others:  # more than one initiative: every command needs to be told which
        where += f" -i {shlex.quote(name)}"
    say(f"The sample is in {store.where}; explore it with:\n"
        f"  scaletrack --db {where} next\n"
        f"  scaletrack --db {where} events list\n"
        f"  scaletrack --db {where} compare --as-of {DEMO_AS_OF.isoformat()}")
