"""``scaletrack next``: what each site has left, on scenarios worked out by hand.

Phased: framework 'mini' (plan: a, b, c optional; pilot: d, e; spread: f, g, h).

Ash      plan.a done 01-05, plan.b done 01-20, pilot.d done 02-01, pilot.e started 03-01.
         Plans for pilot: due 07-31 agreed 02-01, then due 09-30 agreed 07-05; spread due
         12-31 agreed 02-01 (not the current stage, so never shown).
         As of 06-30: pilot, 1 of 2 left (pilot.e started on 03-01), due 07-31 (in 31
         days); as of 07-10 the later plan is in force: due 09-30 (in 82 days).
Birch    plan.c note 02-01 (optional: never listed), plan.a blocked 02-10.
         As of 06-30: plan, plan.a blocked since 02-10, plan.b not started; as of 02-01
         (before the block) plan.a is not started.
Cedar    every checkpoint done 01-10..04-03, then spread.g reopened 05-01: spread, 1 of 3
         left (spread.g reopened on 05-01).
Dogwood  every checkpoint done, the last (spread.h) on 05-20: complete as of 06-30; as of
         04-30 still in spread with spread.h not started.
Elm      plan.a note only (03-01), plan.b started 03-05 and retracted, pilot.d done 03-10:
         plan, both not started, though it has entered pilot.
Fir      joined 2026-07-01: not in the analysis as of 06-30.

Domains: NASSS (2.0, 27 rated checkpoints in 7 domains), as of 2026-06-30.

Derby    all 27 rated simple on 2025-02-01: nothing complex, nothing to rate.
Hull     all but condition.sociocultural, adopters.carers and technology.ownership rated
         on 2025-01-10, simple except condition.nature complicated and
         organisation.capacity complex; then
           condition.nature       complex 2025-06-01, complex 2026-01-15 -> complex since 06-01
           condition.co-occurring complex 2025-06-01, simple 2026-01-15   -> not listed
           adopters.staff         complex 2026-02-01                      -> since 2026-02-01
           organisation.capacity  complicated 2025-06-01, complex 2026-03-01 -> since 03-01
           technology.material-features complex 2026-03-01, retracted   -> simple, not listed
         Entries: condition (nature, sociocultural), adopters (staff, carers), organisation
         (capacity): the domains with a complex sub-domain, in domain order; then
         technology (ownership).  As of 2025-05-31: organisation (capacity complex since
         2025-01-10) first, then condition, technology, adopters with one to rate each.
Poole    never rated: 27 to rate, one entry per domain.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tracker.analysis.load import snapshot
from tracker.analysis.next_steps import NextItem, SiteNext, next_steps, site_next_steps
from tracker.errors import BadInput, UnknownName
from tracker.store.initiatives import create_initiative
from tracker.store.retractions import retract_event
from tracker.store.sites import add_site
from tracker.store.writes import log_batch, log_event, set_plan

D = dt.date
AS_OF = D(2026, 6, 30)


@pytest.fixture
def mini(store, catalog):
    create_initiative(store, catalog, "Mini", "mini")
    for name in ("Ash", "Birch", "Cedar", "Dogwood", "Elm"):
        add_site(store, "Mini", name)
    add_site(store, "Mini", "Fir", joined_on=D(2026, 7, 1))

    def log(site, cp, on, **kw):
        return log_event(store, "Mini", site, cp, on=on, **kw)

    log("Ash", "plan.a", D(2026, 1, 5))
    log("Ash", "plan.b", D(2026, 1, 20))
    log("Ash", "pilot.d", D(2026, 2, 1))
    log("Ash", "pilot.e", D(2026, 3, 1), status="started")
    set_plan(store, "Mini", "Ash", "pilot", D(2026, 7, 31), set_on=D(2026, 2, 1))
    set_plan(store, "Mini", "Ash", "pilot", D(2026, 9, 30), set_on=D(2026, 7, 5))
    set_plan(store, "Mini", "Ash", "spread", D(2026, 12, 31), set_on=D(2026, 2, 1))
    log("Birch", "plan.c", D(2026, 2, 1), status="note", note="kick-off")
    log("Birch", "plan.a", D(2026, 2, 10), status="blocked")
    for cp, on in (("plan.a", D(2026, 1, 10)), ("plan.b", D(2026, 1, 15)),
                   ("pilot.d", D(2026, 2, 1)), ("pilot.e", D(2026, 3, 1)),
                   ("spread.f", D(2026, 4, 1)), ("spread.g", D(2026, 4, 2)),
                   ("spread.h", D(2026, 4, 3))):
        log("Cedar", cp, on)
    log("Cedar", "spread.g", D(2026, 5, 1), status="reopened")
    for cp, on in (("plan.a", D(2026, 1, 2)), ("plan.b", D(2026, 1, 12)),
                   ("pilot.d", D(2026, 1, 20)), ("pilot.e", D(2026, 2, 19)),
                   ("spread.f", D(2026, 3, 1)), ("spread.g", D(2026, 3, 15)),
                   ("spread.h", D(2026, 5, 20))):
        log("Dogwood", cp, on)
    log("Elm", "plan.a", D(2026, 3, 1), status="note", note="first meeting")
    wrong = log("Elm", "plan.b", D(2026, 3, 5), status="started")
    retract_event(store, "Mini", wrong.event.id, "that was Ash")
    log("Elm", "pilot.d", D(2026, 3, 10))
    return store


def item(cp, title, state, since=None):
    return NextItem(cp, title, state, since, f"{title.lower()} done")


def test_phased_library_hand_worked(mini):
    result = next_steps(snapshot(mini, "Mini", AS_OF))
    assert result.as_of == AS_OF
    assert [(s.site, s.stage, s.stage_title, s.due_on, s.items, s.done, s.total)
            for s in result.sites] == [
        ("Ash", "pilot", "Pilot", D(2026, 7, 31),
         (item("pilot.e", "E", "started", D(2026, 3, 1)),), 1, 2),
        ("Birch", "plan", "Plan", None,
         (item("plan.a", "A", "blocked", D(2026, 2, 10)), item("plan.b", "B", "not-started")),
         0, 2),
        ("Cedar", "spread", "Spread", None,
         (item("spread.g", "G", "reopened", D(2026, 5, 1)),), 2, 3),
        ("Dogwood", "complete", None, None, (), 0, 0),
        ("Elm", "plan", "Plan", None,
         (item("plan.a", "A", "not-started"), item("plan.b", "B", "not-started")), 0, 2),
    ]
    assert result.sites[4].furthest_stage == "pilot"


def test_phased_as_of_before_events_and_plans(mini):
    early = {s.site: s for s in next_steps(snapshot(mini, "Mini", D(2026, 2, 1))).sites}
    assert early["Birch"].items == (item("plan.a", "A", "not-started"),
                                    item("plan.b", "B", "not-started"))
    april = {s.site: s for s in next_steps(snapshot(mini, "Mini", D(2026, 4, 30))).sites}
    assert (april["Dogwood"].stage, april["Dogwood"].items) == (
        "spread", (item("spread.h", "H", "not-started"),))
    assert april["Cedar"].stage == "complete"  # reopened only on 05-01
    july = {s.site: s for s in next_steps(snapshot(mini, "Mini", D(2026, 7, 10))).sites}
    assert july["Ash"].due_on == D(2026, 9, 30)  # the plan agreed on 07-05 is in force
    assert "Fir" in july and july["Fir"].items == (item("plan.a", "A", "not-started"),
                                                   item("plan.b", "B", "not-started"))


def test_one_site_by_the_library(mini):
    result = site_next_steps(mini, "Mini", "  birch ", AS_OF)
    assert [s.site for s in result.sites] == ["Birch"]
    with pytest.raises(UnknownName) as err:
        site_next_steps(mini, "Mini", "Ahs", AS_OF)
    assert str(err.value) == ("unknown site 'Ahs'; did you mean 'Ash'? "
                              "(add it with 'scaletrack site add NAME')")
    with pytest.raises(BadInput) as err:
        site_next_steps(mini, "Mini", "fir", AS_OF)
    assert str(err.value) == ("site 'Fir' joined on 2026-07-01, after 2026-06-30; "
                              "give a later --as-of")


PHASED_TABLE = """\
Mini: what each site has left, as of 2026-06-30 (mini 0.1)

