"""The quarterly progress report: a folder of charts, CSV tables and a summary in words.

Every chart has its data beside it as CSV, for readers who cannot see the
charts, and ``report.md`` says in sentences what changed in the period: which
sites completed a stage, which gaps opened and closed, which sites stalled, and
where the key social care barriers are.  Everything is computed for one as-of
date, so the same command gives the same folder later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tracker.analysis.compare import compare
from tracker.analysis.domains import (LEVEL_RULE, NOT_YET_RATED, moves, scale_of,
                                      unrated_by_site)
from tracker.analysis.gaps import DEFAULT_STALLED_AFTER, compute_gaps
from tracker.analysis.load import Snapshot, snapshot
from tracker.analysis.periods import Period
from tracker.catalog import SCIE_FACTORS_ID
from tracker.store import Store
from tracker.views import (DOMAIN_COLUMNS, GAP_COLUMNS, STATUS_CSV, domains_document,
                           rollup_columns_of, rollup_rows, status_rows)
from tracker.tables import to_csv
from tracker.textsafe import markdown_text as md  # names and notes shown, never markup

def _chart_titles() -> dict[str, str]:
    from tracker.charts import REGISTRY

    return {name: kind.title for name, kind in REGISTRY.items()}


CHART_TITLES = _chart_titles()


@dataclass
class Report:
    folder: Path
    files: list[Path] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def _gap_key(g) -> tuple:
    return (g.site, g.stage, g.checkpoint, g.kind)


def summarise(now: Snapshot, before: Snapshot, period: Period) -> dict:
    """What changed between the day before the period and the as-of date."""
    gaps_now = compute_gaps(now.status, now.plans)
    listed_before = compute_gaps(before.status, before.plans)
    gaps_before = {_gap_key(g): g for g in listed_before}
    # Rating is progress, never new trouble: a site's first rating splits its one "no
    # assessment yet" gap into a gap per domain still to rate, so a site that already
    # had an unrated gap at the previous period's end has no new unrated gaps.
    unrated_before = {g.site for g in listed_before if g.kind == "unrated"}
    keys_now = {_gap_key(g) for g in gaps_now}
    # a checkpoint that still has a gap (open before, blocked now) is not resolved
    checkpoints_now = {(g.site, g.checkpoint) for g in gaps_now if g.checkpoint}
    counted = {site.site for site in now.status.sites}
    completed = []
    for site in now.status.sites:
        for st in site.stages:
            if period.contains(st.completed_on) and now.framework.kind == "phased":
                completed.append((site.site, st.stage, st.completed_on))
    completed.sort(key=lambda r: (r[2], r[0]))
    barriers = [g for g in gaps_now if g.kind == "at-worst-level" and g.key
                and g.stage == SCIE_FACTORS_ID]
    return {
        "gaps": gaps_now,
        "completed": completed,
        "new_gaps": [g for g in gaps_now if _gap_key(g) not in gaps_before
                     and not (g.kind == "unrated" and g.site in unrated_before)],
        # a site retired in the period takes its gaps out of the count: not resolved
        "resolved_gaps": [g for k, g in gaps_before.items() if k not in keys_now
                          and (g.site, g.checkpoint) not in checkpoints_now
                          and g.site in counted],
        "stalled": [g for g in gaps_now if g.kind == "stalled"],
        "retired": [(site, on) for site, on in now.retired if period.contains(on)],
        "key_barriers": barriers,
        "moves": moves(now.status, period.start, now.as_of)
        if now.framework.kind == "domains" else [],
    }


MANIFEST = ".scaletrack-report.json"  # what the last report in a folder wrote (outputs.FileSet)


def write_report(store: Store, initiative: str | None, period: Period, as_of: dt.date,
                 out: Path, progress: Callable[[str], None] | None = None) -> Report:
    from tracker import charts
    from tracker.outputs import FileSet

    step = progress or (lambda _name: None)
    now = snapshot(store, initiative, as_of, history=charts.needs_history)
    fw = now.framework
    report = Report(out)

    # Every file is staged and the set renamed into place at the end: a failure or
    # Ctrl-C leaves the folder as it was, and the previous report's files that this
    # one does not write again (stale chart pages) go when it is committed.
    with FileSet(out, manifest=MANIFEST) as files:
        step("charts")
        # the pages are drawn in other processes while this one writes the tables and summary
        drawing = charts.Drawing([(kind, out / f"{kind}.png") for kind in charts.applicable(fw)],
                                 now, period, files=files)
        drawing.start()
        try:
            before = snapshot(store, initiative, period.start - dt.timedelta(days=1))
            summary = report.summary = summarise(now, before, period)

            step("tables")
            tables = {}
            if fw.kind == "domains":
                tables["status.csv"] = to_csv(domains_document(now.status), DOMAIN_COLUMNS)
            else:
                tables["status.csv"] = to_csv(status_rows(now.status), STATUS_CSV)
            tables["gaps.csv"] = to_csv([g.as_dict() for g in summary["gaps"]], GAP_COLUMNS)
            comparison = compare(now.status)
            tables["compare.csv"] = to_csv(rollup_rows(comparison), rollup_columns_of(comparison))
            for name, text in tables.items():
                files.write_text(name, text)
            markdown = _markdown(now, period, summary, comparison, drawing.files, list(tables))
        except BaseException:
            drawing.abort()  # a failure or Ctrl-C here need not wait for the pages
            raise
        chart_files = drawing.finish()  # waits for every page
        report.missing_glyphs = drawing.missing  # characters the charts' font lacks
        for paths in chart_files.values():
            report.files += paths
        report.files += [out / name for name in tables]

        step("summary")
        files.write_text("report.md", markdown)
        report.files.append(out / "report.md")
        files.commit()
    return report


def _markdown(now: Snapshot, period: Period, s: dict, comparison, chart_files: dict,
              tables: list[str]) -> str:
    st, fw = now.status, now.framework
    n_sites = len(st.sites)
    lines = [f"# {md(st.initiative)}: progress report, {period.label}", "",
             f"As of {st.as_of.isoformat()}. Framework: {fw.title} ({fw.id}, version "
             f"{fw.version}). {n_sites} site{'s' if n_sites != 1 else ''}.", "",
             "## Summary", ""]
    if fw.kind == "phased":
        if s["completed"]:
            sites = sorted({r[0] for r in s["completed"]})
            lines.append(f"- {len(sites)} site{'s' if len(sites) != 1 else ''} completed a "
                         f"stage this period: " + "; ".join(
                             f"{md(site)} completed {_stage(fw, stage)} on {day}"
                             for site, stage, day in s["completed"]) + ".")
        else:
            lines.append("- No site completed a stage this period.")
    if not st.sites:
        lines.append("- No sites yet, so nothing to report for this period."
                     if not now.retired else "- No sites are counted: every site has "
                     "been retired, so nothing to report for this period.")
    if s["retired"]:
        n = len(s["retired"])
        lines.append(f"- {_n_sites(n)} retired this period, and {'is' if n == 1 else 'are'} "
                     "left out of this report from the retirement date (the history stays: "
                     "`scaletrack site history`): " + _sites(
                         [f"{md(site)} on {on.isoformat()}" for site, on in s["retired"]],
                         escaped=True) + ".")
    standing = {kind: [g for g in s["gaps"] if g.kind == kind]
                for kind in ("blocked", "overdue", "stalled")}
    lines.append(f"- Where things stand: {len(standing['blocked'])} blocked, "
                 f"{len(standing['overdue'])} overdue, {len(standing['stalled'])} stalled.")
    lines.append(f"- {len(s['gaps'])} gaps open at the as-of date: {len(s['new_gaps'])} new this "
                 f"period, {len(s['resolved_gaps'])} resolved.")
    if fw.kind == "domains":
        lines.append(_complexity_bullet(comparison, st))
    if s["stalled"]:
        lines.append(f"- Stalled (no events for over {DEFAULT_STALLED_AFTER} days): "
                     + ", ".join(md(g.site) for g in s["stalled"]) + ".")
    else:
        lines.append("- No site has stalled.")
    if s["key_barriers"]:
        lines.append("- Key social care barriers (SCIE): " + "; ".join(
            f"{md(g.site)}: {_factor(fw, g.checkpoint)}" for g in s["key_barriers"]) + ".")
    else:
        lines.append("- No site rates a key SCIE factor as a barrier.")
    lines.append("")

    if fw.kind == "phased":
        lines += ["## Sites that completed a stage this period", ""]
        if s["completed"]:
            lines += ["| site | stage | completed on |", "| --- | --- | --- |"]
            lines += [f"| {md(site)} | {_stage(fw, stage)} | {day} |"
                      for site, stage, day in s["completed"]]
        else:
            lines.append("None.")
        lines.append("")

    lines += [f"## Where things stand on {st.as_of.isoformat()}", ""]
    for heading, kind in (("Blocked checkpoints", "blocked"), ("Overdue plans", "overdue"),
                          ("Stalled sites", "stalled")):
        lines += [f"{heading} ({len(standing[kind])}):", ""]
        lines += _titled_list(fw, standing[kind])
    if fw.kind == "domains":
        lines += _complexity_section(fw, st, comparison, s["moves"])
    lines += ["## New gaps this period", ""] + _gap_list(s["new_gaps"])
    lines += ["## Gaps resolved this period", ""] + _gap_list(s["resolved_gaps"])
    lines += ["## Stalled sites", ""] + _gap_list(s["stalled"])
    lines += ["## Key social care barriers (SCIE factors)", ""] + _gap_list(s["key_barriers"])

    if fw.kind == "domains":
        lines += _domains_rollup(fw, comparison)
    else:
        lines += ["## Programme roll-up", "",
                  "| stage | sites entered | sites completed | mean share done | "
                  "median duration (days) | median days open |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for r in comparison.rollup:
            lines.append(f"| {_stage(fw, r.stage)} | {r.sites_entered} ({r.pct_entered:g}%) | "
                         f"{r.sites_completed} ({r.pct_completed:g}%) | "
                         f"{r.mean_proportion:.0%} | {_dash(r.median_duration_days)} | "
                         f"{_dash(r.median_days_in_stage)} |")
        lines += ["", ROLLUP_NOTE]
    titles = {**CHART_TITLES, **(DOMAIN_CHART_TITLES if fw.kind == "domains" else {})}
    lines += ["", "## Charts", ""]
    for kind, files in chart_files.items():
        lines.append(f"### {titles[kind]}")
        lines.append("")
        for f in files:
            lines.append(f"![{titles[kind]}]({f.name})")
            lines.append("")
    lines += ["## Tables (the charts' data, as CSV)", ""]
    described = {"status.csv": "progress per site and stage",
                 "gaps.csv": "every gap at the as-of date",
                 "compare.csv": "the programme roll-up per stage"}
    if fw.kind == "domains":
        described.update({
            "status.csv": "sub-domains rated per site and domain, and how ratings moved",
            "compare.csv": "the programme roll-up per domain: sites at each level"})
    lines += [f"- [{name}]({name}): {described[name]}" for name in tables]
    lines.append("")
    return "\n".join(lines)


ROLLUP_NOTE = (
    "A site has entered a stage once one of its required checkpoints is done, and completed "
    "it once all are. Mean share done is the Stages of Implementation Completion (SIC) "
    "proportion averaged over all sites; median duration is the SIC duration (days from the "
    "first to the last checkpoint done) of the sites that completed the stage; median days "
    "open counts, for the sites in the stage that have not completed it, the days since "
    "their first event in it.")


DOMAIN_CHART_TITLES = {"compare": "Sites by complexity level, per domain"}
NAMED = 3  # sites named in a list before "...and N more"


def _sites(names: list[str], escaped: bool = False) -> str:
    """Site names, compact when many: 'Leeds; York; Hull; ...and 9 more'.  Semicolons,
    because place names hold commas ('Bournemouth, Christchurch and Poole').  Shown as
    typed, never as Markdown (unless the caller ``escaped`` them already)."""
    names = names if escaped else [md(n) for n in names]
    if len(names) <= NAMED + 1:
        return "; ".join(names)
    return "; ".join(names[:NAMED]) + f"; ...and {len(names) - NAMED} more"


def _n_sites(n: int) -> str:
    return f"{n} site{'' if n == 1 else 's'}"


def _complex_sites(fw, comparison) -> dict[str, list[str]]:
    """Per domain id, the sites whose domain level is the scale's worst (NASSS: complex)."""
    worst = scale_of(fw)[-1] if scale_of(fw) else None
    out: dict[str, list[str]] = {st.id: [] for st in fw.stages}
    for c in comparison.matrix:
        if worst is not None and c.level == worst:
            out[c.domain].append(c.site)
    return {k: sorted(v, key=str.casefold) for k, v in out.items()}


