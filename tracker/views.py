"""Analysis results as documented JSON documents, tidy CSV rows and people's tables.

The JSON shapes here are part of the public interface (scripts rely on their
keys), so they are built in one place and documented in the README.
"""

from __future__ import annotations

import datetime as dt
import textwrap

from tracker.analysis.domains import (LEVEL_RULE, NOT_YET_RATED, domain_views, rollup_columns,
                                      rollup_record, scale_of)
from tracker.analysis.gaps import KIND_ORDER
from tracker.analysis.status import Status
from tracker.dates import iso
from tracker.tables import render, shown, to_json, to_table

STAGE_FIELDS = ["done", "total", "proportion", "first_activity", "last_activity", "entered_on",
                "last_done_on", "duration_days", "completed_on", "days_in_stage"]
STATUS_CSV = ["site", "region", "current_stage", "furthest_stage", "stage", *STAGE_FIELDS]


def _stage_fields(st) -> dict:
    return {name: getattr(st, name) for name in STAGE_FIELDS}


def status_document(status: Status) -> dict:
    fw = status.framework
    return {
        "initiative": status.initiative,
        "framework": fw.id,
        "framework_version": fw.version,
        "as_of": iso(status.as_of),
        "sites": [
            {
                "site": s.site,
                "current_stage": s.current_stage,
                "furthest_stage": s.furthest_stage,
                "last_activity": iso(s.last_activity),
                "stages": [
                    {"stage": st.stage,
                     **{k: round(v, 4) if k == "proportion" else
                        iso(v) if isinstance(v, dt.date) else v
                        for k, v in _stage_fields(st).items()}}
                    for st in s.stages
                ],
            }
            for s in status.sites
        ],
    }


def status_rows(status: Status) -> list[dict]:
    rows = []
    for s in status.sites:
        for st in s.stages:
            rows.append({"site": s.site, "region": s.region, "current_stage": s.current_stage,
                         "furthest_stage": s.furthest_stage, "stage": st.stage,
                         **_stage_fields(st)})
    return rows


def status_view(status: Status, fmt: str) -> str:
    domains = status.framework.kind == "domains"
    if fmt == "json":
        doc = status_document(status)
        if domains:
            doc["domains"] = domains_document(status)
        return to_json(doc)
    if fmt == "csv":
        if domains:
            return render(domains_document(status), DOMAIN_COLUMNS, "csv")
        return render(status_rows(status), STATUS_CSV, "csv")
    if domains:
        return domains_table(status)
    fw = status.framework
    stage_ids = [st.id for st in fw.stages]
    rows = []
    for s in status.sites:
        row = {"site": s.site, "current": s.current_stage, "furthest": s.furthest_stage,
               "last_activity": s.last_activity}
        for st in s.stages:
            row[st.stage] = f"{st.done}/{st.total}"
        rows.append(row)
    phased = fw.kind == "phased"
    columns = (["site", "current", "furthest"] if phased else ["site"]) + stage_ids + ["last_activity"]
    counted = "checkpoints done" if phased else "sub-domains rated"
    head = (f"{status.initiative}: {fw.title} ({fw.id} {fw.version}), as of "
            f"{status.as_of.isoformat()}\nCells are {counted} / required.\n\n")
    if not rows:
        return head + "No sites yet: add one with 'scaletrack site add NAME'.\n"
    return head + render(rows, columns, "table")


# -- domains frameworks (NASSS) ----------------------------------------------

def domains_document(status: Status) -> list[dict]:
    return [{"site": v.site, "domain": v.domain, "rated": v.rated, "total": v.total,
             "at_worst_level": v.at_worst_level, "better": v.better, "same": v.same,
             "worse": v.worse, "levels": v.levels} for v in domain_views(status)]


DOMAIN_COLUMNS = ["site", "domain", "rated", "total", "at_worst_level", "better", "same",
                  "worse"]


def domains_table(status: Status) -> str:
    fw = status.framework
    head = (f"{status.initiative}: {fw.title} ({fw.id} {fw.version}), as of "
            f"{status.as_of.isoformat()}\nPer domain: sub-domains rated, how many at the worst "
            "level, and how ratings moved since the previous assessment.\n\n")
    rows = domains_document(status)
    if not rows:
        return head + "No sites yet: add one with 'scaletrack site add NAME'.\n"
    for r in rows:
        r["rated"] = f"{r['rated']}/{r['total']}"
    return head + render(rows, ["site", "domain", "rated", "at_worst_level", "better", "same",
                                "worse"], "table")