Ash: Pilot, 1 of 2 left, due 2026-07-31 (in 31 days)
  pilot.e   started on 2026-03-01     E

Birch: Plan, 2 of 2 left
  plan.a    blocked since 2026-02-10  A
  plan.b    not started               B

Cedar: Spread, 1 of 3 left
  spread.g  reopened on 2026-05-01    G

Dogwood: every stage completed

Elm: Plan, 2 of 2 left (it already has records in Pilot)
  plan.a    not started               A
  plan.b    not started               B

Total: 6 checkpoints left at 4 sites (1 blocked, 1 started, 1 reopened); 1 site complete

What counts as done:
  plan.a    a done
  plan.b    b done
  pilot.e   e done
  spread.g  g done
"""


def test_phased_table(mini, run):
    r = run("next", "--as-of", "2026-06-30")
    assert r.stdout == PHASED_TABLE
    assert r.stderr == ""


def test_one_site_table_and_overdue_plan(mini, run):
    r = run("next", "Ash", "--as-of", "2026-08-05", "-i", "Mini")
    assert r.stdout == """\
Mini: what each site has left, as of 2026-08-05 (mini 0.1)

Ash: Pilot, 1 of 2 left, due 2026-09-30 (in 56 days)
  pilot.e  started on 2026-03-01  E

