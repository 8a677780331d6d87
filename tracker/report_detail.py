"""The report's detail: complexity by domain, the roll-up, each chart with its data table,
how to read the report and the framework's reference.

Every chart is followed by the data it draws as a table (or a link within the
page to one), and its alternative text says what it shows and its main message
in words computed from the same data, so a reader who cannot see the image
loses nothing.
"""

from __future__ import annotations

from tracker.analysis.domains import LEVEL_RULE, NOT_YET_RATED, scale_of
from tracker.analysis.gaps import KIND_ORDER
from tracker.analysis.status import COMPLETE
from tracker.report_model import Bullets, Figure, Files, Item, Para, Section, Table
from tracker.report_words import n_of, stage_title

CHART_TITLES = {"timeline": "Progress by site over time", "gaps": "Gaps by site",
                "compare": "Share of each stage done, by site",
                "adoption": "Sites entering and completing each stage over time",
                "complexity": "Complexity by domain over time"}
DOMAIN_TITLES = {"compare": "Sites at each complexity level, by domain"}
GAP_WORDS = {"blocked": "Blocked", "overdue": "Overdue", "stalled": "Stalled", "slow": "Slow",
             "at-worst-level": "Rated at the worst level", "skipped": "Skipped",
             "open": "Still to do", "unrated": "Not yet rated"}
ROLLUP_NOTE = (
    "A site has entered a stage once one of its required checkpoints is done, and completed "
    "it once all are. Mean share done is averaged over all sites (the Stages of "
    "Implementation Completion proportion); median duration counts the days from the first "
    "to the last checkpoint done, for the sites that completed the stage; median days open "
    "counts, for the sites in the stage, the days since their first event in it.")


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _dash(value) -> str:
    return "n/a" if value is None else f"{value:g}"


def progress_table(ctx) -> Table:
    fw = ctx.now.framework
    rows = []
    for s in sorted(ctx.now.status.sites, key=lambda s: s.site.casefold()):
        cells = [s.site, stage_title(fw, s.current_stage)]
        for st in s.stages:
            cell = f"{st.done} of {st.total}"
            if st.completed_on:
                cell += f", completed {st.completed_on.isoformat()}"
            cells.append(cell)
        rows.append(cells)
    return Table("progress-table", "Progress by site: checkpoints done in each stage",
                 ["Site", "Stage now"] + [st.title for st in fw.stages], rows)


def gaps_table(ctx) -> Table:
    kinds = [k for k in KIND_ORDER if any(g.kind == k for g in ctx.summary["gaps"])]
    counts: dict[str, dict[str, int]] = {s.site: {} for s in ctx.now.status.sites}
    for g in ctx.summary["gaps"]:
        counts.setdefault(g.site, {})
        counts[g.site][g.kind] = counts[g.site].get(g.kind, 0) + 1
    rows = [[site] + [str(c.get(k, 0)) for k in kinds] + [str(sum(c.values()))]
            for site, c in sorted(counts.items(), key=lambda kv: kv[0].casefold())]
    words = dict(GAP_WORDS)
    if ctx.now.framework.kind == "domains":  # reassessed, and rated on its own scale
        worst = (scale_of(ctx.now.framework) or ("complex",))[-1]
        words.update({"stalled": "Not reassessed", "at-worst-level": f"Rated {worst}"})
    return Table("gaps-table", "Gaps by site: open gaps of each kind",
                 ["Site"] + [words[k] for k in kinds] + ["All gaps"], rows,
                 note="The same gaps, one per row with their detail, are in gaps.csv.")


