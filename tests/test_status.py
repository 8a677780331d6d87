"""The status figures of DESIGN section 5, on a scenario worked out by hand.

Scenario (framework 'mini': plan = a, b, c optional; pilot = d, e; spread = f, g, h),
as of 2026-06-30, events logged out of order, one back-dated, one retracted:

Alpha    plan.c note 2025-12-20 (before any completion); plan.b started 01-05 (a start
         before any completion), done 02-01; plan.a done 01-10
         pilot.d done 03-01; pilot.e done 04-15, reopened 05-01, done 05-20
         spread.f started 06-10; spread.g done 07-05 (after the as-of date)
Beta     plan.a done 02-01; plan.b done 02-15 (retracted), blocked 04-01
         spread.f done 03-03 (jumped ahead: plan entered but not completed)
Gamma    joined 2026-08-01 (after the as-of date)
Delta    no events
Epsilon  plan.b done 03-01 before plan.a done 03-05 (out of order); pilot.d note 03-07;
         pilot.e and pilot.d done 03-10 (pilot completed in one day)

Worked out (SIC: entered_on, last_done_on, duration_days; ours: first_activity,
completed_on, days_in_stage):

Alpha    plan   entered 01-10, last done 02-01, duration 22; first activity 2025-12-20
                (the note), completed 02-01, 43 days in stage
         pilot  entered 03-01, last done 05-20 (the done after the reopening), duration 80;
                completed 05-20, 80 days
         spread not entered (only a start), 20 days in stage (06-10 to 06-30)
         furthest stage pilot (spread was started, not entered), current spread
Beta     plan   entered 02-01, last done 02-01, duration 0, not completed, 149 days
         spread entered 03-03, duration 0, 119 days; furthest spread, current plan
Epsilon  plan   entered 03-01, last done 03-05, duration 4; completed 03-05, 4 days
         pilot  entered 03-10, duration 0, completed 03-10; first activity 03-07 (the
                note), 3 days in stage
Roll-up (4 sites): plan entered 3 (75%), completed 2 (50%), mean proportion 0.625, median
duration 13 (22, 4), median days open 149 (Beta); pilot entered 2, completed 2, mean 0.5,
median duration 40 (80, 0), none open; spread entered 1 (25%), completed 0, mean 0.0833,
no duration, median days open 69.5 (Alpha 20, Beta 119).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tracker.analysis.load import snapshot
from tracker.store.initiatives import create_initiative
from tracker.store.retractions import retract_event
from tracker.store.sites import add_site
from tracker.store.writes import log_event

D = dt.date
AS_OF = D(2026, 6, 30)

EVENTS = [  # (site, checkpoint, status, date) in the order they are logged
    ("Alpha", "spread.g", "done", D(2026, 7, 5)),
    ("Alpha", "pilot.e", "done", D(2026, 5, 20)),
    ("Alpha", "plan.a", "done", D(2026, 1, 10)),
    ("Beta", "spread.f", "done", D(2026, 3, 3)),
    ("Alpha", "plan.b", "started", D(2026, 1, 5)),
    ("Alpha", "pilot.e", "reopened", D(2026, 5, 1)),
    ("Beta", "plan.a", "done", D(2026, 2, 1)),
    ("Alpha", "plan.b", "done", D(2026, 2, 1)),
    ("Alpha", "pilot.d", "done", D(2026, 3, 1)),
    ("Alpha", "pilot.e", "done", D(2026, 4, 15)),
    ("Beta", "plan.b", "blocked", D(2026, 4, 1)),
    ("Alpha", "spread.f", "started", D(2026, 6, 10)),
    ("Epsilon", "plan.b", "done", D(2026, 3, 1)),
    ("Epsilon", "plan.a", "done", D(2026, 3, 5)),
    ("Epsilon", "pilot.d", "note", D(2026, 3, 7)),
    ("Epsilon", "pilot.e", "done", D(2026, 3, 10)),
    ("Epsilon", "pilot.d", "done", D(2026, 3, 10)),
]


@pytest.fixture
def scenario(store, catalog):
    create_initiative(store, catalog, "Mini", "mini")
    add_site(store, None, "Alpha")
    add_site(store, None, "Beta")
    add_site(store, None, "Gamma", joined_on=D(2026, 8, 1))
    add_site(store, None, "Delta")
    add_site(store, None, "Epsilon")
    log_event(store, None, "Alpha", "plan.c", status="note", note="kick-off", on=D(2025, 12, 20))
    for site, cp, status, on in EVENTS:
        log_event(store, None, site, cp, status=status, on=on,
                  note="asked about dates" if status == "note" else None)
    wrong = log_event(store, None, "Beta", "plan.b", on=D(2026, 2, 15))
    retract_event(store, None, wrong.event.id, "wrong checkpoint")
    return store


def figures(stage):
    return (stage.done, stage.total, stage.first_activity, stage.last_activity,
            stage.entered_on, stage.last_done_on, stage.duration_days, stage.completed_on,
            stage.days_in_stage)


NONE = (None,) * 7


def test_hand_worked_status(scenario):
    status = snapshot(scenario, None, AS_OF).status
    by_site = {s.site: s for s in status.sites}
    assert list(by_site) == ["Alpha", "Beta", "Delta", "Epsilon"]  # Gamma joined later

    alpha = by_site["Alpha"]
    assert figures(alpha.stage("plan")) == (
        2, 2, D(2025, 12, 20), D(2026, 2, 1), D(2026, 1, 10), D(2026, 2, 1), 22, D(2026, 2, 1), 43)
    assert figures(alpha.stage("pilot")) == (
        2, 2, D(2026, 3, 1), D(2026, 5, 20), D(2026, 3, 1), D(2026, 5, 20), 80, D(2026, 5, 20), 80)
    assert figures(alpha.stage("spread")) == (
        0, 3, D(2026, 6, 10), D(2026, 6, 10), None, None, None, None, 20)
    assert (alpha.current_stage, alpha.furthest_stage, alpha.last_activity) == (
        "spread", "pilot", D(2026, 6, 10))

    beta = by_site["Beta"]
    assert figures(beta.stage("plan")) == (
        1, 2, D(2026, 2, 1), D(2026, 4, 1), D(2026, 2, 1), D(2026, 2, 1), 0, None, 149)
    assert figures(beta.stage("pilot")) == (0, 2) + NONE
    assert figures(beta.stage("spread")) == (
        1, 3, D(2026, 3, 3), D(2026, 3, 3), D(2026, 3, 3), D(2026, 3, 3), 0, None, 119)
    assert beta.stage("plan").proportion == 0.5
    assert (beta.current_stage, beta.furthest_stage, beta.last_activity) == (
        "plan", "spread", D(2026, 4, 1))

    delta = by_site["Delta"]
    assert (delta.current_stage, delta.furthest_stage, delta.last_activity) == ("plan", None, None)
    assert [s.proportion for s in delta.stages] == [0.0, 0.0, 0.0]

    epsilon = by_site["Epsilon"]
    assert figures(epsilon.stage("plan")) == (
        2, 2, D(2026, 3, 1), D(2026, 3, 5), D(2026, 3, 1), D(2026, 3, 5), 4, D(2026, 3, 5), 4)
    assert figures(epsilon.stage("pilot")) == (
        2, 2, D(2026, 3, 7), D(2026, 3, 10), D(2026, 3, 10), D(2026, 3, 10), 0, D(2026, 3, 10), 3)
    assert figures(epsilon.stage("spread")) == (0, 3) + NONE
    assert (epsilon.current_stage, epsilon.furthest_stage, epsilon.last_activity) == (
        "spread", "pilot", D(2026, 3, 10))


def test_hand_worked_rollup(scenario):
    from tracker.analysis.compare import compare

    c = compare(snapshot(scenario, None, AS_OF).status)
    assert [(r.stage, r.sites_entered, r.pct_entered, r.sites_completed, r.pct_completed,
             r.mean_proportion, r.median_duration_days, r.median_days_in_stage)
            for r in c.rollup] == [
        ("plan", 3, 75.0, 2, 50.0, 0.625, 13, 149),
        ("pilot", 2, 50.0, 2, 50.0, 0.5, 40, None),
        ("spread", 1, 25.0, 0, 0.0, 0.0833, None, 69.5),
    ]


def test_durations_do_not_grow_with_the_calendar(scenario):
    """SIC's duration stays put; our days_in_stage runs on while a stage is open."""
    later = {s.site: s for s in snapshot(scenario, None, D(2026, 12, 31)).status.sites}
    plan = later["Beta"].stage("plan")
    assert (plan.duration_days, plan.days_in_stage) == (0, 333)
    assert later["Alpha"].stage("plan").days_in_stage == 43  # completed: fixed