What counts as done:
  pilot.e  e done
"""
    r = run("next", "ash", "--as-of", "2026-08-05", "--format", "json")
    assert json.loads(r.stdout)["sites"][0]["due_on"] == "2026-09-30"
    # the plan agreed on 07-05 is not in force yet on 07-04: the first one is
    r = run("next", "Ash", "--as-of", "2026-07-04")
    assert "Ash: Pilot, 1 of 2 left, due 2026-07-31 (in 27 days)\n" in r.stdout
    set_plan(mini, "Mini", "Birch", "plan", D(2026, 3, 1), set_on=D(2026, 1, 15))
    r = run("next", "Birch", "--as-of", "2026-06-30")
    assert "Birch: Plan, 2 of 2 left, due 2026-03-01 (121 days ago)\n" in r.stdout


def test_json_shape_exactly(mini, run):
    r = run("next", "--as-of", "2026-06-30", "--format", "json")
    assert json.loads(r.stdout) == {"as_of": "2026-06-30", "sites": [
        {"site": "Ash", "stage": "pilot", "stage_title": "Pilot", "due_on": "2026-07-31",
         "items": [{"checkpoint": "pilot.e", "title": "E", "state": "started",
                    "since": "2026-03-01", "guidance": "e done"}]},
        {"site": "Birch", "stage": "plan", "stage_title": "Plan", "due_on": None,
         "items": [{"checkpoint": "plan.a", "title": "A", "state": "blocked",
                    "since": "2026-02-10", "guidance": "a done"},
                   {"checkpoint": "plan.b", "title": "B", "state": "not-started",
                    "since": None, "guidance": "b done"}]},
        {"site": "Cedar", "stage": "spread", "stage_title": "Spread", "due_on": None,
         "items": [{"checkpoint": "spread.g", "title": "G", "state": "reopened",
                    "since": "2026-05-01", "guidance": "g done"}]},
        {"site": "Dogwood", "stage": "complete", "stage_title": None, "due_on": None,
         "items": []},
        {"site": "Elm", "stage": "plan", "stage_title": "Plan", "due_on": None,
         "items": [{"checkpoint": "plan.a", "title": "A", "state": "not-started",
                    "since": None, "guidance": "a done"},
                   {"checkpoint": "plan.b", "title": "B", "state": "not-started",
                    "since": None, "guidance": "b done"}]},
    ]}


def test_csv(mini, run):
    r = run("next", "--as-of", "2026-06-30", "--format", "csv")
    assert r.stdout == """\
