"""The longest text each database column holds: the one statement of the schema's limits.

PostgreSQL refuses a value longer than its column (``character varying(200)``,
naming neither the column nor the line it came from); SQLite stores it anyway,
so a SQLite database could hold what a PostgreSQL one cannot take.  The schema
(``store.schema``) sizes its columns from this table, and every way in checks
values against it before writing (``check_length``), on both backends, with a
message naming the field: ``rules.clean_name`` for names, ``log --by``,
import's ``recorded_by`` and ``source``, ``site add --region``, and
``frameworks validate`` for what a catalogue file may say.

No SQLAlchemy here: the catalogue and the rules, which sit below the store, read it.
"""

from __future__ import annotations

from tracker.errors import BadInput

LIMITS = {
    "name": 200,            # initiative and site names (and their keys)
    "region": 200,
    "recorded_by": 200,
    "source": 200,
    "checkpoint": 200,      # a checkpoint's full id, <stage-id>.<checkpoint-id>
    "stage": 100,           # a stage (or domain, or checklist) id
    "rating": 100,          # a scale level
    "framework_id": 100,
    "idempotency_key": 100,
    "version": 20,          # a framework version
    "content_hash": 64,
    "change_field": 20,
    "kind": 16,
    "uid": 36,              # a stable identifier: a UUID written out
}


def too_long(value: str | None, field: str, what: str | None = None) -> str | None:
    """Why ``value`` does not fit the column for ``field``, in words, or None.

    ``what`` names the field as the user typed it (``--by``, ``recorded_by``);
    by default the field's own name."""
    limit = LIMITS[field]
    if value is not None and len(value) > limit:
        return (f"{what or field} is {len(value)} characters long; the most it can hold "
                f"is {limit}")
    return None


def check_length(value: str | None, field: str, what: str | None = None) -> None:
    """BadInput (exit 2) when ``value`` is longer than the column for ``field`` holds."""
    problem = too_long(value, field, what)
    if problem:
        raise BadInput(problem)
