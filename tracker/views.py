"""Analysis results as documented JSON documents, tidy CSV rows and people's tables.

The JSON shapes here are part of the public interface (scripts rely on their
keys), so they are built in one place and documented in the README.
"""

from __future__ import annotations

from tracker.analysis.status import Status
from tracker.dates import iso
from tracker.tables import render, to_json

STATUS_CSV = ["site", "region", "current_stage", "furthest_stage", "stage", "done", "total",
              "proportion", "first_activity", "last_activity", "reached_on", "duration_days"]


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
                    {"stage": st.stage, "done": st.done, "total": st.total,
                     "proportion": round(st.proportion, 4),
                     "first_activity": iso(st.first_activity),
                     "last_activity": iso(st.last_activity),
                     "reached_on": iso(st.reached_on), "duration_days": st.duration_days}
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
                         "furthest_stage": s.furthest_stage, "stage": st.stage, "done": st.done,
                         "total": st.total, "proportion": st.proportion,
                         "first_activity": st.first_activity,
                         "last_activity": st.last_activity, "reached_on": st.reached_on,
                         "duration_days": st.duration_days})
    return rows


def status_view(status: Status, fmt: str) -> str:
    if fmt == "json":
        return to_json(status_document(status))
    if fmt == "csv":
        return render(status_rows(status), STATUS_CSV, "csv")
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