site,stage,stage_title,due_on,checkpoint,title,state,since,guidance
Ash,pilot,Pilot,2026-07-31,pilot.e,E,started,2026-03-01,e done
Birch,plan,Plan,,plan.a,A,blocked,2026-02-10,a done
Birch,plan,Plan,,plan.b,B,not-started,,b done
Cedar,spread,Spread,,spread.g,G,reopened,2026-05-01,g done
Dogwood,complete,,,,,,,
Elm,plan,Plan,,plan.a,A,not-started,,a done
Elm,plan,Plan,,plan.b,B,not-started,,b done
"""


def test_one_site_against_all(mini, run):
    every = json.loads(run("next", "--as-of", "2026-06-30", "--format", "json").stdout)
    for entry in every["sites"]:
        one = json.loads(run("next", entry["site"].upper(), "--as-of", "2026-06-30",
                             "--format", "json").stdout)
        assert one == {"as_of": "2026-06-30", "sites": [entry]}
    r = run("next", "Dogwood", "--as-of", "2026-06-30")
    assert r.stdout == ("Mini: what each site has left, as of 2026-06-30 (mini 0.1)\n\n"
                        "Dogwood: every stage completed\n")


def test_bad_site_names(mini, run):
    r = run("next", "Ahs", code=2)
    assert r.stderr == ("Error: unknown site 'Ahs'; did you mean 'Ash'? "
                        "(add it with 'scaletrack site add NAME')\n")
    assert r.stdout == ""
    for empty in ("", "   "):
        r = run("next", empty, code=2)
        assert r.stderr.splitlines()[-1] == ("Error: SITE is empty: give a site name, or leave "
                                             "it out to see every site")
    r = run("next", "Fir", "--as-of", "2026-06-30", code=2)
    assert r.stderr == ("Error: site 'Fir' joined on 2026-07-01, after 2026-06-30; give a "
                        "later --as-of\n")


def test_no_sites_yet(store, catalog, run):
    create_initiative(store, catalog, "Empty", "mini")
    r = run("next")
    assert r.stdout.splitlines()[1:] == [
        "", "No sites yet: add one with 'scaletrack site add NAME'."]
    assert json.loads(run("next", "--format", "json").stdout)["sites"] == []
    assert run("next", "--format", "csv").stdout == (
        "site,stage,stage_title,due_on,checkpoint,title,state,since,guidance\n")


# -- NASSS --------------------------------------------------------------------

UNRATED_AT_HULL = ("condition.sociocultural", "adopters.carers", "technology.ownership")


@pytest.fixture
def nasss(store, catalog):
    create_initiative(store, catalog, "Care", "nasss")
    for name in ("Poole", "Hull", "Derby"):
        add_site(store, "Care", name)
    framework = catalog.get("nasss")
    ids = [cp.full_id for stage in framework.stages for cp in stage.checkpoints]
    assert len(ids) == 27
    first = {"condition.nature": "complicated", "organisation.capacity": "complex"}
    log_batch(store, "Care", [
        {"site": "Hull", "checkpoint": cp, "rating": first.get(cp, "simple"),
         "on": D(2025, 1, 10)} for cp in ids if cp not in UNRATED_AT_HULL] + [
        {"site": "Derby", "checkpoint": cp, "rating": "simple", "on": D(2025, 2, 1)}
        for cp in ids])

    def rate(cp, level, on):
        return log_event(store, "Care", "Hull", cp, rating=level, on=on)

    rate("condition.nature", "complex", D(2025, 6, 1))
    rate("condition.nature", "complex", D(2026, 1, 15))
    rate("condition.co-occurring", "complex", D(2025, 6, 1))
    rate("condition.co-occurring", "simple", D(2026, 1, 15))
    rate("adopters.staff", "complex", D(2026, 2, 1))
    rate("organisation.capacity", "complicated", D(2025, 6, 1))
    rate("organisation.capacity", "complex", D(2026, 3, 1))
    wrong = rate("technology.material-features", "complex", D(2026, 3, 1))
    retract_event(store, "Care", wrong.event.id, "that was Derby's")
    return framework


def guide(framework, cp):
    return framework.checkpoint(cp).guidance


def test_nasss_library_hand_worked(store, nasss):
    fw = nasss
    result = next_steps(snapshot(store, "Care", AS_OF, history=True))

    def it(cp, state, since=None):
        return NextItem(cp, fw.checkpoint(cp).title, state, since, guide(fw, cp),
                        "complex" if state == "at-worst-level" else None)

    sites = [(s.site, s.stage, s.stage_title, s.due_on, s.items) for s in result.sites]
    assert sites[0] == ("Derby", None, None, None, ())
    assert sites[1:5] == [
        ("Hull", "condition", "1. Condition or need", None,
         (it("condition.nature", "at-worst-level", D(2025, 6, 1)),
          it("condition.sociocultural", "not-rated"))),
        ("Hull", "adopters", "4. Adopter system", None,
         (it("adopters.staff", "at-worst-level", D(2026, 2, 1)),
          it("adopters.carers", "not-rated"))),
        ("Hull", "organisation", "5. Organisation(s)", None,
         (it("organisation.capacity", "at-worst-level", D(2026, 3, 1)),)),
        ("Hull", "technology", "2. Technology or innovation", None,
         (it("technology.ownership", "not-rated"),)),
    ]
    poole = result.sites[5:]
    assert [s.stage for s in poole] == [s.id for s in fw.stages]
    assert [i.checkpoint for s in poole for i in s.items] == [
        cp.full_id for s in fw.stages for cp in s.checkpoints]
    assert {i.state for s in poole for i in s.items} == {"not-rated"}
    assert result.unassessed == {"Poole"}

    early = next_steps(snapshot(store, "Care", D(2025, 5, 31), history=True))
    hull = [(s.stage, s.items) for s in early.sites if s.site == "Hull"]
    assert hull == [
        ("organisation", (it("organisation.capacity", "at-worst-level", D(2025, 1, 10)),)),
        ("condition", (it("condition.sociocultural", "not-rated"),)),
        ("technology", (it("technology.ownership", "not-rated"),)),
        ("adopters", (it("adopters.carers", "not-rated"),)),
    ]


def test_nasss_since_without_history_is_the_latest_rating(store, nasss):
    result = next_steps(snapshot(store, "Care", AS_OF))  # no rating history read
    nature = next(i for s in result.sites for i in s.items if i.checkpoint == "condition.nature")
    assert nature.since == D(2026, 1, 15)


def test_nasss_table(store, nasss, run):
    r = run("next", "--as-of", "2026-06-30")
    head, key = r.stdout.split("\nHow to rate:\n")
    assert head == """\
