"""A spreadsheet for a person to fill in: the few columns import needs, one row per checkpoint.

``events template`` writes it; ``events import`` reads it back as it is or
edited.  Each row is a working example: the checkpoint's full id, ``done``
for a ticked checkpoint or the best level for a rated one, today's date.  A
person deletes the rows that did not happen and changes the rest.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from tracker.exchange.columns import PERSON_COLUMNS, neutralise
from tracker.store import Store
from tracker.store.queries import framework_of, resolve_initiative, sites

EXAMPLE_SITE = "Example site"


def template_rows(store: Store, initiative_name: str | None,
                  today: dt.date | None = None) -> list[dict]:
    """One example row per checkpoint of the initiative's framework."""
    day = (today or dt.date.today()).isoformat()
    with store.reading() as session:
        initiative = resolve_initiative(session, initiative_name)
        framework = framework_of(session, initiative)
        known = sites(session, initiative)
        site = known[0].name if known else EXAMPLE_SITE
    rows = []
    for cp_id in framework.checkpoint_ids:
        levels = framework.levels(framework.checkpoint(cp_id))
        rows.append({"site": site, "checkpoint": cp_id, "status": "" if levels else "done",
                     "rating": levels[0] if levels else "", "occurred_on": day, "note": "",
                     "evidence": ""})
    return rows


def template_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PERSON_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(row[c]) for c in PERSON_COLUMNS])
    return out.getvalue()