def _complexity_bullet(comparison, st) -> str:
    fw = st.framework
    worst = scale_of(fw)[-1] if scale_of(fw) else "complex"
    at_worst = sum(1 for v in _complex_sites(fw, comparison).values() if v)
    unrated = unrated_by_site(st)
    missing, total = sum(r[1] for r in unrated), sum(r[2] for r in unrated)
    return (f"- Complexity: {at_worst} of {len(fw.stages)} domains rated {worst} at one site "
            f"or more; {missing} of {total} sub-domains not yet rated.")


def _complexity_section(fw, st, comparison, moved) -> list[str]:
    """report.md's paragraphs for a domains framework: where domains are rated complex,
    what moved this period, and what is still unrated."""
    scale = scale_of(fw)
    worst = scale[-1] if scale else "complex"
    n = len(st.sites)
    lines = ["## Complexity by domain", "",
             f"A site's {LEVEL_RULE} (scaletrack's summary; NASSS rates each sub-domain and "
             "gives no rule for combining them).", "",
             f"Rated {worst} at the as-of date:", ""]
    complex_sites = _complex_sites(fw, comparison)
    calm = []
    for stage in fw.stages:
        names = complex_sites[stage.id]
        if names:
            lines.append(f"- {stage.title}: {worst} at {len(names)} of {_n_sites(n)} "
                         f"({_sites(names)}).")
        else:
            calm.append(stage.title)
    if calm and len(calm) < len(fw.stages):
        lines.append(f"- {worst.capitalize()} at no site: " + "; ".join(calm) + ".")
    elif calm:
        lines.append(f"- No domain is rated {worst} at any site.")
    lines += ["", f"Moved this period (a sub-domain rated more or less {worst} than at its "
              "previous rating):", ""]
    titles = {stage.id: stage.title for stage in fw.stages}
    any_moved = False
    for m in moved:
        parts = []
        if m.worse:
            parts.append(f"more {worst} at {_n_sites(len(m.worse))} ({_sites(m.worse)})")
        if m.better:
            parts.append(f"less {worst} at {_n_sites(len(m.better))} ({_sites(m.better)})")
        if parts:
            any_moved = True
            lines.append(f"- {titles[m.domain]}: " + "; ".join(parts) + ".")
    if not any_moved:
        lines.append("- No sub-domain rating moved this period.")
    unrated = unrated_by_site(st)
    missing, total = sum(r[1] for r in unrated), sum(r[2] for r in unrated)
    lines += ["", "Still unrated:", ""]
    if not total:
        lines.append("- No sites yet.")
    elif not missing:
        lines.append(f"- Every sub-domain is rated at every site ({total} of {total}).")
    else:
        lines.append(f"- {missing} of {total} sub-domains not yet rated across "
                     f"{_n_sites(n)} ({missing / total:.0%}).")
        most = [r for r in unrated if r[1]][:NAMED]
        lines.append("- Most unrated: " + "; ".join(
            f"{md(site)} ({k} of {of}{', no assessment yet' if k == of else ''})"
            for site, k, of in most) + ".")
    return lines + [""]