def rollup_table(ctx) -> Table:
    fw = ctx.now.framework
    if fw.kind == "domains":
        names = (*scale_of(fw), NOT_YET_RATED)
        rows = [[stage_title(fw, r.domain), str(r.sites_assessed)]
                + [f"{r.counts[level]} ({r.pcts[level]:g}%)" for level in names]
                for r in ctx.comparison.rollup]
        return Table("rollup-table", "Sites at each domain level, by domain",
                     ["Domain", "Sites assessed", *[n.capitalize() for n in names]], rows,
                     note="A site is assessed in a domain once one of its sub-domains is "
                          f"rated; its {LEVEL_RULE} (scaletrack's summary, not a NASSS "
                          "score). Percentages are of all sites.")
    rows = [[stage_title(fw, r.stage), f"{r.sites_entered} ({r.pct_entered:g}%)",
             f"{r.sites_completed} ({r.pct_completed:g}%)", _pct(r.mean_proportion),
             _dash(r.median_duration_days), _dash(r.median_days_in_stage)]
            for r in ctx.comparison.rollup]
    return Table("rollup-table", "Programme roll-up by stage",
                 ["Stage", "Sites entered", "Sites completed", "Mean share done",
                  "Median duration (days)", "Median days open"], rows, note=ROLLUP_NOTE)


def adoption_table(ctx) -> Table:
    """Sites that had entered and completed each stage at the end of each quarter."""
    from tracker.analysis.periods import quarter_at

    fw, sites = ctx.now.framework, ctx.now.status.sites
    starts = [st.entered_on for s in sites for st in s.stages if st.entered_on]
    if not starts:
        return Table("adoption-table", "Sites entering and completing each stage, by quarter",
                     ["Quarter"], [])
    q, ends = quarter_at(min(starts), ctx.period.convention if ctx.period.convention != "range"
                         else "calendar"), []
    while q.start <= ctx.now.as_of:
        ends.append(q)
        q = quarter_at(_next_day(q.end), q.convention)
    rows = []
    for q in ends:
        day = min(q.end, ctx.now.as_of)
        cells = [q.label]
        for i in range(len(fw.stages)):
            entered = sum(1 for s in sites if s.stages[i].entered_on
                          and s.stages[i].entered_on <= day)
            done = sum(1 for s in sites if s.stages[i].completed_on
                       and s.stages[i].completed_on <= day)
            cells.append(f"{entered} entered, {done} completed")
        rows.append(cells)
    return Table("adoption-table", "Sites that had entered and completed each stage, "
                 "at the end of each quarter", ["Quarter"] + [st.title for st in fw.stages],
                 rows)


def _next_day(day):
    import datetime as dt

    return day + dt.timedelta(days=1)


def levels_table(ctx) -> Table:
    fw = ctx.now.framework
    by = {(c.site, c.domain): c for c in ctx.comparison.matrix}
    rows = [[s.site] + [(by[(s.site, st.id)].level or NOT_YET_RATED)
                        if (s.site, st.id) in by else NOT_YET_RATED for st in fw.stages]
            + [s.last_activity.isoformat() if s.last_activity else "never"]
            for s in sorted(ctx.now.status.sites, key=lambda s: s.site.casefold())]
    return Table("levels-table", "Domain level per site at the as-of date",
                 ["Site"] + [st.title for st in fw.stages] + ["Last rated"], rows,
                 note=f"A site's {LEVEL_RULE}.")


