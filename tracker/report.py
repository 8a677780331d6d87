"""The quarterly progress report: report.html, report.md, charts and CSV tables in one folder.

``report.html`` is the commissioner's copy: one self-contained file (charts
inline, no network) that opens from an e-mail attachment and prints to A4.
``report.md`` says the same from the same document model
(``tracker.report_model``), for people who keep reports in a repository.
Every chart has its data beside it as CSV, and in the HTML as a table under
the chart.  Everything is computed for one as-of date, so the same command
gives the same folder later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tracker.analysis.compare import compare
from tracker.analysis.domains import moves, scale_of
from tracker.analysis.gaps import compute_gaps
from tracker.analysis.load import Snapshot, snapshot
from tracker.analysis.periods import Period
from tracker.catalog import SCIE_FACTORS_ID
from tracker.store import Store
from tracker.tables import to_csv
from tracker.views import (DOMAIN_COLUMNS, GAP_COLUMNS, STATUS_CSV, domains_document,
                           rollup_columns_of, rollup_rows, status_rows)


@dataclass
class Report:
    folder: Path
    files: list[Path] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def _gap_key(g) -> tuple:
    return (g.site, g.stage, g.checkpoint, g.kind)


def summarise(now: Snapshot, before: Snapshot, period: Period,
              stalled_after: int | None = None) -> dict:
    """What changed between the day before the period and the as-of date."""
    days = now.stalled_days() if stalled_after is None else stalled_after
    gaps_now = compute_gaps(now.status, now.plans, days)
    listed_before = compute_gaps(before.status, before.plans, days)
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
        "gaps_before": listed_before,
        "stalled_after": days,
        "retired": [(site, on) for site, on in now.retired if period.contains(on)],
        "key_barriers": barriers,
        "moves": moves(now.status, period.start, now.as_of)
        if now.framework.kind == "domains" else [],
    }


MANIFEST = ".scaletrack-report.json"  # what the last report in a folder wrote (outputs.FileSet)


class ReportContext:
    """The analyses the document is built from: both snapshots and what changed."""

    def __init__(self, now: Snapshot, before: Snapshot, period: Period, summary: dict,
                 notes: dict):
        from tracker.report_model import attention

        self.now, self.before, self.period, self.summary = now, before, period, summary
        self.stalled_after = summary["stalled_after"]
        self.notes = notes
        self.period_word = "period" if period.convention == "range" else "quarter"
        self.comparison = compare(now.status)
        self.gaps_before = summary["gaps_before"]
        self.attention = attention(now, summary["gaps"], notes, self.stalled_after,
                                   set(summary["new_gaps"]), self.period_word)
        self.attention_before = attention(before, self.gaps_before, {}, self.stalled_after)
        previous = period.previous()
        self.completed_before = [
            (s.site, st.stage) for s in before.status.sites for st in s.stages
            if previous.contains(st.completed_on) and before.framework.kind == "phased"]

    def complex_domains(self, snap: Snapshot) -> int:
        """How many domains stand at the scale's worst level at one site or more."""
        worst = (scale_of(snap.framework) or ("complex",))[-1]
        cells = compare(snap.status).matrix if snap is not self.now else self.comparison.matrix
        return len({c.domain for c in cells if c.level == worst})


def build_document(ctx: ReportContext, chart_files: dict, tables: list[str]):
    """The report's document model, for both renderings."""
    from tracker import report_detail as detail
    from tracker.report_model import Bullets, Document, Section, attention_section, \
        changes_section, glance

    now, fw = ctx.now, ctx.now.framework
    n = len(now.status.sites)
    sections = [Section("glance", "At a glance", [Bullets(glance(ctx))])]
    if n:
        sections.append(attention_section(ctx))
    sections.append(changes_section(ctx))
    if fw.kind == "domains":
        if n:
            sections.append(detail.complexity_section(ctx))
    else:
        sections.append(detail.rollup_section(ctx))
    sections.append(detail.charts_section(ctx, chart_files))
    sections.append(detail.howto_section(ctx, tables))
    sections.append(detail.reference_section(ctx))
    subtitle = (f"As of {now.as_of.isoformat()}. Framework: {fw.title}, version {fw.version}. "
                f"{n} site{'' if n == 1 else 's'}.")
    footer = (f"Made with scaletrack from the programme's log as it stood on "
              f"{now.as_of.isoformat()}.")
    return Document("en-GB", f"{now.status.initiative}: progress report, {period_label(ctx)}",
                    subtitle, sections, footer)


def period_label(ctx) -> str:
    return ctx.period.label


def write_report(store: Store, initiative: str | None, period: Period, as_of: dt.date,
                 out: Path, progress: Callable[[str], None] | None = None,
                 stalled_after: int | None = None) -> Report:
    from tracker import charts
    from tracker.outputs import FileSet
    from tracker.report_render import IMAGE_BUDGET, render_html, render_markdown
    from tracker.store.notes import blocking_notes

    step = progress or (lambda _name: None)
    now = snapshot(store, initiative, as_of, history=charts.needs_history)
    now.stalled_after = stalled_after  # the gaps chart marks the stalled sites the text names
    fw = now.framework
    report = Report(out)

    # Every file is staged and the set renamed into place at the end: a failure or
    # Ctrl-C leaves the folder as it was, and the previous report's files that this
    # one does not write again (stale chart pages) go when it is committed.
    with FileSet(out, manifest=MANIFEST) as files:
        step("charts")
        # the pages are drawn in other processes while this one writes the tables and summary
        drawing = charts.Drawing([(kind, out / f"{kind}.png") for kind in charts.applicable(fw)],
                                 now, period, files=files, palette_budget=IMAGE_BUDGET)
        drawing.start()
        try:
            before = snapshot(store, initiative, period.start - dt.timedelta(days=1))
            summary = report.summary = summarise(now, before, period, stalled_after)

            step("tables")
            tables = {}
            if fw.kind == "domains":
                tables["status.csv"] = to_csv(domains_document(now.status), DOMAIN_COLUMNS)
            else:
                tables["status.csv"] = to_csv(status_rows(now.status), STATUS_CSV)
            tables["gaps.csv"] = to_csv([g.as_dict() for g in summary["gaps"]], GAP_COLUMNS)
            comparison = compare(now.status)
            tables["compare.csv"] = to_csv(rollup_rows(comparison),
                                           rollup_columns_of(comparison))
            for name, text in tables.items():
                files.write_text(name, text)
            ctx = ReportContext(now, before, period, summary,
                                blocking_notes(store, initiative, as_of))
            doc = build_document(ctx, drawing.files, list(tables))
            markdown = render_markdown(doc)
        except BaseException:
            drawing.abort()  # a failure or Ctrl-C here need not wait for the pages
            raise
        chart_files = drawing.finish()  # waits for every page
        report.missing_glyphs = drawing.missing  # characters the charts' font lacks
        for paths in chart_files.values():
            report.files += paths
        report.files += [out / name for name in tables]

        step("summary")
        report.files.append(files.write_text("report.md", markdown))
        # the pages are still under their temporary names until the set is committed
        report.files.append(files.write_text("report.html", render_html(
            doc, read=lambda path: files.read_bytes(path.name), smaller=drawing.palettes)))
        files.commit()
    return report