def test_later_as_of_counts_later_events_and_sites(scenario):
    status = snapshot(scenario, None, D(2026, 9, 1)).status
    by_site = {s.site: s for s in status.sites}
    assert "Gamma" in by_site
    spread = by_site["Alpha"].stage("spread")
    assert (spread.done, spread.last_activity, spread.entered_on) == (1, D(2026, 7, 5),
                                                                      D(2026, 7, 5))
    assert by_site["Alpha"].furthest_stage == "spread"


def test_earlier_as_of_sees_pilot_e_done_before_it_was_reopened(scenario):
    status = snapshot(scenario, None, D(2026, 4, 20)).status
    pilot = status.sites[0].stage("pilot")
    assert figures(pilot) == (2, 2, D(2026, 3, 1), D(2026, 4, 15), D(2026, 3, 1), D(2026, 4, 15),
                              45, D(2026, 4, 15), 45)
    status = snapshot(scenario, None, D(2026, 5, 5)).status
    pilot = status.sites[0].stage("pilot")
    # reopened on 05-01: pilot.e is no longer done, so its 04-15 completion counts for nothing
    assert figures(pilot) == (1, 2, D(2026, 3, 1), D(2026, 5, 1), D(2026, 3, 1), D(2026, 3, 1),
                              0, None, 65)


