"""Dates as users type them, and the rules a recorded date must follow.

``parse_date`` reads ISO ``YYYY-MM-DD`` (and the words ``today`` and
``yesterday``), with errors that say what is wrong.  ``check_event_date`` and
``check_plan_dates`` hold the guard rails every way of recording shares (the
command line, and an import, line by line): an event records what happened,
so it cannot lie in the future; a date before the site joined, or before
2000, is most likely a typing slip, so it is kept but the caller gets a
warning to show.  Pure functions: no database, no command line.
"""

from __future__ import annotations

import datetime as dt
import re

from tracker.errors import BadInput
from tracker.rules import EARLIEST_LIKELY  # one threshold for the command line and import

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(text: str, what: str = "date", today: dt.date | None = None) -> dt.date:
    """``YYYY-MM-DD``, ``today`` or ``yesterday`` (``today`` defaults to the local date)."""
    value = (text or "").strip()
    word = value.lower()
    if word in ("today", "yesterday"):
        today = today or dt.date.today()
        return today if word == "today" else today - dt.timedelta(days=1)
    if not _ISO.match(value):
        raise BadInput(f"{what} '{text}' is not a date: write it as YYYY-MM-DD, e.g. 2026-03-31")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{what} '{text}' is not a real date (check the month and day)") from None


def check_event_date(occurred_on: dt.date, *, today: dt.date | None = None,
                     joined_on: dt.date | None = None, site: str | None = None,
                     what: str = "--on") -> list[str]:
    """Refuse an event dated after today; return warnings for unlikely dates.

    Raises ``BadInput`` (exit 2) for a future date.  Returns a list of
    one-line warnings (possibly empty) for a date before 2000 or before the
    site's joined date; the event is still recorded.
    """
    today = today or dt.date.today()
    if occurred_on > today:
        raise BadInput(f"{what} {occurred_on.isoformat()} is after today "
                       f"({today.isoformat()}): events record what happened; a target date "
                       "is a plan (scaletrack plan SITE STAGE --due DATE)")
    warnings = []
    if occurred_on < EARLIEST_LIKELY:
        warnings.append(f"{what} {occurred_on.isoformat()} is before {EARLIEST_LIKELY.year}; "
                        "recorded as given, "
                        "check the year (retract it if it is wrong)")
    elif joined_on is not None and occurred_on < joined_on:
        who = f"site '{site}'" if site else "the site"
        warnings.append(f"{what} {occurred_on.isoformat()} is before {who} joined "
                        f"({joined_on.isoformat()}); recorded as given")
    return warnings


def check_plan_dates(due_on: dt.date, set_on: dt.date, *, today: dt.date | None = None
                     ) -> None:
    """Refuse a plan due before the day it was agreed, or agreed in the future."""
    today = today or dt.date.today()
    if set_on > today:
        raise BadInput(f"--on {set_on.isoformat()} is after today ({today.isoformat()}): "
                       "--on is the day the plan was agreed; the target goes in --due")
    if due_on < set_on:
        raise BadInput(f"--due {due_on.isoformat()} is before --on {set_on.isoformat()}: "
                       "a plan cannot be due before the day it was agreed")


def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
