"""Dates as users type them: ISO ``YYYY-MM-DD``, with errors that say what is wrong."""

from __future__ import annotations

import datetime as dt
import re

from tracker.errors import BadInput

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(text: str, what: str = "date") -> dt.date:
    value = (text or "").strip()
    if value.lower() == "today":
        return dt.date.today()
    if not _ISO.match(value):
        raise BadInput(f"{what} '{text}' is not a date: write it as YYYY-MM-DD, e.g. 2026-03-31")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{what} '{text}' is not a real date (check the month and day)") from None


def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