Care: what each site has left, as of 2026-06-30 (nasss 2.0)

Derby: nothing rated complex, nothing left to rate

Hull: 3 complex, 3 not rated
  condition.nature         complex since 2025-06-01  Nature of the condition or need
  adopters.staff           complex since 2026-02-01  Staff
  organisation.capacity    complex since 2026-03-01  Capacity to innovate
  condition.sociocultural  not rated                 Sociocultural factors
  adopters.carers          not rated                 Family and unpaid carers
  technology.ownership     not rated                 Who owns the intellectual property

Poole: no assessment yet (27 to rate; see 'scaletrack frameworks show nasss')

Total: 3 complex at 1 site; 3 sub-domains to rate; 1 site not assessed yet
"""
    # how to rate the three, in the framework's order, each wrapped under its id
    starts = [line.split()[0] for line in key.splitlines() if not line.startswith("    ")]
    assert starts == ["condition.sociocultural", "technology.ownership", "adopters.carers"]
    assert " ".join(key.split()) == " ".join(
        w for cp in starts for w in (cp, *guide(nasss, cp).split()))


def test_nasss_json_and_one_site(store, nasss, run):
    r = run("next", "Hull", "--as-of", "2026-06-30", "--format", "json")
    doc = json.loads(r.stdout)
    assert [(s["site"], s["stage"], s["due_on"], [(i["checkpoint"], i["state"], i["since"])
                                                 for i in s["items"]])
            for s in doc["sites"]] == [
        ("Hull", "condition", None, [("condition.nature", "at-worst-level", "2025-06-01"),
                                     ("condition.sociocultural", "not-rated", None)]),
        ("Hull", "adopters", None, [("adopters.staff", "at-worst-level", "2026-02-01"),
                                    ("adopters.carers", "not-rated", None)]),
        ("Hull", "organisation", None, [("organisation.capacity", "at-worst-level",
                                         "2026-03-01")]),
        ("Hull", "technology", None, [("technology.ownership", "not-rated", None)]),
    ]
    assert doc["sites"][0]["items"][0] == {
        "checkpoint": "condition.nature", "title": "Nature of the condition or need",
        "state": "at-worst-level", "since": "2025-06-01",
        "guidance": guide(nasss, "condition.nature")}
    r = run("next", "derby", "--as-of", "2026-06-30", "--format", "json")
    assert json.loads(r.stdout) == {"as_of": "2026-06-30", "sites": [
        {"site": "Derby", "stage": None, "stage_title": None, "due_on": None, "items": []}]}
    r = run("next", "Poole", "--format", "csv", "--as-of", "2026-06-30")
    lines = r.stdout.splitlines()
    assert len(lines) == 28
    assert lines[1].startswith("Poole,condition,1. Condition or need,,condition.nature,"
                               "Nature of the condition or need,not-rated,,")


def test_help_lists_every_state(run):
    text = " ".join(run("next", "--help").stdout.split())
    for state in ("not-started", "started", "blocked", "reopened", "at-worst-level",
                  "not-rated"):
        assert state in text


# -- the less common shapes a catalogue allows ----------------------------------

MIXED = """
id = "{id}"
title = "Mixed"
version = "0.1"
kind = "{kind}"