def _alt(ctx, kind: str) -> str:
    """What the chart shows, and its main message, in words."""
    fw, sites, n = ctx.now.framework, ctx.now.status.sites, len(ctx.now.status.sites)
    when = f"as of {ctx.now.as_of.isoformat()}"
    if not n:
        return f"{CHART_TITLES[kind]}: no sites yet, so the chart is empty."
    if kind in ("timeline", "compare") and fw.kind == "phased":
        counts: dict = {}
        for s in sites:
            counts[s.current_stage] = counts.get(s.current_stage, 0) + 1
        top = max(counts, key=lambda k: (counts[k], k != COMPLETE))
        done = counts.get(COMPLETE, 0)
        what = ("A lane per site showing when it did each stage's checkpoints, with planned "
                "and blocked markers" if kind == "timeline" else
                "For each site, the share of each stage's checkpoints done")
        return (f"{what}, {n_of(n, 'site')}, {when}. Most sites ({counts[top]}) are in "
                f"{stage_title(fw, top)}; {n_of(done, 'site')} "
                f"{'has' if done == 1 else 'have'} completed every stage.")
    if kind == "gaps":
        per: dict = {}
        for g in ctx.summary["gaps"]:
            per[g.site] = per.get(g.site, 0) + 1
        if not per:
            return f"Gaps by site, {when}: no site has an open gap."
        top = max(per, key=lambda k: (per[k], k))
        return (f"Gaps by site, {when}: {len(ctx.summary['gaps'])} open gaps across "
                f"{n_of(len(per), 'site')}; {top} has the most ({per[top]}).")
    if kind == "adoption":
        parts = []
        for i, st in enumerate(fw.stages):
            e = sum(1 for s in sites if s.stages[i].entered_on)
            c = sum(1 for s in sites if s.stages[i].completed_on)
            parts.append(f"{st.title}: {e} entered, {c} completed")
        return (f"Line charts, one per stage, of how many sites had entered and completed it "
                f"over time, {when}. By then: " + "; ".join(parts) + ".")
    worst = (scale_of(fw) or ("complex",))[-1]
    a = ctx.complex_domains(ctx.now)
    if kind == "compare":
        return (f"For each domain, how many of the {n_of(n, 'site')} stand at each "
                f"complexity level, {when}. {a} of {len(fw.stages)} domains are rated "
                f"{worst} at one site or more.")
    return (f"The level of each domain at every assessment date, site by site, {when}. "
            f"At the latest ratings, {a} of {len(fw.stages)} domains are {worst} at one "
            f"site or more.")


def chart_tables(ctx) -> dict[str, Table]:
    fw = ctx.now.framework
    if fw.kind == "domains":
        return {"gaps": gaps_table(ctx), "compare": rollup_table(ctx),
                "complexity": levels_table(ctx)}
    return {"timeline": progress_table(ctx), "gaps": gaps_table(ctx),
            "compare": progress_table(ctx), "adoption": adoption_table(ctx)}


def charts_section(ctx, chart_files: dict) -> Section:
    fw = ctx.now.framework
    sec = Section("charts", "Charts and their data")
    sec.blocks.append(Para("Each chart is followed by the data it shows, as a table."))
    tables = chart_tables(ctx)
    shown: set[str] = set()
    titles = {**CHART_TITLES, **(DOMAIN_TITLES if fw.kind == "domains" else {})}
    for kind, files in chart_files.items():
        sub = Section(f"chart-{kind}", titles[kind])
        table = tables[kind]
        alt = _alt(ctx, kind)
        for i, path in enumerate(files, start=1):
            page = f" (page {i} of {len(files)})" if len(files) > 1 else ""
            sub.blocks.append(Figure(f"figure-{kind}-{i}", titles[kind] + page,
                                     alt + page, path, table.id, table.caption))
        if table.id in shown:
            sub.blocks.append(Para(f"The data of this chart are in the table "
                                   f"\"{table.caption}\" above."))
        else:
            shown.add(table.id)
            sub.blocks.append(table)
        sec.sections.append(sub)
    return sec


