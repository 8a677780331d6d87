"""``scaletrack demo --framework ID``: a sample scale-out and its report for every framework."""

from __future__ import annotations

import pytest

from tracker.analysis.load import snapshot
from tracker.catalog import Catalog
from tracker.demo import DEMO_AS_OF, DEMOS, build_demo, sample


@pytest.mark.parametrize("framework_id", DEMOS)
def test_each_framework_has_a_realistic_sample(store, framework_id):
    """Several sites with real names, about two years of events, one site stalled
    (nothing for over 90 days), one retraction; phased samples also have a blocked
    checkpoint, a skipped one and a plan; the NASSS sample a site not yet assessed."""
    catalog = Catalog()
    name = build_demo(store, catalog, framework_id)
    snap = snapshot(store, name, DEMO_AS_OF)
    sites = snap.status.sites
    assert len(sites) >= 6
    firsts = [s.joined_on for s in sites]
    assert (DEMO_AS_OF - min(firsts)).days >= 700  # about two years
    stalled = [s for s in sites if s.last_activity and (DEMO_AS_OF - s.last_activity).days > 90]
    assert stalled
    from tracker.store.queries import resolve_initiative
    from tracker.store.schema import Event

    with store.reading() as session:
        initiative = resolve_initiative(session, name)
        kinds = [e.kind for e in session.query(Event).filter_by(initiative_id=initiative.id)]
    assert kinds.count("retract") == 1
    if snap.framework.kind == "phased":
        states = [st.status for s in sites for st in s.states.values()]
        assert "blocked" in states
        assert snap.plans
        furthest = {s.furthest_stage for s in sites}
        assert len(furthest) >= 3  # sites at different stages
    else:
        assert any(not s.states for s in sites)  # the newest site has no assessment yet
        levels = {st.rating for s in sites for st in s.states.values()}
        assert levels == {"simple", "complicated", "complex"}


def test_the_default_is_ihi_and_an_unknown_framework_is_refused(run, tmp_path):
    assert sample("ihi-full-scale", Catalog()).initiative == "Shared Lives North (demo)"
    r = run("demo", "--framework", "nope", "--out", str(tmp_path / "d"), code=2)
    assert "'nope' is not one of 'ihi-full-scale', 'expandnet-nine-steps'" in r.stderr


def test_the_nasss_demo_writes_its_domain_charts(run, tmp_path):
    r = run("demo", "--framework", "nasss", "--out", str(tmp_path / "d"))
    assert r.stdout.startswith("Digital care at home (demo): NASSS")
    files = sorted(p.name for p in (tmp_path / "d").iterdir() if not p.name.startswith("."))
    assert files == ["compare.csv", "compare.png", "complexity-1.png", "complexity-2.png",
                     "gaps.csv", "gaps.png", "report.html", "report.md", "status.csv"]


def test_the_command_offers_every_sample():
    from tracker.cli.demo import demo

    (option,) = [p for p in demo.params if p.name == "framework_id"]
    assert tuple(option.type.choices) == DEMOS


def test_demo_keeps_its_sample_in_the_database_given_after_the_command(tmp_path):
    """`demo --db PATH` (as well as `scaletrack --db PATH demo`) keeps the sample, creating
    the file; the hints it prints quote a path with a space for the shell."""
    import sqlite3

    from click.testing import CliRunner

    from tracker.cli import cli

    db = tmp_path / "my samples" / "demo.db"
    db.parent.mkdir()
    r = CliRunner().invoke(cli, ["demo", "--db", str(db), "--out", str(tmp_path / "out")],
                           env={"SCALETRACK_DB": str(tmp_path / "untouched.db")})
    assert r.exit_code == 0, r.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name FROM initiatives").fetchall() == [
            ("Shared Lives North (demo)",)]
        assert conn.execute("SELECT count(*) FROM events WHERE kind = 'retract'").fetchone() \
            == (1,)
    assert not (tmp_path / "untouched.db").exists()
    assert f"  scaletrack --db '{db}' events list" in r.stderr
    r = CliRunner().invoke(cli, ["demo", "--db", " "])
    assert r.exit_code == 2 and "Invalid value for --db: is empty" in r.output


def _user_rows(run, name: str) -> dict:
    (ini,) = run.rows("SELECT id FROM initiatives WHERE name = :n", n=name)
    return {t: run.rows(f"SELECT * FROM {t} WHERE initiative_id = :i ORDER BY id", i=ini[0])
            for t in ("sites", "events", "site_changes")} | {
        "initiative": run.rows("SELECT * FROM initiatives WHERE id = :i", i=ini[0])}


def test_demo_twice_on_a_users_database_adds_beside_and_replaces_only_itself(run, tmp_path):
    """The user's own initiative (on the demo's framework, with a site the demo also has)
    is named, left exactly as it was, and a second demo replaces the first, exit 0."""
    run("initiative", "create", "Our scheme", "--framework", "ihi-full-scale")
    run("site", "add", "Leeds")
    run("log", "Leeds", "set-up.baseline", "--on", "2026-01-05")
    run("plan", "Leeds", "full-scale", "--due", "2027-01-01", "--on", "2026-01-06")
    before = _user_rows(run, "Our scheme")
    r = run("demo", "--db", run.url, "--out", str(tmp_path / "one"))
    assert r.stderr.startswith(
        f"{run('db', 'path').stdout.strip()} already holds 1 initiative ('Our scheme'); the "
        "demo adds 'Shared Lives North (demo)' beside it and leaves it as it is.\n")
    assert "-i 'Shared Lives North (demo)' next" in r.stderr
    first = run.rows("SELECT id, name, is_demo FROM initiatives ORDER BY id")
    assert [(n, bool(d)) for _, n, d in first] == [("Our scheme", False),
                                                   ("Shared Lives North (demo)", True)]
    # the user renames the demo; a second run still finds it by its mark, not its name
    run("initiative", "rename", "Shared Lives North (demo)", "Sample")
    r = run("demo", "--db", run.url, "--out", str(tmp_path / "two"))
    assert "Replacing the earlier demo initiative 'Sample'.\n" in r.stderr
    second = run.rows("SELECT name, is_demo FROM initiatives ORDER BY id")
    assert [(n, bool(d)) for n, d in second] == [("Our scheme", False),
                                                ("Shared Lives North (demo)", True)]
    assert _user_rows(run, "Our scheme") == before
    assert run.rows("SELECT count(*) FROM events e JOIN initiatives i ON i.id = e.initiative_id "
                    "WHERE i.is_demo = :t AND e.kind <> 'plan'", t=True) == [(117,)]
    assert run.count("frameworks") == 1  # one pinned IHI, shared and kept


def test_a_users_initiative_with_the_demos_name_is_never_replaced(run, tmp_path):
    run("initiative", "create", "Shared Lives North (demo)", "--framework", "ihi-full-scale")
    run("site", "add", "Mine")
    before = _user_rows(run, "Shared Lives North (demo)")
    for out in ("one", "two"):
        r = run("demo", "--db", run.url, "--out", str(tmp_path / out))
        assert "the demo adds 'Shared Lives North (demo 2)' beside it" in r.stderr
    assert run.rows("SELECT name FROM initiatives ORDER BY id") == [
        ("Shared Lives North (demo)",), ("Shared Lives North (demo 2)",)]
    assert _user_rows(run, "Shared Lives North (demo)") == before
