"""Round trips through export and import keep every analysis, whatever was done before
(hypothesis): random sequences of log, plan, retract, site merge and unmerge, site
rename, retirement and initiative rename, in the real store on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, make_db_url
from tracker.analysis.compare import compare
from tracker.analysis.gaps import compute_gaps
from tracker.analysis.load import snapshot
from tracker.catalog import Catalog
from tracker.errors import BadInput
from tracker.exchange import export_rows, export_to_file, import_file
from tracker.store import Store
from tracker.store.initiatives import rename_initiative
from tracker.store.merging import merge_sites, unmerge_site
from tracker.store.initiatives import create_initiative
from tracker.store.retractions import retract_event
from tracker.store.sites import add_site, rename_site, retire_site
from tracker.store.writes import log_event, set_plan
from tracker.views import compare_document, status_document

START = dt.date(2026, 1, 1)
AS_OF = dt.date(2026, 9, 1)
SITES = ("North", "South", "East", "Nroth")  # Nroth: a typo that got in
CHECKPOINTS = ("plan.a", "plan.b", "pilot.d", "pilot.e", "spread.f", "health.funding")
KINDS = ("started", "done", "done", "blocked", "reopened", "note")
_names = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(request):
    url, cleanup = make_db_url(request.param, Path(tempfile.mkdtemp(prefix="scaletrack-merge-")))
    store = Store.open(url)
    yield store, Catalog(str(DATA))
    store.close()
    cleanup()


site = st.integers(0, len(SITES) - 1)
day = st.integers(0, 200)
operation = st.one_of(
    st.tuples(st.just("log"), site, st.sampled_from(CHECKPOINTS), st.sampled_from(KINDS), day),
    st.tuples(st.just("log"), site, st.sampled_from(CHECKPOINTS), st.sampled_from(KINDS), day),
    st.tuples(st.just("plan"), site, st.sampled_from(("pilot", "spread")), day, day),
    st.tuples(st.just("retract"), st.integers(0, 30)),
    st.tuples(st.just("merge"), site, site),
    st.tuples(st.just("unmerge"), site),
    st.tuples(st.just("rename"), site),
    st.tuples(st.just("retire"), site, day),
    st.tuples(st.just("rename initiative"),),
)


def play(store, catalog, ops) -> str:
    """Apply the operations one by one as a user would; a refused one changes nothing."""
    name = f"m{next(_names)}"
    create_initiative(store, catalog, name, "mini")
    names = list(SITES)
    for s in names:
        add_site(store, name, s, force=True)
    logged: list[int] = []
    renames = itertools.count(1)
    for op in ops:
        try:
            if op[0] == "log":
                _, s, cp, kind, d = op
                extra = ({"rating": ("green", "amber", "red")[d % 3]} if cp == "health.funding"
                         and kind != "note" else
                         {"status": "note", "note": "n"} if kind == "note" else {"status": kind})
                logged.append(log_event(store, name, names[s], cp,
                                        on=START + dt.timedelta(days=d), **extra).event.id)
            elif op[0] == "plan":
                _, s, stage, d1, d2 = op
                set_plan(store, name, names[s], stage, START + dt.timedelta(days=max(d1, d2)),
                         set_on=START + dt.timedelta(days=min(d1, d2)))
            elif op[0] == "retract" and logged:
                retract_event(store, name, logged[op[1] % len(logged)], "mistake")
            elif op[0] == "merge":
                merge_sites(store, name, names[op[1]], names[op[2]])
            elif op[0] == "unmerge":
                unmerge_site(store, name, names[op[1]])
            elif op[0] == "rename":
                new = f"Place {next(renames)}"
                rename_site(store, name, names[op[1]], new)
                names[op[1]] = new
            elif op[0] == "retire":
                retire_site(store, name, names[op[1]], on=START + dt.timedelta(days=op[2]))
            elif op[0] == "rename initiative":
                new = f"{name}x"
                rename_initiative(store, name, new)
                name = new
        except BadInput:
            pass
    return name


def results(store, name):
    snap = snapshot(store, name, AS_OF)
    status = status_document(snap.status)
    status["initiative"] = None
    gaps = [g.as_dict() for g in compute_gaps(snap.status, snap.plans)]
    return status, gaps, compare_document(compare(snap.status)), snap.retired


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=5, max_size=30))
def test_export_then_import_gives_the_same_analyses(shared, ops, tmp_path_factory):
    store, catalog = shared
    name = play(store, catalog, ops)
    before = results(store, name)
    path = tmp_path_factory.mktemp("rt") / "all.csv"
    export_to_file(export_rows(store, name), str(path), "csv", "utf-8")
    # the initiative deleted, as 'initiative delete' would, and brought back from its file
    rename_initiative(store, name, f"{name} (old)")
    create_initiative(store, catalog, name, "mini")
    import_file(store, name, path)
    assert results(store, name) == before
    # and a second import of the same file changes nothing (a file of sites alone, all
    # known now, is refused as having nothing to import)
    try:
        import_file(store, name, path)
    except BadInput as exc:
        assert str(exc).endswith("nothing to import")
    assert results(store, name) == before