# -- gaps -------------------------------------------------------------------

GAP_COLUMNS = ["site", "stage", "checkpoint", "kind", "detail"]


def gaps_view(gaps: list, status: Status, fmt: str) -> str:
    rows = [g.as_dict() for g in gaps]
    if fmt in ("json", "csv"):
        return render(rows, GAP_COLUMNS, fmt)
    fw = status.framework
    out = [f"{shown(status.initiative)}: gaps as of {status.as_of.isoformat()} "
           f"({fw.id} {fw.version})", ""]
    if not rows:
        return "\n".join(out + ["No gaps: every site is where it should be.", ""])
    for site in dict.fromkeys(r["site"] for r in rows):
        site_rows = [r for r in rows if r["site"] == site]
        out.append(f"{shown(site)} ({len(site_rows)})")  # a heading escapes as cells do
        table = to_table(site_rows, ["kind", "stage", "checkpoint", "detail"], max_width=120)
        out.extend("  " + line for line in table.splitlines())
        out.append("")
    counts = {k: sum(r["kind"] == k for r in rows) for k in KIND_ORDER}
    out.append("Total: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n))
    return "\n".join(out) + "\n"


# -- compare ----------------------------------------------------------------

ROLLUP_COLUMNS = ["stage", "sites_entered", "pct_entered", "sites_completed", "pct_completed",
                  "mean_proportion", "median_duration_days", "median_days_in_stage"]


ROLLUP_KEY = textwrap.fill(
    "entered: sites with a required checkpoint done; completed: every required checkpoint "
    "done; mean done: the SIC proportion over all sites; median duration: the SIC duration "
    "(first to last checkpoint done) of the sites that completed the stage; median days "
    "open: days since the first event, for the sites in the stage that have not completed "
    "it.", 90) + "\n"


def _days_cell(value) -> str | None:
    return None if value is None else f"{value:g}"


def compare_document(comparison) -> dict:
    status = comparison.status
    if comparison.domains:
        return domains_compare_document(comparison)
    return {
        "as_of": iso(status.as_of),
        "matrix": [{"site": c.site, "stage": c.stage, "proportion": round(c.proportion, 4),
                    "completed_on": iso(c.completed_on)} for c in comparison.matrix],
        "rollup": [{k: getattr(r, k) for k in ROLLUP_COLUMNS} for r in comparison.rollup],
        "checklists": _checklists(comparison),
    }


def _checklists(comparison) -> list[dict]:
    return [{"checkpoint": c.checkpoint, "title": c.title, "key": c.key, "rated": c.rated,
             "at_worst_level": c.at_worst_level, "worst_level": c.worst_level}
            for c in comparison.checklists]


def rollup_columns_of(comparison) -> list[str]:
    """The roll-up's CSV columns: per stage (phased) or per domain and level (domains)."""
    if comparison.domains:
        return rollup_columns(comparison.status.framework)
    return ROLLUP_COLUMNS


def rollup_rows(comparison) -> list[dict]:
    if comparison.domains:
        return [rollup_record(r) for r in comparison.rollup]
    return [{k: getattr(r, k) for k in ROLLUP_COLUMNS} for r in comparison.rollup]


def domains_compare_document(comparison) -> dict:
    """``compare --format json`` for a domains framework: no entered, completed or
    duration figures, which mean nothing for domains."""
    status = comparison.status
    return {
        "as_of": iso(status.as_of),
        "framework": status.framework.id,
        "levels": list(scale_of(status.framework)),
        "matrix": [{"site": c.site, "domain": c.domain, "level": c.level, "rated": c.rated,
                    "total": c.total} for c in comparison.matrix],
        "rollup": rollup_rows(comparison),
        "checklists": _checklists(comparison),
    }


DOMAINS_KEY = textwrap.fill(
    f"A site's {LEVEL_RULE} (scaletrack's summary: NASSS rates sub-domains and gives no rule "
    "for combining them); assessed: sites with at least one sub-domain of the domain rated; "
    "percentages are of all sites.", 90) + "\n"


def _domains_compare_table(comparison) -> list[str]:
    status = comparison.status
    fw = status.framework
    matrix: dict = {}
    for c in comparison.matrix:
        row = matrix.setdefault(c.site, {"site": c.site})
        row[c.domain] = c.level or NOT_YET_RATED
    out = ["Domain level per site (the most complex of its rated sub-domains):",
           render(list(matrix.values()), ["site"] + [s.id for s in fw.stages], "table")]
    n = len(status.sites)
    out.append(f"Programme roll-up ({n} site{'' if n == 1 else 's'}): sites at each domain "
               "level")
    names = (*scale_of(fw), NOT_YET_RATED)
    rows = []
    for r in comparison.rollup:
        row = {"domain": r.domain, "assessed": str(r.sites_assessed)}
        for level in names:
            row[level] = f"{r.counts[level]} ({r.pcts[level]:g}%)"
        rows.append(row)
    out.append(render(rows, ["domain", "assessed", *names], "table"))
    out.append(DOMAINS_KEY)
    return out


def compare_view(comparison, fmt: str) -> str:
    if fmt == "json":
        return to_json(compare_document(comparison))
    if fmt == "csv":
        return render(rollup_rows(comparison), rollup_columns_of(comparison), "csv")
    status = comparison.status
    fw = status.framework
    stage_ids = [s.id for s in fw.stages]
    out = [f"{status.initiative}: sites compared as of {status.as_of.isoformat()} "
           f"({fw.id} {fw.version})", ""]
    if comparison.domains:
        return "\n".join(out + _domains_compare_table(comparison) + _checklist_table(comparison))
    matrix = []
    for s in status.sites:
        row = {"site": s.site}
        for st in s.stages:
            row[st.stage] = (f"{st.proportion:.0%}" +
                             (f" {st.completed_on.isoformat()}" if st.completed_on else ""))
        matrix.append(row)
    out.append("Share of required checkpoints done, with the date each stage was completed:")
    out.append(render(matrix, ["site"] + stage_ids, "table"))
    n = len(status.sites)
    out.append(f"Programme roll-up ({n} site{'' if n == 1 else 's'}):")
    rows = []
    for r in comparison.rollup:
        rows.append({"stage": r.stage,
                     "entered": f"{r.sites_entered} ({r.pct_entered:g}%)",
                     "completed": f"{r.sites_completed} ({r.pct_completed:g}%)",
                     "mean done": f"{r.mean_proportion:.0%}",
                     "median duration": _days_cell(r.median_duration_days),
                     "median days open": _days_cell(r.median_days_in_stage)})
    out.append(render(rows, ["stage", "entered", "completed", "mean done", "median duration",
                             "median days open"], "table"))
    out.append(ROLLUP_KEY)
    return "\n".join(out + _checklist_table(comparison))


def _checklist_table(comparison) -> list[str]:
    rated = [c for c in comparison.checklists if c.rated]
    if not rated:
        return []
    return ["Checklist ratings (sites at the worst level / sites rating it):",
            render([{"item": c.checkpoint + (" (key)" if c.key else ""),
                     "worst level": c.worst_level,
                     "sites": f"{c.at_worst_level}/{c.rated}"} for c in rated],
                   ["item", "worst level", "sites"], "table")]


# -- events list ------------------------------------------------------------

def write_event_list(store, initiative: str | None, site: str | None, since: dt.date | None,
                     as_of: dt.date | None, fmt: str, write) -> int:
    """``events list``: the event log written to ``write`` as it is read (a table shows
    fewer columns than CSV and JSON); returns the rows written.

    The initiative and site are checked before anything is written, so a bad name
    leaves the output empty."""
    from operator import itemgetter

    from tracker.store.listing import LIST_COLUMNS, TABLE_COLUMNS, event_rows
    from tracker.streamed import write_tuples

    rows = event_rows(store, initiative, site, since, as_of)
    if fmt == "table":
        rows = map(itemgetter(*map(LIST_COLUMNS.index, TABLE_COLUMNS)), rows)
    return write_tuples(rows, TABLE_COLUMNS if fmt == "table" else LIST_COLUMNS, fmt, write)


# ---------------------------------------------------------------------------
# frameworks show
# ---------------------------------------------------------------------------

def frameworks_view(frameworks, fmt: str) -> str:
    """``frameworks list``: one row per catalogue entry (a checklist has no stages)."""
    rows = [{"id": fw.id, "kind": fw.kind, "version": fw.version, "title": fw.title,
             "stages": len(fw.stages) if fw.kind != "checklist" else None,
             "checkpoints": sum(len(s.checkpoints) for s in (*fw.stages, *fw.checklists)),
             "source": fw.source} for fw in frameworks]
    return render(rows, ["id", "kind", "version", "stages", "checkpoints", "title"], fmt)


def _provenance(item) -> dict:
    """Where a stage or checkpoint comes from: a source, or added with a reason."""
    if item.source:
        return {"source": dict(item.source)}
    if item.added:
        return {"added": True, "reason": item.added}
    return {"source": None}


def framework_document(fw) -> dict:
    """The documented shape of ``frameworks show --format json``."""
    def group(s) -> dict:
        return {
            "id": s.id, "title": s.title, **_provenance(s),
            "checkpoints": [
                {"id": c.full_id, "title": c.title, "guidance": c.guidance,
                 "scale": list(fw.scales[c.scale]) if c.scale else None,
                 "optional": c.optional, "key": c.key, **_provenance(c)}
                for c in s.checkpoints
            ],
        }
    return {
        "id": fw.id, "title": fw.title, "version": fw.version, "kind": fw.kind,
        "citations": [dict(c) for c in fw.citations],
        "references": {k: dict(v) for k, v in fw.references.items()},
        "stages": [group(s) for s in fw.stages],
        "checklists": [group(s) for s in fw.checklists],
    }


def _where_from(item) -> str:
    if item.source:
        return f"source: {item.source['ref']}, {item.source['locator']}"
    if item.added:
        return f"added by scaletrack: {item.added}"
    return "source: not given"


def framework_view(fw, fmt: str) -> str:
    """``frameworks show`` as a table, CSV or JSON."""
    if fmt == "json":
        return to_json(framework_document(fw))
    if fmt == "csv":
        rows = []
        for group in (*fw.stages, *fw.checklists):
            for cp in group.checkpoints:
                rows.append({"stage": group.id, "checkpoint": cp.full_id, "title": cp.title,
                             "takes": ("rating: " + "/".join(fw.levels(cp))) if cp.scale else
                                      ("optional" if cp.optional else "status"),
                             "guidance": cp.guidance, "source": _where_from(cp)})
        return render(rows, ["stage", "checkpoint", "title", "takes", "guidance", "source"],
                      "csv")
    out = [f"{fw.title}", f"id {fw.id}, version {fw.version}, {fw.kind}"]
    if fw.summary:
        out += ["", " ".join(fw.summary.split())]
    out.append("")
    for c in fw.citations:
        ref = c.get("doi") and f"doi:{c['doi']}" or c.get("url", "")
        out.append(f"  {c['authors']} ({c['year']}). {c['title']}. {c.get('source', '')} "
                   f"{ref}".rstrip())
    if fw.references:
        out += ["", "References (the keys the sources below use):"]
        for key, r in fw.references.items():
            link = r.get("doi") and f"doi:{r['doi']}" or r.get("url", "")
            out.append(f"  [{key}] {r['citation']} {link}".rstrip())
    for group in (*fw.stages, *fw.checklists):
        label = "checklist" if group.is_checklist else ("domain" if fw.kind == "domains"
                                                         else "stage")
        out += ["", f"{group.title}  [{label} {group.id}]"]
        if group.source or group.added:
            out.append(f"  ({_where_from(group)})")
        for cp in group.checkpoints:
            takes = ("rate: " + " / ".join(fw.levels(cp))) if cp.scale else "tick"
            flags = (" (optional)" if cp.optional else "") + (" (key)" if cp.key else "")
            out.append(f"  {cp.full_id}  {cp.title}{flags}  [{takes}]")
            out.append(f"      {cp.guidance}")
            out.append(f"      {_where_from(cp)}")
    return "\n".join(out) + "\n"