[scales]
traffic = ["green", "amber", "red"]

[[citations]]
authors = "Test A"
year = 2026
title = "A framework for tests"

[[stages]]
id = "one"
title = "One"
  [[stages.checkpoints]]
  id = "tick"
  title = "Tick"
  guidance = "tick it"
  [[stages.checkpoints]]
  id = "rate"
  title = "Rate"
  guidance = "rate it"
  scale = "traffic"
  [[stages.checkpoints]]
  id = "maybe"
  title = "Maybe"
  guidance = "rate it if you like"
  scale = "traffic"
  optional = true
"""


@pytest.mark.parametrize("kind", ["phased", "domains"])
def test_rated_checkpoints_in_a_stage_and_ticked_ones_in_a_domain(store, tmp_path, kind):
    from tracker.catalog import Catalog

    (tmp_path / "mixed.toml").write_text(MIXED.format(id=f"mixed-{kind}", kind=kind))
    create_initiative(store, Catalog(str(tmp_path)), "X", f"mixed-{kind}")
    add_site(store, "X", "Ash")
    log_event(store, "X", "Ash", "one.tick", status="blocked", on=D(2026, 3, 1))
    log_event(store, "X", "Ash", "one.maybe", rating="red", on=D(2026, 3, 2))
    [entry] = next_steps(snapshot(store, "X", AS_OF)).sites
    blocked = NextItem("one.tick", "Tick", "blocked", D(2026, 3, 1), "tick it")
    unrated = NextItem("one.rate", "Rate", "not-rated", None, "rate it")
    if kind == "phased":  # an optional checkpoint is never listed, whatever its rating
        assert (entry.stage, entry.items) == ("one", (blocked, unrated))
    else:  # a worst-level rating is listed even on an optional checkpoint, and first
        worst = NextItem("one.maybe", "Maybe", "at-worst-level", D(2026, 3, 2),
                         "rate it if you like", "red")
        assert (entry.stage, entry.items) == ("one", (worst, blocked, unrated))


def test_totals_when_nothing_is_left(store, nasss, catalog, run):
    r = run("next", "--as-of", "2024-12-31", "-i", "Care")
    assert r.stdout == """\