def test_status_json_through_the_cli(scenario, run):
    doc = json.loads(run("status", "--as-of", "2026-06-30", "--format", "json").stdout)
    assert list(doc) == ["initiative", "framework", "framework_version", "as_of", "sites"]
    assert (doc["initiative"], doc["framework"], doc["as_of"]) == ("Mini", "mini", "2026-06-30")
    beta = next(s for s in doc["sites"] if s["site"] == "Beta")
    assert beta == {
        "site": "Beta", "current_stage": "plan", "furthest_stage": "spread",
        "last_activity": "2026-04-01",
        "stages": [
            {"stage": "plan", "done": 1, "total": 2, "proportion": 0.5,
             "first_activity": "2026-02-01", "last_activity": "2026-04-01",
             "entered_on": "2026-02-01", "last_done_on": "2026-02-01", "duration_days": 0,
             "completed_on": None, "days_in_stage": 149},
            {"stage": "pilot", "done": 0, "total": 2, "proportion": 0.0,
             "first_activity": None, "last_activity": None, "entered_on": None,
             "last_done_on": None, "duration_days": None, "completed_on": None,
             "days_in_stage": None},
            {"stage": "spread", "done": 1, "total": 3, "proportion": round(1 / 3, 4),
             "first_activity": "2026-03-03", "last_activity": "2026-03-03",
             "entered_on": "2026-03-03", "last_done_on": "2026-03-03", "duration_days": 0,
             "completed_on": None, "days_in_stage": 119},
        ],
    }


def test_status_csv_and_table(scenario, run):
    csv_out = run("status", "--as-of", "2026-06-30", "--format", "csv").stdout.splitlines()
    assert csv_out[0] == ("site,region,current_stage,furthest_stage,stage,done,total,proportion,"
                          "first_activity,last_activity,entered_on,last_done_on,duration_days,"
                          "completed_on,days_in_stage")
    assert ("Alpha,,spread,pilot,plan,2,2,1.0,2025-12-20,2026-02-01,2026-01-10,2026-02-01,22,"
            "2026-02-01,43") in csv_out
    assert "Alpha,,spread,pilot,spread,0,3,0.0,2026-06-10,2026-06-10,,,,,20" in csv_out
    assert len(csv_out) == 1 + 4 * 3
    table = run("status", "--as-of", "2026-06-30").stdout
    assert "Mini: Mini test framework (mini 0.1), as of 2026-06-30" in table
    alpha_line = next(line for line in table.splitlines() if line.startswith("Alpha"))
    assert alpha_line.split() == ["Alpha", "spread", "pilot", "2/2", "2/2", "0/3", "2026-06-10"]


def test_completed_site_is_complete(store, catalog):
    create_initiative(store, catalog, "Mini", "mini")
    add_site(store, None, "Omega")
    for i, cp in enumerate(["plan.a", "plan.b", "pilot.d", "pilot.e", "spread.f", "spread.g",
                            "spread.h"]):
        log_event(store, None, "Omega", cp, on=D(2026, 1, 1 + i))
    site = snapshot(store, None, AS_OF).status.sites[0]
    assert (site.current_stage, site.furthest_stage) == ("complete", "spread")
    assert figures(site.stage("spread")) == (3, 3, D(2026, 1, 5), D(2026, 1, 7), D(2026, 1, 5),
                                             D(2026, 1, 7), 2, D(2026, 1, 7), 2)


def test_rated_checkpoints_and_domains(store):
    from tracker.catalog import Catalog

    create_initiative(store, Catalog(), "Tech", "nasss")
    add_site(store, None, "North")
    log_event(store, None, "North", "condition.nature", rating="complex", on=D(2026, 1, 5))
    log_event(store, None, "North", "condition.nature", rating="complicated", on=D(2026, 3, 5))
    log_event(store, None, "North", "condition.co-occurring", rating="simple", on=D(2026, 2, 1))
    site = snapshot(store, None, AS_OF).status.sites[0]
    assert (site.current_stage, site.furthest_stage) == (None, None)
    condition = site.stage("condition")
    assert (condition.done, condition.total, condition.first_activity,
            condition.last_activity) == (2, 3, D(2026, 1, 5), D(2026, 3, 5))
    state = site.states["condition.nature"]
    assert (state.rating, state.previous_rating, state.first_rated_on) == (
        "complicated", "complex", D(2026, 1, 5))