def _domains_rollup(fw, comparison) -> list[str]:
    names = (*scale_of(fw), NOT_YET_RATED)
    lines = ["## Programme roll-up", "",
             "| domain | sites assessed | " + " | ".join(names) + " |",
             "| --- | --- | " + " | ".join("---" for _ in names) + " |"]
    for r in comparison.rollup:
        lines.append(f"| {_stage(fw, r.domain)} | {r.sites_assessed} | " + " | ".join(
            f"{r.counts[level]} ({r.pcts[level]:g}%)" for level in names) + " |")
    return lines + ["", DOMAINS_ROLLUP_NOTE]


DOMAINS_ROLLUP_NOTE = (
    "A site is assessed in a domain once one of its sub-domains is rated. A site stands at "
    "its domain level: the most complex of the domain's rated sub-domains, at their latest "
    "ratings (scaletrack's summary, not a NASSS score). Percentages are of all sites; a "
    "domains framework has no stages to enter or complete, so there are no completion or "
    "duration figures.")


def _dash(value) -> str:
    return "-" if value is None else f"{value:g}"


def _stage(fw, stage_id: str) -> str:
    """A stage (or checklist) as a reader knows it: its title, the id in brackets."""
    for group in (*fw.stages, *fw.checklists):
        if group.id == stage_id:
            return f"{group.title} ({stage_id})"
    return stage_id


def _factor(fw, checkpoint: str) -> str:
    try:
        return fw.checkpoint(checkpoint).title.lower()
    except KeyError:
        return checkpoint


def _titled_list(fw, gaps: list) -> list[str]:
    """Gaps named as a reader knows them: stage and checkpoint titles, ids in brackets."""
    if not gaps:
        return ["None.", ""]
    out = []
    for g in gaps:
        where = _stage(fw, g.stage) if g.stage else ""
        if g.checkpoint:
            try:
                where += f", {fw.checkpoint(g.checkpoint).title} ({g.checkpoint})"
            except KeyError:
                where += f", {g.checkpoint}"
        out.append(f"- {md(g.site)}: {where}: {md(g.detail)}" if where
                   else f"- {md(g.site)}: {md(g.detail)}")
    return out + [""]


def _gap_list(gaps: list) -> list[str]:
    if not gaps:
        return ["None.", ""]
    out = []
    for g in gaps:
        where = g.checkpoint or g.stage
        out.append(f"- {md(g.site)}: {g.kind} at {where}: {md(g.detail)}" if where
                   else f"- {md(g.site)}: {g.kind}: {md(g.detail)}")
    return out + [""]
