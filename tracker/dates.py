"""Dates as users type them, and the rules a recorded date must follow.

``parse_date`` reads ISO ``YYYY-MM-DD`` (and the words ``today`` and
``yesterday``), with errors that say what is wrong.  ``check_event_date`` and
``check_plan_dates`` apply the date rules of ``tracker.rules`` (the one place
they are written, which import applies line by line) for the command line:
a refusal becomes ``BadInput``, a warning a line to show.  An event records
what happened, so it cannot lie in the future; a date before the site joined,
or before 2000, is most likely a typing slip, so it is kept with a warning.
Pure functions: no database, no command line.
"""

from __future__ import annotations

import datetime as dt
import re

from tracker.errors import BadInput
from tracker.rules import DATE_OPTIONS, future_event, plan_dates, unlikely_date

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
                     words: dict = DATE_OPTIONS) -> list[str]:
    """Refuse an event dated after today (``BadInput``, exit 2); return the warnings
    (possibly none) for a date before 2000 or before the site joined, which is
    still recorded.  The rules are ``tracker.rules``'s, as import applies them."""
    today = today or dt.date.today()
    refused = future_event(occurred_on, today, words)
    if refused:
        raise BadInput(refused)
    warned = unlikely_date(occurred_on, joined_on, site, words)
    return [warned] if warned else []


def check_plan_dates(due_on: dt.date, set_on: dt.date, *, today: dt.date | None = None,
                     words: dict = DATE_OPTIONS) -> None:
    """Refuse (``BadInput``) a plan agreed after today, or due before the day it was agreed."""
    refused = plan_dates(due_on, set_on, today or dt.date.today(), words)
    if refused:
        raise BadInput(refused)


def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