def complexity_section(ctx) -> Section:
    fw, n = ctx.now.framework, len(ctx.now.status.sites)
    worst = (scale_of(fw) or ("complex",))[-1]
    sec = Section("complexity", "Complexity by domain")
    sec.blocks.append(Para(f"A site's {LEVEL_RULE} (scaletrack's summary; NASSS rates each "
                           "sub-domain and gives no rule for combining them)."))
    by_domain: dict[str, list[str]] = {st.id: [] for st in fw.stages}
    for c in ctx.comparison.matrix:
        if c.level == worst:
            by_domain[c.domain].append(c.site)
    items = []
    for st in fw.stages:
        names = sorted(by_domain[st.id], key=str.casefold)
        items.append(Item(f"{worst} at {len(names)} of {n_of(n, 'site')}"
                          + (": " + "; ".join(names) if names else "") + ".", label=st.title))
    sec.blocks.append(Para(f"Sites where a domain is rated {worst} at the as-of date:"))
    sec.blocks.append(Bullets(items))
    moved = []
    for m in ctx.summary["moves"]:
        parts = []
        if m.worse:
            parts.append(f"More {worst} at " + "; ".join(m.worse))
        if m.better:
            parts.append(f"Less {worst} at " + "; ".join(m.better))
        if parts:
            moved.append(Item(". ".join(parts) + ".", label=stage_title(fw, m.domain)))
    sec.blocks.append(Para(f"Ratings that moved this {ctx.period_word} (a sub-domain rated "
                           f"more or less {worst} than at its previous rating):"))
    sec.blocks.append(Bullets(moved) if moved else Para("None."))
    return sec


def rollup_section(ctx) -> Section:
    return Section("rollup", "Programme roll-up", [rollup_table(ctx)])


def howto_section(ctx, tables: list[str]) -> Section:
    fw, word = ctx.now.framework, ctx.period_word
    sec = Section("how-to-read", "How to read this report")
    period = ctx.period
    text = [f"The report covers {period.label} and shows the programme as it stood on "
            f"{ctx.now.as_of.isoformat()}. \"Previous {word}\" means the day before "
            f"{period.start.isoformat()}. Dates are when things happened, not when they "
            "were recorded."]
    if fw.kind == "phased":
        text.append(f"The programme follows {fw.title}. A site is in the first stage it has "
                    "not completed; a stage is completed when all its required checkpoints "
                    "are done. A gap is something between a site and its next stage: a "
                    "checkpoint still to do, blocked or skipped, or a plan missed.")
        text.append(f"A site is blocked when someone recorded that a checkpoint cannot go on; "
                    f"overdue when the date planned for completing a stage has passed; "
                    f"stalled when nothing has been recorded for more than "
                    f"{n_of(ctx.stalled_after, 'day')}; slow when it has been in its stage "
                    "more than one and a half times as long as the sites that completed it.")
    else:
        text.append(f"The programme is assessed with {fw.title}: each sub-domain is rated at "
                    "every assessment, and there are no stages to complete. A site needs "
                    "attention when it has not been reassessed for more than "
                    f"{n_of(ctx.stalled_after, 'day')} (about six months, a usual interval "
                    "between assessments) or has never been assessed.")
    if fw.checklists:
        text.append("Key barriers are the social care factors from SCIE's review that the "
                    "site rates as a barrier.")
    text.append("Every chart is followed by its data as a table. The CSV files sent with "
                "the report hold the same data for use in a spreadsheet.")
    sec.blocks += [Para(t) for t in text]
    described = {"status.csv": "progress per site and stage", "gaps.csv": "every gap at the "
                 "as-of date, one per row", "compare.csv": "the programme roll-up"}
    sec.blocks.append(Files([(name, described.get(name, name)) for name in tables]))
    return sec


def reference_section(ctx) -> Section:
    fw = ctx.now.framework
    sec = Section("framework", "About the framework")
    sec.blocks.append(Para(f"{fw.title}, version {fw.version} in scaletrack's catalogue "
                           f"(id {fw.id})."))
    if fw.summary.strip():
        sec.blocks.append(Para(" ".join(fw.summary.split())))
    cites = []
    for c in fw.citations:
        text = ". ".join(str(c[k]).rstrip(".") for k in ("authors", "year", "title", "source")
                         if c.get(k)) + "."
        if c.get("doi"):
            text += f" doi:{c['doi']}"
        elif c.get("url"):
            text += f" {c['url']}"
        cites.append(Item(text))
    if cites:
        sec.blocks += [Para("Reference:" if len(cites) == 1 else "References:"), Bullets(cites)]
    return sec
