"""Properties of the analyses over random event histories (hypothesis).

Each example writes its histories into the real store (one fresh initiative per
history) and reads them back through the SQL aggregation, so the properties
cover the queries as well as the pure functions.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
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
from tracker.store import Store
from tracker.store.initiatives import create_initiative
from tracker.store.retractions import retract_event
from tracker.store.sites import add_site
from tracker.store.writes import log_batch, log_event
from tracker.views import compare_document, status_document

START = dt.date(2026, 1, 1)
AS_OF = dt.date(2026, 5, 1)
SITES = ("North", "South", "East")
TICKED = ("plan.a", "plan.b", "plan.c", "pilot.d", "pilot.e", "spread.f", "spread.g",
          "spread.h")
KINDS = ("started", "done", "done", "done", "blocked", "reopened", "note")

_names = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(request):
    url, cleanup = make_db_url(request.param, Path(tempfile.mkdtemp(prefix="scaletrack-props-")))
    store = Store.open(url)
    yield store, Catalog(str(DATA))
    store.close()
    cleanup()


def entry(site, cp, kind, day):
    e = {"site": SITES[site], "checkpoint": cp, "on": START + dt.timedelta(days=day),
         "by": "prop"}
    if kind == "note":
        e.update(status="note", note="n")
    elif cp == "health.funding":
        e["rating"] = ("green", "amber", "red")[day % 3]
    else:
        e["status"] = kind
    return e


events = st.lists(
    # few sites and checkpoints, so that histories often touch one checkpoint many times
    st.builds(entry, st.integers(0, 1), st.sampled_from(TICKED[:5] + ("health.funding",)),
              st.sampled_from(KINDS), st.integers(0, 200)),
    min_size=8, max_size=40)


def distinct_days(history):
    """One status event per site, checkpoint and day: same-day order is recording order."""
    seen, out = set(), []
    for e in history:
        key = (e["site"], e["checkpoint"], e["on"])
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def build(store, catalog, history) -> str:
    name = f"p{next(_names)}"
    create_initiative(store, catalog, name, "mini")
    for site in SITES:
        add_site(store, name, site)
    if history:
        log_batch(store, name, history)
    return name


def results(store, name, as_of=AS_OF):
    snap = snapshot(store, name, as_of)
    status = status_document(snap.status)
    status["initiative"] = None
    gaps = [g.as_dict() for g in compute_gaps(snap.status, snap.plans)]
    return status, gaps, compare_document(compare(snap.status))


SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(history=events)
def test_proportions_entered_and_completed_stages(shared, history):
    store, catalog = shared
    status = snapshot(store, build(store, catalog, history), AS_OF).status
    order = [s.id for s in status.framework.stages]
    for site in status.sites:
        for stage in site.stages:
            assert 0.0 <= stage.proportion <= 1.0
            assert 0 <= stage.done <= stage.total
            # SIC: entered once a checkpoint is done; duration from entry to the last done
            assert (stage.entered_on is None) == (stage.done == 0)
            assert (stage.last_done_on is None) == (stage.done == 0)
            if stage.entered_on is not None:
                assert (stage.first_activity <= stage.entered_on <= stage.last_done_on
                        <= stage.last_activity <= AS_OF)
                assert stage.duration_days == (stage.last_done_on - stage.entered_on).days
            else:
                assert stage.duration_days is None
            if stage.completed_on is not None:
                assert stage.proportion == 1.0 and stage.done == stage.total
                assert stage.completed_on == stage.last_done_on
                assert stage.days_in_stage == (stage.completed_on - stage.first_activity).days
            elif stage.first_activity is not None:
                assert stage.done < stage.total
                assert stage.days_in_stage == (AS_OF - stage.first_activity).days
            else:
                assert stage.days_in_stage is None
        entered = [st.stage for st in site.stages if st.entered_on is not None]
        assert site.furthest_stage == (entered[-1] if entered else None)
        not_completed = [st.stage for st in site.stages if st.completed_on is None]
        assert site.current_stage == (not_completed[0] if not_completed else "complete")
        assert site.current_stage == "complete" or site.current_stage in order


@SETTINGS
@given(history=events, later=events)
def test_events_after_the_as_of_date_change_nothing(shared, history, later):
    store, catalog = shared
    before = [e for e in history if e["on"] <= AS_OF]
    after = [{**e, "on": AS_OF + dt.timedelta(days=1 + (e["on"] - START).days)} for e in later]
    a = build(store, catalog, before)
    b = build(store, catalog, before + after)
    assert results(store, a) == results(store, b)


@SETTINGS
@given(history=events, seed=st.integers(0, 2**16))
def test_only_dates_matter_not_the_order_events_were_logged_in(shared, history, seed):
    store, catalog = shared
    history = distinct_days(history)
    shuffled = history[:]
    random.Random(seed).shuffle(shuffled)
    a = build(store, catalog, history)
    b = build(store, catalog, shuffled)
    assert results(store, a) == results(store, b)


@SETTINGS
@given(history=events, extra=st.builds(entry, st.integers(0, 2), st.sampled_from(TICKED),
                                       st.sampled_from(KINDS), st.integers(0, 200)))
def test_logging_then_retracting_changes_nothing(shared, history, extra):
    store, catalog = shared
    a = build(store, catalog, history)
    b = build(store, catalog, history)
    logged = log_event(store, b, extra["site"], extra["checkpoint"], status=extra.get("status"),
                       rating=extra.get("rating"), note=extra.get("note"), on=extra["on"])
    retract_event(store, b, logged.event.id, "mistake")
    assert results(store, a) == results(store, b)
