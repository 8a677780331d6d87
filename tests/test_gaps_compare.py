"""Gaps, comparison and the NASSS view on a scenario worked out by hand.

Framework 'mini' (plan: a, b, c optional; pilot: d, e; spread: f, g, h; checklist
health.funding rated green/amber/red) plus the SCIE factors; as of 2026-06-30.

Ash      plan 01-05..01-20 (15 d), pilot 02-01..03-01 (28 d), spread.f done 06-01,
         spread.g started 06-15; health.funding rated red 05-01
Birch    plan 01-10..02-09 (30 d), pilot 03-01..04-10 (40 d); plans: pilot due 03-01
         (superseded by 05-01, met), spread due 06-01 (missed)
Cedar    plan 01-15..02-04 (20 d), pilot.d done 03-10, pilot.e blocked 04-01 (89 days
         before the as-of date: not stalled)
Dogwood  every stage: plan 01-02..01-12 (10 d), pilot 01-20..02-19 (30 d), spread
         03-01..03-30; spread.h wrongly logged 03-05, retracted, logged again 03-30
Elm      plan.a 02-01, pilot.d 02-20 (logged last, back-dated), plan.b never;
         SCIE networks and staff-turnover (key) rated barrier 02-15
Fir      joined 2026-02-01, nothing since
Sites completing plan: 10, 15, 20, 30 days (median 17.5); pilot: 28, 30, 40 (median 30);
SIC durations (first to last checkpoint done) are the same here, every first event being a
done.  Open (entered, not completed): plan Elm 149 days; pilot Cedar 112, Elm 130 (median
121); spread Ash 29.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tracker.analysis.compare import compare
from tracker.analysis.domains import domain_views
from tracker.analysis.gaps import compute_gaps
from tracker.analysis.load import snapshot
from tracker.catalog import Catalog
from tracker.store.initiatives import create_initiative
from tracker.store.retractions import retract_event
from tracker.store.sites import add_site
from tracker.store.writes import log_event, set_plan

D = dt.date
AS_OF = D(2026, 6, 30)


@pytest.fixture
def programme(store, catalog):
    create_initiative(store, catalog, "Mini", "mini")
    for name in ("Ash", "Birch", "Cedar", "Dogwood", "Elm"):
        add_site(store, "Mini", name)
    add_site(store, "Mini", "Fir", joined_on=D(2026, 2, 1))

    def log(site, cp, on, **kw):
        return log_event(store, "Mini", site, cp, on=on, **kw)

    log("Elm", "plan.a", D(2026, 2, 1))
    log("Ash", "plan.a", D(2026, 1, 5))
    log("Ash", "plan.b", D(2026, 1, 20))
    log("Ash", "pilot.d", D(2026, 2, 1))
    log("Ash", "pilot.e", D(2026, 3, 1))
    log("Ash", "spread.f", D(2026, 6, 1))
    log("Ash", "spread.g", D(2026, 6, 15), status="started")
    log("Ash", "health.funding", D(2026, 5, 1), rating="red")
    log("Birch", "pilot.e", D(2026, 4, 10))
    log("Birch", "plan.b", D(2026, 2, 9))
    log("Birch", "plan.a", D(2026, 1, 10))
    log("Birch", "pilot.d", D(2026, 3, 1))
    log("Cedar", "plan.a", D(2026, 1, 15))
    log("Cedar", "plan.b", D(2026, 2, 4))
    log("Cedar", "pilot.d", D(2026, 3, 10))
    log("Cedar", "pilot.e", D(2026, 4, 1), status="blocked")
    for cp, on in (("plan.a", D(2026, 1, 2)), ("plan.b", D(2026, 1, 12)),
                   ("pilot.d", D(2026, 1, 20)), ("pilot.e", D(2026, 2, 19)),
                   ("spread.f", D(2026, 3, 1)), ("spread.g", D(2026, 3, 15))):
        log("Dogwood", cp, on)
    wrong = log("Dogwood", "spread.h", D(2026, 3, 5))
    retract_event(store, "Mini", wrong.event.id, "not yet")
    log("Dogwood", "spread.h", D(2026, 3, 30))
    log("Elm", "scie-factors.networks", D(2026, 2, 15), rating="barrier")
    log("Elm", "scie-factors.staff-turnover", D(2026, 2, 15), rating="barrier")
    log("Elm", "pilot.d", D(2026, 2, 20))
    set_plan(store, "Mini", "Birch", "pilot", D(2026, 3, 1), set_on=D(2026, 1, 1))
    set_plan(store, "Mini", "Birch", "pilot", D(2026, 5, 1), set_on=D(2026, 2, 1))
    set_plan(store, "Mini", "Birch", "spread", D(2026, 6, 1), set_on=D(2026, 3, 1))
    return store


EXPECTED_GAPS = [
    ("Ash", "health", "health.funding", "at-worst-level", "rated red on 2026-05-01"),
    ("Ash", "spread", "spread.g", "open", "started on 2026-06-15"),
    ("Ash", "spread", "spread.h", "open", "not started"),
    ("Birch", "spread", None, "overdue", "planned for 2026-06-01, 29 days ago; 0/3 done"),
    ("Birch", "spread", "spread.f", "open", "not started"),
    ("Birch", "spread", "spread.g", "open", "not started"),
    ("Birch", "spread", "spread.h", "open", "not started"),
    ("Cedar", "pilot", "pilot.e", "blocked", "blocked since 2026-04-01"),
    ("Cedar", "pilot", None, "slow",
     "112 days in this stage; the 3 sites that completed it took a median of 30"),
    ("Elm", "plan", None, "stalled", "no events for 130 days (last event 2026-02-20)"),
    ("Elm", "plan", None, "slow",
     "149 days in this stage; the 4 sites that completed it took a median of 17.5"),
    ("Elm", "scie-factors", "scie-factors.staff-turnover", "at-worst-level",
     "rated barrier on 2026-02-15 (key factor for social care)"),
    ("Elm", "scie-factors", "scie-factors.networks", "at-worst-level",
     "rated barrier on 2026-02-15"),
    ("Elm", "plan", "plan.b", "skipped", "not done, though the site has entered pilot"),
    ("Fir", "plan", None, "stalled",
     "no events for 149 days (no events since joining on 2026-02-01)"),
    ("Fir", "plan", "plan.a", "open", "not started"),
    ("Fir", "plan", "plan.b", "open", "not started"),
]


def test_every_gap_of_the_scenario(programme):
    snap = snapshot(programme, "Mini", AS_OF)
    found = [(g.site, g.stage, g.checkpoint, g.kind, g.detail)
             for g in compute_gaps(snap.status, snap.plans)]
    assert found == EXPECTED_GAPS


def test_gaps_json_and_site_filter_through_the_cli(programme, run):
    doc = json.loads(run("gaps", "--as-of", "2026-06-30", "--format", "json").stdout)
    assert [tuple(g.values()) for g in doc] == EXPECTED_GAPS
    assert all(list(g) == ["site", "stage", "checkpoint", "kind", "detail"] for g in doc)
    elm = json.loads(run("gaps", "--site", "elm", "--as-of", "2026-06-30", "--format",
                         "json").stdout)
    assert [tuple(g.values()) for g in elm] == [g for g in EXPECTED_GAPS if g[0] == "Elm"]
    r = run("gaps", "--site", "Oak", code=2)
    assert r.stderr.startswith("Error: unknown site 'Oak'")


def test_gaps_table_groups_by_site_most_urgent_first(programme, run):
    out = run("gaps", "--as-of", "2026-06-30").stdout
    assert out.index("Cedar (2)") < out.index("Elm (5)") < out.index("Fir (3)")
    elm = out[out.index("Elm (5)"):out.index("Fir (3)")]
    kinds = [line.split()[0] for line in elm.splitlines()[3:] if line.strip()]
    assert kinds == ["stalled", "slow", "at-worst-level", "at-worst-level", "skipped"]
    assert out.rstrip().endswith("Total: 1 blocked, 1 overdue, 2 stalled, 2 slow, "
                                 "3 at-worst-level, 1 skipped, 7 open")


def test_stalled_after_and_as_of_change_the_gaps(programme, run):
    doc = json.loads(run("gaps", "--as-of", "2026-06-30", "--stalled-after", "60",
                         "--format", "json").stdout)
    stalled = sorted(g["site"] for g in doc if g["kind"] == "stalled")
    assert stalled == ["Birch", "Cedar", "Elm", "Fir"]  # Birch: 81 days, Cedar: 90 days
    early = json.loads(run("gaps", "--as-of", "2026-05-15", "--format", "json").stdout)
    assert not any(g["kind"] == "overdue" for g in early)  # Birch's spread plan not yet due
    r = run("gaps", "--stalled-after", "-1", code=2)
    assert "-1" in r.stderr


def test_compare_rollup_and_matrix(programme):
    c = compare(snapshot(programme, "Mini", AS_OF).status)
    rollup = [(r.stage, r.sites_entered, r.pct_entered, r.sites_completed, r.pct_completed,
               r.mean_proportion, r.median_duration_days, r.median_days_in_stage)
              for r in c.rollup]
    assert rollup == [
        ("plan", 5, 83.3, 4, 66.7, 0.75, 17.5, 149),
        ("pilot", 5, 83.3, 3, 50.0, 0.6667, 30, 121),
        ("spread", 2, 33.3, 1, 16.7, 0.2222, 29, 29),
    ]
    cells = {(m.site, m.stage): (round(m.proportion, 4), m.completed_on) for m in c.matrix}
    assert cells[("Dogwood", "spread")] == (1.0, D(2026, 3, 30))
    assert cells[("Elm", "plan")] == (0.5, None)
    assert cells[("Ash", "spread")] == (0.3333, None)
    assert len(cells) == 18
    top = [(x.checkpoint, x.key, x.rated, x.at_worst_level) for x in c.checklists[:4]]
    assert top == [("scie-factors.staff-turnover", True, 1, 1),
                   ("health.funding", False, 1, 1),
                   ("scie-factors.networks", False, 1, 1),
                   ("scie-factors.evidence", True, 0, 0)]


def test_compare_json_shape(programme, run):
    doc = json.loads(run("compare", "--as-of", "2026-06-30", "--format", "json").stdout)
    assert list(doc) == ["as_of", "matrix", "rollup", "checklists"]
    assert doc["matrix"][0] == {"site": "Ash", "stage": "plan", "proportion": 1.0,
                                "completed_on": "2026-01-20"}
    assert doc["rollup"][1] == {"stage": "pilot", "sites_entered": 5, "pct_entered": 83.3,
                                "sites_completed": 3, "pct_completed": 50.0,
                                "mean_proportion": 0.6667, "median_duration_days": 30,
                                "median_days_in_stage": 121}
    csv_lines = run("compare", "--as-of", "2026-06-30", "--format", "csv").stdout.splitlines()
    assert csv_lines == [
        "stage,sites_entered,pct_entered,sites_completed,pct_completed,"
        "mean_proportion,median_duration_days,median_days_in_stage",
        "plan,5,83.3,4,66.7,0.75,17.5,149", "pilot,5,83.3,3,50.0,0.6667,30,121",
        "spread,2,33.3,1,16.7,0.2222,29,29"]
    table = run("compare", "--as-of", "2026-06-30").stdout
    pilot = next(line for line in table.splitlines() if line.startswith("pilot "))
    assert pilot.split() == ["pilot", "5", "(83.3%)", "3", "(50%)", "67%", "30", "121"]
    assert "Dogwood  100% 2026-01-12  100% 2026-02-19  100% 2026-03-30" in table


def test_plan_command(programme, run):
    r = run("plan", "Fir", "pilot", "--due", "2026-05-01", "--on", "2026-02-01", "-i", "Mini")
    assert r.stderr.strip() == "Planned: Fir to complete pilot by 2026-05-01 (plan 32)"
    doc = json.loads(run("gaps", "--site", "Fir", "--as-of", "2026-06-30", "--format",
                         "json").stdout)
    assert doc[0] == {"site": "Fir", "stage": "pilot", "checkpoint": None, "kind": "overdue",
                      "detail": "planned for 2026-05-01, 60 days ago; 0/2 done"}
    r = run("plan", "Fir", "pilots", "--due", "2026-05-01", code=2)
    assert r.stderr.strip() == ("Error: unknown stage 'pilots'; did you mean 'pilot'? "
                                "(stages of mini)")
    r = run("plan", "Fir", "pilot", code=2)
    assert "--due" in r.stderr


# -- NASSS, the second framework -------------------------------------------

@pytest.fixture
def tech(store):
    create_initiative(store, Catalog(), "Tech", "nasss")
    add_site(store, "Tech", "North")
    add_site(store, "Tech", "South")

    def rate(cp, level, on):
        return log_event(store, "Tech", "North", cp, rating=level, on=on, by="facilitator")

    rate("condition.co-occurring", "complex", D(2026, 4, 5))  # logged before its history
    rate("condition.nature", "complex", D(2026, 1, 5))
    rate("condition.co-occurring", "simple", D(2026, 1, 5))
    rate("condition.sociocultural", "simple", D(2026, 1, 5))
    rate("condition.nature", "complicated", D(2026, 4, 5))
    rate("condition.sociocultural", "simple", D(2026, 4, 5))
    rate("technology.material-features", "complex", D(2026, 4, 5))
    wrong = rate("value-proposition.supply-side", "complicated", D(2026, 1, 5))
    retract_event(store, "Tech", wrong.event.id, "rated for the wrong site")
    return store


def test_nasss_view(tech):
    status = snapshot(tech, "Tech", AS_OF).status
    views = {(v.site, v.domain): v for v in domain_views(status)}
    north = views[("North", "condition")]
    assert (north.rated, north.total, north.at_worst_level, north.better, north.same,
            north.worse) == (3, 3, 1, 1, 1, 1)
    assert north.levels == {"condition.nature": "complicated",
                            "condition.co-occurring": "complex",
                            "condition.sociocultural": "simple"}
    tech_domain = views[("North", "technology")]
    assert (tech_domain.rated, tech_domain.total, tech_domain.at_worst_level,
            tech_domain.better + tech_domain.same + tech_domain.worse) == (1, 5, 1, 0)
    assert views[("North", "value-proposition")].rated == 0  # the rating was retracted
    assert views[("South", "condition")].rated == 0


def test_nasss_gaps(tech):
    snap = snapshot(tech, "Tech", AS_OF)
    found = [(g.site, g.stage, g.checkpoint, g.kind, g.detail)
             for g in compute_gaps(snap.status, snap.plans)]
    north = [g for g in found if g[0] == "North"]
    assert north[:2] == [
        ("North", "condition", "condition.co-occurring", "at-worst-level",
         "rated complex on 2026-04-05"),
        ("North", "technology", "technology.material-features", "at-worst-level",
         "rated complex on 2026-04-05")]
    # one gap per domain with sub-domains still to rate; condition is fully rated
    assert north[2:] == [
        ("North", "technology", None, "unrated", "4 of 5 sub-domains not yet rated"),
        ("North", "value-proposition", None, "unrated", "3 of 3 sub-domains not yet rated"),
        ("North", "adopters", None, "unrated", "3 of 3 sub-domains not yet rated"),
        ("North", "organisation", None, "unrated", "5 of 5 sub-domains not yet rated"),
        ("North", "wider-system", None, "unrated", "5 of 5 sub-domains not yet rated"),
        ("North", "embedding", None, "unrated", "3 of 3 sub-domains not yet rated")]
    south = [g for g in found if g[0] == "South"]
    assert south == [("South", "", None, "unrated", "no assessment yet (27 sub-domains to rate)")]


def test_nasss_status_and_compare_through_the_cli(tech, run):
    doc = json.loads(run("status", "-i", "Tech", "--as-of", "2026-06-30", "--format",
                         "json").stdout)
    assert doc["sites"][0]["current_stage"] is None
    cond = next(d for d in doc["domains"] if d["site"] == "North" and d["domain"] == "condition")
    assert cond == {"site": "North", "domain": "condition", "rated": 3, "total": 3,
                    "at_worst_level": 1, "better": 1, "same": 1, "worse": 1,
                    "levels": {"condition.nature": "complicated",
                               "condition.co-occurring": "complex",
                               "condition.sociocultural": "simple"}}
    table = run("status", "-i", "Tech", "--as-of", "2026-06-30").stdout
    row = next(line for line in table.splitlines() if line.startswith("North") and
               "condition" in line)
    assert row.split() == ["North", "condition", "3/3", "1", "1", "1", "1"]
    comp = json.loads(run("compare", "-i", "Tech", "--as-of", "2026-06-30", "--format",
                          "json").stdout)
    # North's condition stands at its most complex sub-domain (co-occurring, complex)
    assert comp["rollup"][0] == {"domain": "condition", "sites_assessed": 1, "simple": 0,
                                 "pct_simple": 0.0, "complicated": 0, "pct_complicated": 0.0,
                                 "complex": 1, "pct_complex": 50.0, "not_yet_rated": 1,
                                 "pct_not_yet_rated": 50.0}
    assert "sites_entered" not in json.dumps(comp)
    r = run("plan", "North", "condition", "--due", "2026-12-31", "-i", "Tech", code=2)
    assert "takes no plans" in r.stderr


def test_ratings_keep_who_and_when(tech, run):
    rows = json.loads(run("events", "list", "-i", "Tech", "--format", "json").stdout)
    nature = [(r["occurred_on"], r["rating"], r["recorded_by"]) for r in rows
              if r["checkpoint"] == "condition.nature"]
    assert nature == [("2026-01-05", "complex", "facilitator"),
                      ("2026-04-05", "complicated", "facilitator")]