Care: what each site has left, as of 2024-12-31 (nasss 2.0)

Derby: no assessment yet (27 to rate; see 'scaletrack frameworks show nasss')

Hull: no assessment yet (27 to rate; see 'scaletrack frameworks show nasss')

Poole: no assessment yet (27 to rate; see 'scaletrack frameworks show nasss')

Total: 3 sites not assessed yet
"""
    r = run("next", "Derby", "--as-of", "2026-06-30", "-i", "Care")
    assert r.stdout.splitlines()[2:] == ["Derby: nothing rated complex, nothing left to rate"]
    create_initiative(store, catalog, "Done", "mini")
    for site in ("Oak", "Yew"):
        add_site(store, "Done", site)
        log_batch(store, "Done", [{"site": site, "checkpoint": cp, "on": D(2026, 3, 1)}
                                  for cp in ("plan.a", "plan.b", "pilot.d", "pilot.e",
                                             "spread.f", "spread.g", "spread.h")])
    r = run("next", "--as-of", "2026-06-30", "-i", "Done")
    assert r.stdout.splitlines()[2:] == ["Oak: every stage completed", "",
                                         "Yew: every stage completed", "",
                                         "Total: 2 sites complete"]


# -- issue 18 item 6: a site that has just completed a stage --------------------------

PHASED = ("ihi-full-scale", "expandnet-nine-steps", "milat-four-steps")


def _completing(framework, upto: int, extra: int | None = None) -> list[dict]:
    """Entries completing every required checkpoint of stages 0..upto, and (with
    ``extra``) one 'started' record in stage ``extra``."""
    entries = []
    day = D(2026, 1, 1)
    for stage in framework.stages[:upto + 1]:
        for cp in stage.required:
            levels = framework.levels(cp)
            entries.append({"checkpoint": cp.full_id, "on": day,
                            **({"rating": levels[0]} if levels else {"status": "done"})})
    if extra is not None:
        cp = framework.stages[extra].required[0]
        entries.append({"checkpoint": cp.full_id, "on": day, "status": "started"}
                       if not framework.levels(cp) else
                       {"checkpoint": cp.full_id, "on": day, "status": "note", "note": "n"})
    return entries


@pytest.mark.parametrize("framework_id", PHASED)
def test_next_after_each_completed_stage_names_the_next_stage_plainly(store, run,
                                                                      framework_id):
    """Issue 18: IHI 'Phase 2 ... (it has entered set-up)' named the stage just completed.
    Site k has completed stages 1..k and nothing else: its heading names stage k+1 and
    nothing more.  Site k+ has also started stage k+2: the heading names that stage."""
    from tracker.store.queries import framework_of, resolve_initiative

    run("initiative", "create", "Scale", "--framework", framework_id)
    with store.reading() as session:
        framework = framework_of(session, resolve_initiative(session, "Scale"))
    stages = framework.stages
    expected = []
    for k in range(len(stages) - 1):
        nxt = stages[k + 1]
        n = len(nxt.required)
        name = f"Site {k + 1:02d}"
        add_site(store, "Scale", name)
        log_batch(store, "Scale", [{**e, "site": name} for e in _completing(framework, k)])
        expected.append(f"{name}: {nxt.title}, {n} of {n} left")
        if k + 2 < len(stages):
            name = f"Site {k + 1:02d}+"
            add_site(store, "Scale", name, force=True)  # one typo from the site above
            log_batch(store, "Scale", [{**e, "site": name}
                                       for e in _completing(framework, k, extra=k + 2)])
            expected.append(f"{name}: {nxt.title}, {n} of {n} left (it already has records "
                            f"in {stages[k + 2].title})")
    out = run("next", "--as-of", "2026-06-30").stdout
    headings = [line for line in out.splitlines() if line.startswith("Site ")]
    assert headings == expected
    assert "(it has entered" not in out
