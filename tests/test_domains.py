"""A domains framework (NASSS) on a three-site programme worked out by hand.

All three sites joined on 2026-01-01; the report is for 2026 Q2, as of 2026-06-30.

Ashby  2026-02-10: condition.nature simple, condition.co-occurring complicated,
                   technology.material-features complicated
       2026-05-12: condition.nature complex (more complex), technology.material-features
                   simple (less complex), adopters.staff complicated (first rating)
Brent  2026-04-20: condition.nature complicated, condition.co-occurring complicated,
                   condition.sociocultural simple, technology.supply-model complex
Corby  nothing (stalled: 180 days since joining; 89 at the quarter's start, so not before)

Domain levels (ours: the most complex of the rated sub-domains, at their latest ratings):
Ashby condition complex, technology simple, adopters complicated; Brent condition
complicated, technology complex; every other domain, and all of Corby, not yet rated.
Sub-domains: 3 + 5 + 3 + 3 + 5 + 5 + 3 = 27 a site, 81 in all; 4 rated at Ashby and 4 at
Brent, so 73 of 81 not yet rated.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tracker.analysis.compare import compare
from tracker.analysis.gaps import compute_gaps
from tracker.analysis.load import snapshot
from tracker.analysis.periods import parse_quarter
from tracker.catalog import Catalog
from tracker.report import summarise
from tracker.store.initiatives import create_initiative
from tracker.store.sites import add_site
from tracker.store.writes import log_event

D = dt.date
AS_OF = D(2026, 6, 30)
Q2 = parse_quarter("2026Q2")


@pytest.fixture
def care(store):
    create_initiative(store, Catalog(), "Care", "nasss")
    for name in ("Ashby", "Brent", "Corby"):
        add_site(store, "Care", name, joined_on=D(2026, 1, 1))

    def rate(site, cp, level, on):
        log_event(store, "Care", site, cp, rating=level, on=on)

    rate("Ashby", "condition.nature", "simple", D(2026, 2, 10))
    rate("Ashby", "condition.co-occurring", "complicated", D(2026, 2, 10))
    rate("Ashby", "technology.material-features", "complicated", D(2026, 2, 10))
    rate("Ashby", "condition.nature", "complex", D(2026, 5, 12))
    rate("Ashby", "technology.material-features", "simple", D(2026, 5, 12))
    rate("Ashby", "adopters.staff", "complicated", D(2026, 5, 12))
    rate("Brent", "condition.nature", "complicated", D(2026, 4, 20))
    rate("Brent", "condition.co-occurring", "complicated", D(2026, 4, 20))
    rate("Brent", "condition.sociocultural", "simple", D(2026, 4, 20))
    rate("Brent", "technology.supply-model", "complex", D(2026, 4, 20))
    return store


def _row(domain, assessed, simple, complicated, complex_, unrated):
    def pct(n):
        return round(100 * n / 3, 1)
    return {"domain": domain, "sites_assessed": assessed,
            "simple": simple, "pct_simple": pct(simple),
            "complicated": complicated, "pct_complicated": pct(complicated),
            "complex": complex_, "pct_complex": pct(complex_),
            "not_yet_rated": unrated, "pct_not_yet_rated": pct(unrated)}


ROLLUP = [
    _row("condition", 2, 0, 1, 1, 1),
    _row("technology", 2, 1, 0, 1, 1),
    _row("value-proposition", 0, 0, 0, 0, 3),
    _row("adopters", 1, 0, 1, 0, 2),
    _row("organisation", 0, 0, 0, 0, 3),
    _row("wider-system", 0, 0, 0, 0, 3),
    _row("embedding", 0, 0, 0, 0, 3),
]


def test_rollup_per_domain_and_level(care):
    from tracker.views import rollup_rows

    comparison = compare(snapshot(care, "Care", AS_OF).status)
    assert rollup_rows(comparison) == ROLLUP
    assert ROLLUP[0]["pct_complex"] == 33.3 and ROLLUP[3]["pct_not_yet_rated"] == 66.7
    cells = {(c.site, c.domain): (c.level, c.rated, c.total) for c in comparison.matrix}
    assert cells[("Ashby", "condition")] == ("complex", 2, 3)
    assert cells[("Ashby", "technology")] == ("simple", 1, 5)
    assert cells[("Ashby", "adopters")] == ("complicated", 1, 3)
    assert cells[("Brent", "condition")] == ("complicated", 3, 3)
    assert cells[("Brent", "technology")] == ("complex", 1, 5)
    assert cells[("Corby", "condition")] == (None, 0, 3)
    # before Ashby's second assessment, its condition stood at complicated
    early = compare(snapshot(care, "Care", D(2026, 3, 31)).status)
    assert early.rollup[0].counts == {"simple": 0, "complicated": 1, "complex": 0,
                                      "not yet rated": 2}


def test_gaps_one_unrated_per_site_and_domain(care):
    snap = snapshot(care, "Care", AS_OF)
    found = [(g.site, g.stage, g.checkpoint, g.kind, g.detail)
             for g in compute_gaps(snap.status, snap.plans)]
    todo = "sub-domains not yet rated"
    assert found == [
        ("Ashby", "condition", "condition.nature", "at-worst-level", "rated complex on 2026-05-12"),
        ("Ashby", "condition", None, "unrated", f"1 of 3 {todo}"),
        ("Ashby", "technology", None, "unrated", f"4 of 5 {todo}"),
        ("Ashby", "value-proposition", None, "unrated", f"3 of 3 {todo}"),
        ("Ashby", "adopters", None, "unrated", f"2 of 3 {todo}"),
        ("Ashby", "organisation", None, "unrated", f"5 of 5 {todo}"),
        ("Ashby", "wider-system", None, "unrated", f"5 of 5 {todo}"),
        ("Ashby", "embedding", None, "unrated", f"3 of 3 {todo}"),
        ("Brent", "technology", "technology.supply-model", "at-worst-level",
         "rated complex on 2026-04-20"),
        ("Brent", "technology", None, "unrated", f"4 of 5 {todo}"),
        ("Brent", "value-proposition", None, "unrated", f"3 of 3 {todo}"),
        ("Brent", "adopters", None, "unrated", f"3 of 3 {todo}"),
        ("Brent", "organisation", None, "unrated", f"5 of 5 {todo}"),
        ("Brent", "wider-system", None, "unrated", f"5 of 5 {todo}"),
        ("Brent", "embedding", None, "unrated", f"3 of 3 {todo}"),
        ("Corby", "", None, "stalled",
         "no events for 180 days (no events since joining on 2026-01-01)"),
        ("Corby", "", None, "unrated", "no assessment yet (27 sub-domains to rate)"),
    ]


def test_compare_json_csv_and_table_through_the_cli(care, run):
    doc = json.loads(run("compare", "--as-of", "2026-06-30", "--format", "json").stdout)
    assert list(doc) == ["as_of", "framework", "levels", "matrix", "rollup", "checklists"]
    assert (doc["as_of"], doc["framework"], doc["levels"]) == (
        "2026-06-30", "nasss", ["simple", "complicated", "complex"])
    assert doc["rollup"] == ROLLUP
    assert doc["matrix"][0] == {"site": "Ashby", "domain": "condition", "level": "complex",
                                "rated": 2, "total": 3}
    assert len(doc["matrix"]) == 3 * 7
    text = json.dumps(doc)
    for phased_only in ("sites_entered", "completed", "median", "duration", "proportion"):
        assert phased_only not in text
    csv_text = run("compare", "--as-of", "2026-06-30", "--format", "csv").stdout
    assert csv_text.splitlines()[:2] == [
        "domain,sites_assessed,simple,pct_simple,complicated,pct_complicated,complex,"
        "pct_complex,not_yet_rated,pct_not_yet_rated",
        "condition,2,0,0.0,1,33.3,1,33.3,1,33.3"]
    table = run("compare", "--as-of", "2026-06-30").stdout
    assert "Domain level per site (the most complex of its rated sub-domains):" in table
    row = next(line for line in table.splitlines() if line.startswith("adopters"))
    assert row.split() == ["adopters", "1", "0", "(0%)", "1", "(33.3%)", "0", "(0%)", "2",
                           "(66.7%)"]
    ashby = next(line for line in table.splitlines() if line.startswith("Ashby"))
    assert ashby.split()[:4] == ["Ashby", "complex", "simple", "not"]
    for phased_only in ("entered", "completed", "median"):
        assert phased_only not in table


def test_report_paragraphs(care, run, tmp_path):
    out = tmp_path / "q2"
    run("report", "--quarter", "2026Q2", "--out", str(out))
    md = (out / "report.md").read_text()
    # new: the two complex ratings; resolved: Brent's "no assessment yet"; the unrated gaps
    # of Ashby and Brent are not new (both had one on 2026-03-31); Corby, silent for 180
    # days, is not stalled: a domains framework is reassessed, so 183 days is the default
    glance = md.split("## At a glance\n\n")[1].split("\n\n")[0].splitlines()
    assert glance == [
        "- 3 sites in the programme on 2026-06-30 (previous quarter: 3).",
        "- 2 of 7 domains rated complex at one site or more (previous quarter: 0).",
        "- 73 of 81 sub-domain ratings still to make (previous quarter: 78 of 81).",
        "- This quarter, a sub-domain was rated more complex than before at 1 site, and less "
        "complex at 1 site.",
        "- 1 site needs attention (previous quarter: 2): 1 not yet assessed."]
    attention = md.split("## Sites that need attention\n\n")[1].split("\n\n## ")[0]
    assert attention.splitlines()[2:] == [
        "- **Corby**", "  - **Not yet assessed**: no sub-domain rated yet"]
    section = md.split("## Complexity by domain\n")[1].split("\n## ")[0]
    assert section.splitlines() == [
        "",
        "A site's domain level: the most complex of its rated sub-domains (scaletrack's "
        "summary; NASSS rates each sub-domain and gives no rule for combining them).",
        "",
        "Sites where a domain is rated complex at the as-of date:",
        "",
        "- **1\\. Condition or need**: complex at 1 of 3 sites: Ashby.",
        "- **2\\. Technology or innovation**: complex at 1 of 3 sites: Brent.",
        "- **3\\. Value proposition**: complex at 0 of 3 sites.",
        "- **4\\. Adopter system**: complex at 0 of 3 sites.",
        "- **5\\. Organisation(s)**: complex at 0 of 3 sites.",
        "- **6\\. Wider system**: complex at 0 of 3 sites.",
        "- **7\\. Embedding and adaptation over time**: complex at 0 of 3 sites.",
        "",
        "Ratings that moved this quarter (a sub-domain rated more or less complex than at "
        "its previous rating):",
        "",
        "- **1\\. Condition or need**: More complex at Ashby.",
        "- **2\\. Technology or innovation**: Less complex at Ashby."]
    new = md.split("### New gaps\n\n")[1].split("\n\n## ")[0]
    assert new.splitlines()[2:] == [
        "- **Ashby**",
        "  - Nature of the condition or need (1. Condition or need): rated complex on "
        "2026-05-12",
        "- **Brent**",
        "  - Supply model (2. Technology or innovation): rated complex on 2026-04-20"]
    closed = md.split("### Gaps closed\n\n")[1].split("\n\n")[0]
    assert closed == "- Brent had its first assessment"
    rollup = md.split("Sites at each domain level, by domain:\n\n")[1].split("\n\n")[0]
    assert rollup.splitlines()[:4] == [
        "| Domain | Sites assessed | Simple | Complicated | Complex | Not yet rated |",
        "| --- | --- | --- | --- | --- | --- |",
        "| 1\\. Condition or need | 2 | 0 (0%) | 1 (33.3%) | 1 (33.3%) | 1 (33.3%) |",
        "| 2\\. Technology or innovation | 2 | 1 (33.3%) | 0 (0%) | 1 (33.3%) | 1 (33.3%) |"]
    for phased_only in ("entered", "median", "share done", "completed a stage", "blocked",
                        "overdue", "Blocked", "Overdue"):
        assert phased_only not in md
    assert "has not been reassessed for more than 183 days" in md
    assert (out / "compare.csv").read_text().splitlines()[1] == \
        "condition,2,0,0.0,1,33.3,1,33.3,1,33.3"
    run("report", "--quarter", "2026Q2", "--stalled-after", "90", "--out", str(tmp_path / "s"))
    md = (tmp_path / "s" / "report.md").read_text()
    assert ("  - **Not reassessed**: no events since joining on 2026-01-01 (new this "
            "quarter)") in md.splitlines()


def test_many_complex_sites_are_listed_with_semicolons(store, run, tmp_path):
    create_initiative(store, Catalog(), "Wide", "nasss")
    names = [f"Site {i:02d}" for i in range(12)]
    for i, name in enumerate(names):
        add_site(store, "Wide", name)
        log_event(store, "Wide", name, "technology.ownership",
                  rating="complex" if i < 9 else "simple", on=D(2026, 5, 1))
    run("report", "--quarter", "2026Q2", "--out", str(tmp_path / "w"))
    lines = (tmp_path / "w" / "report.md").read_text().splitlines()
    assert ("- **2\\. Technology or innovation**: complex at 9 of 12 sites: "
            + "; ".join(names[:9]) + ".") in lines


def test_rating_never_counts_as_new_trouble(store):
    """A site with no rating before the quarter rates every sub-domain, one a week, at
    levels short of complex: the gaps new this period never rise, and after the first
    rating the open unrated gaps never rise either.  The one rise is the first rating
    itself: the site's one "no assessment yet" gap becomes a gap per domain still to
    rate (seven here), none of them new."""
    create_initiative(store, Catalog(), "Steps", "nasss")
    add_site(store, "Steps", "Dale", joined_on=D(2026, 3, 1))
    fw = Catalog().for_initiative("nasss")
    sub_domains = [cp.full_id for st in fw.stages for cp in st.checkpoints]
    before = snapshot(store, "Steps", D(2026, 3, 31))
    new_counts, unrated_counts = [], []
    for week, cp in enumerate(sub_domains):
        log_event(store, "Steps", "Dale", cp, on=D(2026, 4, 1) + dt.timedelta(days=2 * week),
                  rating=("simple", "complicated")[week % 2])
        now = snapshot(store, "Steps", AS_OF)
        s = summarise(now, before, Q2)
        new_counts.append(len(s["new_gaps"]))
        unrated_counts.append(sum(g.kind == "unrated" for g in s["gaps"]))
    assert new_counts == [0] * len(sub_domains)
    assert unrated_counts[0] == 7  # the rise: one domain partly rated, six untouched
    assert all(b <= a for a, b in zip(unrated_counts, unrated_counts[1:]))
    assert unrated_counts[-1] == 0
    # a complex rating is new trouble, and is counted as exactly that
    log_event(store, "Steps", "Dale", "embedding.resilience", rating="complex",
              on=D(2026, 6, 29))
    s = summarise(snapshot(store, "Steps", AS_OF), before, Q2)
    assert [(g.kind, g.checkpoint) for g in s["new_gaps"]] == [
        ("at-worst-level", "embedding.resilience")]


def test_gaps_and_the_gaps_chart_call_a_site_stalled_as_the_report_does(care, run):
    """Corby has been silent for 180 days: not stalled by the domains default (183 days,
    one reassessment interval), in `gaps`, in the report and on its gaps chart alike;
    stalled when the user says 90."""
    from tracker.charts import grid

    def stalled(*extra):
        doc = json.loads(run("gaps", "--as-of", "2026-06-30", "--format", "json",
                             *extra).stdout)
        return [g["site"] for g in doc if g["kind"] == "stalled"]

    assert stalled() == []
    assert stalled("--stalled-after", "90") == ["Corby"]
    assert "183 for a domains framework" in run("gaps", "--help").stdout

    snap = snapshot(care, None, D(2026, 6, 30))
    assert snap.stalled_days() == 183
    assert "stalled" not in grid.findings(snap)[0].get("Corby", {})
    plan = grid._work_out(snap)
    assert plan["marks"]["stalled"][2] == "not reassessed for 183 days"
    snap = snapshot(care, None, D(2026, 6, 30))
    snap.stalled_after = 90  # as a report with --stalled-after 90 sets it
    assert [g.site for g in grid.findings(snap)[0]["Corby"]["stalled"]] == ["Corby"]
    plan = grid._work_out(snap)
    assert plan["marks"]["stalled"][2] == "not reassessed for 90 days"
    assert plan["said"]["Corby"].startswith("not reassessed for 180 days")
