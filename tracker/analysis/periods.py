"""Reporting periods: calendar quarters, UK financial-year quarters, and free ranges.

UK local authorities and the NHS report on April-to-March financial years, so
``FY2026-27Q1`` is April-June 2026 and ``FY2026-27Q4`` is January-March 2027;
``2026Q3`` is the calendar quarter July-September 2026.  A period remembers
which convention it was asked for in, and labels itself the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tracker.errors import BadInput

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CAL = re.compile(r"^(\d{4})-?Q([1-4])$")
_FY = re.compile(r"^FY(\d{4})[-/](\d{2}|\d{4})-?Q([1-4])$")
EXAMPLES = "2026Q3 (July-September 2026) or FY2026-27Q1 (April-June 2026)"
# Reports look a quarter and a year around their period (the quarter before, plans due
# within a year, axis margins), so they stay a little inside the calendar's ends.
FIRST_DAY = dt.date(2, 1, 1)
LAST_DAY = dt.date(9997, 12, 31)
RANGE = f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date           # inclusive
    convention: str        # "calendar", "fy" or "range"
    code: str              # what the user typed, normalised: 2026Q3, FY2026-27Q1, or a range

    @property
    def months(self) -> str:
        a, b = self.start, self.end
        if a.year == b.year:
            return f"{MONTHS[a.month - 1]}-{MONTHS[b.month - 1]} {a.year}"
        return f"{MONTHS[a.month - 1]} {a.year}-{MONTHS[b.month - 1]} {b.year}"

    @property
    def label(self) -> str:
        """How titles and reports name the period, in the user's convention."""
        if self.convention == "calendar":
            return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1} ({self.months})"
        if self.convention == "fy":
            fy = fy_start_year(self.start)
            q = ((self.start.month - 4) % 12) // 3 + 1
            return f"{fy}/{(fy + 1) % 100:02d} Q{q} ({self.months})"
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    def contains(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def previous(self) -> "Period":
        """The period of the same length just before this one (the quarter before)."""
        if self.convention in ("calendar", "fy"):
            start = add_months(self.start, -3)
            return quarter_at(start, self.convention)
        length = self.end - self.start
        end = self.start - dt.timedelta(days=1)
        return Period(end - length, end, "range", f"{(end - length).isoformat()}..{end}")


def add_months(day: dt.date, n: int) -> dt.date:
    m = day.month - 1 + n
    return dt.date(day.year + m // 12, m % 12 + 1, 1)


def fy_start_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def quarter_at(day: dt.date, convention: str = "calendar") -> Period:
    """The quarter containing ``day``, in the given convention."""
    first_month = ((day.month - 1) // 3) * 3 + 1
    start = dt.date(day.year, first_month, 1)
    end = add_months(start, 3) - dt.timedelta(days=1)
    if convention == "fy":
        fy = fy_start_year(day)
        q = ((start.month - 4) % 12) // 3 + 1
        return Period(start, end, "fy", f"FY{fy}-{(fy + 1) % 100:02d}Q{q}")
    return Period(start, end, "calendar", f"{day.year}Q{(first_month - 1) // 3 + 1}")


def parse_quarter(text: str) -> Period:
    value = (text or "").strip().upper().replace(" ", "")
    m = _CAL.match(value)
    if m:
        year, q = int(m.group(1)), int(m.group(2))
        _check_year(text, year)
        return quarter_at(dt.date(year, 3 * q - 2, 1), "calendar")
    m = _FY.match(value)
    if m:
        first, second, q = int(m.group(1)), m.group(2), int(m.group(3))
        if int(second) % 100 != (first + 1) % 100:
            raise BadInput(f"'{text}' is not a financial year: the second year must follow the "
                           f"first, as in FY{first}-{(first + 1) % 100:02d}Q{q}")
        month = (3 * (q - 1) + 3) % 12 + 1  # Q1 April, Q2 July, Q3 October, Q4 January
        year = first if q < 4 else first + 1
        _check_year(text, year)
        return quarter_at(dt.date(year, month, 1), "fy")
    raise BadInput(f"'{text}' is not a quarter: write {EXAMPLES}")


def _check_year(text: str, year: int) -> None:
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise BadInput(f"'{text}' is outside the dates scaletrack reports on ({RANGE})")


def check_reportable(period: Period, as_of: dt.date) -> None:
    """Refuse a period or as-of date too near the ends of the calendar to report on."""
    if period.start < FIRST_DAY or period.end > LAST_DAY:
        raise BadInput(f"the period {period.start.isoformat()} to {period.end.isoformat()} "
                       f"is outside the dates scaletrack reports on ({RANGE})")
    check_as_of(as_of)


def check_as_of(as_of: dt.date | None) -> None:
    if as_of is not None and not FIRST_DAY <= as_of <= LAST_DAY:
        raise BadInput(f"--as-of {as_of.isoformat()} is outside the dates scaletrack reports "
                       f"on ({RANGE})")


def parse_period(quarter: str | None, start: dt.date | None, end: dt.date | None,
                 default_as_of: dt.date) -> Period:
    """``--quarter`` or ``--from``/``--to``; with neither, the quarter of the as-of date."""
    if quarter and (start or end):
        raise BadInput("give either --quarter or --from/--to, not both")
    if quarter:
        return parse_quarter(quarter)
    if start or end:
        if not (start and end):
            raise BadInput("--from and --to go together; give both dates")
        if end < start:
            raise BadInput(f"--to {end.isoformat()} is before --from {start.isoformat()}")
        return Period(start, end, "range", f"{start.isoformat()}..{end.isoformat()}")
    return quarter_at(default_as_of, "calendar")


def check_as_of_in_period(period: Period, as_of: dt.date, given: bool, today: dt.date) -> None:
    """An as-of date before the period starts would compare the period backwards: refused.

    Without ``--as-of`` the date is today, so a period that has not started yet is
    refused in those words (nothing can have happened in it), rather than reported
    as of a day before it.
    """
    if as_of >= period.start:
        return
    if not given:
        raise BadInput(f"{period.label} has not started yet (it starts on "
                       f"{period.start.isoformat()}; today is {today.isoformat()}), so there "
                       "is nothing to report: choose a quarter that has started")
    raise BadInput(f"--as-of {as_of.isoformat()} is before {period.label} starts "
                   f"({period.start.isoformat()}); give an as-of date in or after the period, "
                   "or leave --as-of out")


def period_as_of(period: Period, as_of: dt.date | None, today: dt.date) -> dt.date:
    """The as-of date for a period's report: given, else its end (or today, if sooner)."""
    if as_of is not None:
        return as_of
    return min(period.end, today)
