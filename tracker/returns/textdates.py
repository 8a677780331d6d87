"""Dates in a return's cells: real spreadsheet dates, and dates typed as text.

A date cell normally holds a real date: Excel, LibreOffice and Google Sheets
turn what the site lead types into one, in the lead's own locale.  A date
reaches scaletrack as text only when the program did not recognise it (a US
locale given 31/12/2025, a cell formatted as text, a value pasted in).  The
rule for text, stated in every error:

- ``2025-12-31`` (year first, with hyphens: ISO 8601), and ``2025/12/31``;
- ``31/12/2025``, ``31.12.2025``, ``31-12-2025``: day first, as in the UK;
- ``31 Dec 2025`` and ``31 December 2025``;
- ambiguous, and refused with the two readings: a day-first date whose first
  two numbers could each be the month (``03/04/2025``: 3 April in the UK,
  4 March in the US), unless they are the same (``04/04/2025``); and any date
  with a two-digit year (``31/12/25``: which century, and is 25 the day?).

A number that is not formatted as a date (``45000``) is refused: it could be
anything.
"""

from __future__ import annotations

import datetime as dt
import re

MONTH_NAMES = {name: n for n, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
     ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
     ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")), start=1) for name in names}
LONG = ("January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December")
_YEAR_FIRST = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_SHORT_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2})$")
_NAMED = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
HOW = "type it as 2025-12-31 (year, month, day) or pick the date so the cell holds a real date"


class NotADate(ValueError):
    """Why a cell's value is not a date we can read, in a sentence."""


def _day(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise NotADate(f"'{text}' is not a real date (no day {day} in month {month} of "
                       f"{year}); {HOW}") from None


def _spoken(day: dt.date) -> str:
    return f"{day.day} {LONG[day.month - 1]} {day.year}"


def read_date(value) -> dt.date:
    """The date a cell holds, or NotADate saying why not and what would be right."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise NotADate(f"{value!r} is a number, not a date; {HOW}")
    text = " ".join(str(value).split())
    shown = text if len(text) <= 40 else text[:40] + "..."
    m = _YEAR_FIRST.match(text)
    if m:
        return _day(int(m.group(1)), int(m.group(2)), int(m.group(3)), shown)
    m = _DAY_FIRST.match(text)
    if m:
        first, second, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if first <= 12 and second <= 12 and first != second:
            uk = _day(year, second, first, shown)
            us = _day(year, first, second, shown)
            raise NotADate(f"'{shown}' is ambiguous: {_spoken(uk)} read day first (as in the "
                           f"UK) or {_spoken(us)} read month first (as in the US); type it as "
                           f"{uk.isoformat()} (year, month, day) for {_spoken(uk)}")
        if second > 12:
            raise NotADate(f"'{shown}' is not a day-first date (UK: day/month/year), as there "
                           f"is no month {second}; {HOW}")
        return _day(year, second, first, shown)
    if _SHORT_YEAR.match(text):
        raise NotADate(f"'{shown}' is ambiguous: it has a two-digit year; write the year in "
                       f"full (31/12/2025), or {HOW}")
    m = _NAMED.match(text)
    if m and m.group(2).casefold() in MONTH_NAMES:
        return _day(int(m.group(3)), MONTH_NAMES[m.group(2).casefold()], int(m.group(1)),
                    shown)
    raise NotADate(f"'{shown}' is not a date; {HOW}")
