"""An initiative's sites, plans and events as rows of the documented columns."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from sqlalchemy import select

from tracker.exchange.columns import COLUMNS, neutralise
from tracker.store import Store
from tracker.store.queries import resolve_initiative
from tracker.store.schema import Event, FrameworkSnapshot, Plan, Site


def export_rows(store: Store, initiative_name: str | None) -> Iterator[dict]:
    with store.reading() as session:
        initiative = resolve_initiative(session, initiative_name)
        snap = session.get(FrameworkSnapshot, initiative.framework_pk)
        base = {c: None for c in COLUMNS}
        base.update(initiative=initiative.name, framework_id=snap.framework_id,
                    framework_version=snap.version)
        for site in session.scalars(select(Site).where(Site.initiative_id == initiative.id)
                                    .order_by(Site.id)):
            yield {**base, "site": site.name, "kind": "site", "region": site.region,
                   "occurred_on": site.joined_on.isoformat() if site.joined_on else None,
                   "recorded_at": site.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")}
        plans = (select(Plan, Site.name).join(Site, Site.id == Plan.site_id)
                 .where(Plan.initiative_id == initiative.id).order_by(Plan.id))
        for plan, site in session.execute(plans):
            yield {**base, "site": site, "kind": "plan", "stage": plan.stage,
                   "due_on": plan.due_on.isoformat(), "occurred_on": plan.set_on.isoformat(),
                   "recorded_at": plan.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "recorded_by": plan.recorded_by, "note": plan.note, "source": "plan"}
        query = (select(Event, Site.name).join(Site, Site.id == Event.site_id)
                 .where(Event.initiative_id == initiative.id).order_by(Event.id))
        for ev, site in session.execute(query).yield_per(2000):
            yield {
                **base, "event_id": ev.id, "initiative": initiative.name,
                "framework_id": snap.framework_id, "framework_version": snap.version,
                "site": site, "stage": ev.stage, "checkpoint": ev.checkpoint, "kind": ev.kind,
                "rating": ev.rating, "occurred_on": ev.occurred_on.isoformat(),
                "recorded_at": ev.recorded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "recorded_by": ev.recorded_by, "note": ev.note, "evidence": ev.evidence,
                "retracts": ev.retracts, "source": ev.source,
            }


def write_export(rows: Iterator[dict], out: io.TextIOBase, fmt: str) -> int:
    n = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
        return n
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else
                         neutralise(row[c]) if isinstance(row[c], str) else row[c]
                         for c in COLUMNS])
        n += 1
    return n
