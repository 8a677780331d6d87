"""The database's fold of the log (``store.states``) against the plain fold in Python.

Hypothesis writes random programmes into one database per backend: events of every
kind, notes, ratings, back-dated records and several on one day, plans, retractions,
retractions of retractions (restoring) and of those again, retired sites and merged
sites.  For each, as of a few dates, the rows of ``checkpoint_states`` and the
analyses built on them (status, gaps, compare, next) must be the same whichever
fold made them.  ``fold_oracle.python_checkpoint_states`` is the event-by-event
fold the analyses used before the database did it.
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
from fold_oracle import python_checkpoint_states
from tracker.analysis import load
from tracker.analysis.compare import compare
from tracker.analysis.gaps import compute_gaps
from tracker.analysis.next_steps import next_steps
from tracker.catalog import Catalog
from tracker.errors import TrackerError
from tracker.store import Store
from tracker.store.initiatives import create_initiative
from tracker.store.merging import merge_sites
from tracker.store.queries import resolve_initiative
from tracker.store.records import Retractions
from tracker.store.retractions import retract_event
from tracker.store.sites import add_site, retire_site
from tracker.store.states import checkpoint_states
from tracker.store.writes import log_event, set_plan

START = dt.date(2026, 1, 1)
TODAY = dt.date(2026, 12, 31)
SITES = ("North", "South", "East")
AS_OFS = (dt.date(2026, 2, 15), dt.date(2026, 4, 1), dt.date(2026, 6, 30))

FRAMEWORKS = {
    "mini": {
        "ticked": ("plan.a", "plan.b", "plan.c", "pilot.d", "pilot.e", "spread.f"),
        "rated": (("health.funding", ("green", "amber", "red")),),
        "stages": ("plan", "pilot", "spread"),
    },
    "nasss": {
        "ticked": (),
        "rated": (("condition.nature", ("simple", "complicated", "complex")),
                  ("condition.co-occurring", ("simple", "complicated", "complex")),
                  ("technology.material-features", ("simple", "complicated", "complex"))),
        "stages": (),
    },
}

_names = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_store(request):
    """One database per backend for the module; each example writes a new initiative."""
    url, cleanup = make_db_url(request.param, Path(tempfile.mkdtemp(prefix="scaletrack-fold-")))
    store = Store.open(url)
    yield store
    store.close()
    cleanup()


day = st.integers(0, 170)  # days after START: the as-of dates fall among them
ops = st.one_of(
    st.tuples(st.just("event"), st.integers(0, 2), st.integers(0, 99),
              st.sampled_from(("done", "done", "started", "blocked", "reopened", "note")), day),
    st.tuples(st.just("rate"), st.integers(0, 2), st.integers(0, 99), st.integers(0, 2), day),
    st.tuples(st.just("same day"), st.integers(0, 2), st.integers(0, 99)),
    st.tuples(st.just("plan"), st.integers(0, 2), st.integers(0, 9), day, st.integers(0, 90)),
    st.tuples(st.just("retract"), st.integers(0, 999)),
    st.tuples(st.just("retire"), st.integers(0, 2), day),
    st.tuples(st.just("merge"), st.integers(0, 2), st.integers(0, 2)),
)


def _write(store: Store, name: str, framework: str, history) -> None:
    shape = FRAMEWORKS[framework]
    records: list[int] = []
    last: tuple | None = None  # the last event written, for another on the same day
    for op in history:
        try:
            kind = op[0]
            if kind == "event" and shape["ticked"]:
                _, site, cp, status, on = op
                cp = shape["ticked"][cp % len(shape["ticked"])]
                when = START + dt.timedelta(days=on)
                logged = log_event(store, name, SITES[site], cp, status=status, on=when,
                                   note="a note" if status == "note" else None, by="prop")
                records.append(logged.event.id)
                last = ("event", site, cp, status, when)
            elif kind in ("rate", "event"):
                _, site, cp, level, on = op  # an event op on a framework with no ticks
                level = level if isinstance(level, int) else len(level)
                cp, levels = shape["rated"][cp % len(shape["rated"])]
                when = START + dt.timedelta(days=on)
                logged = log_event(store, name, SITES[site], cp, rating=levels[level % 3],
                                   on=when, by="prop")
                records.append(logged.event.id)
                last = ("rate", site, cp, levels[(level + 1) % 3], when)
            elif kind == "same day" and last is not None:  # a tie broken by the id
                what, site, cp, value, when = last
                if what == "rate":
                    logged = log_event(store, name, SITES[site], cp, rating=value, on=when,
                                       by="prop")
                else:
                    logged = log_event(store, name, SITES[site], cp,
                                       status="blocked" if value == "done" else "done",
                                       on=when, by="prop")
                records.append(logged.event.id)
            elif kind == "plan" and shape["stages"]:
                _, site, stage, on, ahead = op
                agreed = START + dt.timedelta(days=on)
                plan, _, _ = set_plan(store, name, SITES[site],
                                      shape["stages"][stage % len(shape["stages"])],
                                      agreed + dt.timedelta(days=ahead), agreed, by="prop")
                records.append(plan.id)
            elif kind == "retract" and records:  # an event, a plan or a retraction
                done = retract_event(store, name, records[op[1] % len(records)], by="prop",
                                     on=START + dt.timedelta(days=op[1] % 170))
                records.append(done.retraction.id)
            elif kind == "retire":
                _, site, on = op
                retire_site(store, name, SITES[site], on=START + dt.timedelta(days=on),
                            by="prop", today=TODAY)
            elif kind == "merge" and op[1] != op[2]:
                merge_sites(store, name, SITES[op[1]], SITES[op[2]], by="prop", today=TODAY)
        except TrackerError:
            # refused as a user would be: a retired or merged site, a record already
            # retracted, an event after a retirement; the log is unchanged
            continue


def _states(store: Store, name: str, as_of: dt.date, fold) -> list:
    with store.reading() as session:
        initiative = resolve_initiative(session, name)
        return sorted(fold(session, initiative.id, as_of, with_previous=True))


def _analyses(store: Store, name: str, as_of: dt.date) -> tuple:
    snap = load.snapshot(store, name, as_of)
    return (snap.status, compute_gaps(snap.status, snap.plans, snap.stalled_days()),
            compare(snap.status), next_steps(snap))


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(framework=st.sampled_from(sorted(FRAMEWORKS)),
       history=st.lists(ops, min_size=3, max_size=40))
def test_the_database_folds_the_log_as_python_does(shared_store, monkeypatch, framework,
                                                  history):
    store = shared_store
    name = f"f{next(_names)}"
    create_initiative(store, Catalog(str(DATA)), name, framework)
    for site in SITES:
        add_site(store, name, site, joined_on=START)
    _write(store, name, framework, history)
    for as_of in AS_OFS:
        assert (_states(store, name, as_of, checkpoint_states)
                == _states(store, name, as_of, python_checkpoint_states))
        from_sql = _analyses(store, name, as_of)
        with monkeypatch.context() as patched:
            patched.setattr(load, "checkpoint_states", python_checkpoint_states)
            from_python = _analyses(store, name, as_of)
        assert from_sql == from_python


def test_a_restored_record_counts_and_one_withdrawn_again_does_not(store, catalog):
    """By hand: retract, restore (retract the retraction), withdraw again; the fold
    follows each step, on both backends."""
    create_initiative(store, catalog, "Hand", "mini")
    add_site(store, "Hand", "North", joined_on=START)
    first = log_event(store, "Hand", "North", "plan.a", status="done",
                      on=dt.date(2026, 2, 1), by="t").event.id
    later = log_event(store, "Hand", "North", "plan.a", status="blocked",
                      on=dt.date(2026, 3, 1), by="t").event.id

    def state():
        (row,) = _states(store, "Hand", dt.date(2026, 6, 30), checkpoint_states)
        return row.status, row.status_on, row.first_on, row.last_on

    assert state() == ("blocked", dt.date(2026, 3, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    retraction = retract_event(store, "Hand", later, by="t").retraction.id
    assert state() == ("done", dt.date(2026, 2, 1), dt.date(2026, 2, 1), dt.date(2026, 2, 1))
    restoring = retract_event(store, "Hand", retraction, by="t").retraction.id
    with store.reading() as session:
        assert Retractions.read(session, resolve_initiative(session, "Hand").id
                                ).restored() == {later}
    assert state() == ("blocked", dt.date(2026, 3, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    retract_event(store, "Hand", restoring, by="t")
    assert state() == ("done", dt.date(2026, 2, 1), dt.date(2026, 2, 1), dt.date(2026, 2, 1))
    retract_event(store, "Hand", first, by="t")
    assert _states(store, "Hand", dt.date(2026, 6, 30), checkpoint_states) == []


def test_of_one_day_the_record_made_last_is_the_state(store, catalog):
    """Two ratings on one day: the later id wins, and the one before is the previous."""
    create_initiative(store, catalog, "Tie", "nasss")
    add_site(store, "Tie", "North", joined_on=START)
    on = dt.date(2026, 3, 3)
    log_event(store, "Tie", "North", "condition.nature", rating="complex",
              on=dt.date(2026, 1, 9), by="t")
    log_event(store, "Tie", "North", "condition.nature", rating="simple", on=on, by="t")
    log_event(store, "Tie", "North", "condition.nature", rating="complicated", on=on, by="t")
    log_event(store, "Tie", "North", "condition.nature", status="note", note="back-dated",
              on=dt.date(2025, 12, 1), by="t")
    (row,) = _states(store, "Tie", dt.date(2026, 6, 30), checkpoint_states)
    assert (row.rating, row.rated_on, row.previous_rating, row.first_rated_on, row.first_on,
            row.last_on) == ("complicated", on, "simple", dt.date(2026, 1, 9),
                             dt.date(2025, 12, 1), on)
