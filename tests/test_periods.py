"""Quarters: calendar and UK financial-year, at the year and financial-year boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.analysis.periods import parse_period, parse_quarter, quarter_at
from tracker.errors import BadInput

D = dt.date


@pytest.mark.parametrize("text, start, end, label", [
    ("2026Q3", D(2026, 7, 1), D(2026, 9, 30), "2026 Q3 (Jul-Sep 2026)"),
    ("2026Q1", D(2026, 1, 1), D(2026, 3, 31), "2026 Q1 (Jan-Mar 2026)"),
    ("2025q4", D(2025, 10, 1), D(2025, 12, 31), "2025 Q4 (Oct-Dec 2025)"),
    ("2026-Q2", D(2026, 4, 1), D(2026, 6, 30), "2026 Q2 (Apr-Jun 2026)"),
    ("FY2026-27Q1", D(2026, 4, 1), D(2026, 6, 30), "2026/27 Q1 (Apr-Jun 2026)"),
    ("FY2026-27Q3", D(2026, 10, 1), D(2026, 12, 31), "2026/27 Q3 (Oct-Dec 2026)"),
    ("FY2026-27Q4", D(2027, 1, 1), D(2027, 3, 31), "2026/27 Q4 (Jan-Mar 2027)"),
    ("fy2099/00q4", D(2100, 1, 1), D(2100, 3, 31), "2099/00 Q4 (Jan-Mar 2100)"),
])
def test_quarters(text, start, end, label):
    p = parse_quarter(text)
    assert (p.start, p.end, p.label) == (start, end, label)


def test_the_quarter_before_crosses_year_boundaries():
    assert parse_quarter("2026Q1").previous().code == "2025Q4"
    assert parse_quarter("FY2026-27Q1").previous().code == "FY2025-26Q4"
    assert parse_quarter("FY2026-27Q4").previous().code == "FY2026-27Q3"


def test_quarter_at_a_date_in_each_convention():
    assert quarter_at(D(2027, 3, 31), "fy").code == "FY2026-27Q4"
    assert quarter_at(D(2027, 4, 1), "fy").code == "FY2027-28Q1"
    assert quarter_at(D(2026, 12, 31)).code == "2026Q4"


@pytest.mark.parametrize("text, message", [
    ("2026Q5", "'2026Q5' is not a quarter: write 2026Q3 (July-September 2026) or FY2026-27Q1 "
               "(April-June 2026)"),
    ("Q3", "'Q3' is not a quarter"),
    ("FY2026-28Q1", "'FY2026-28Q1' is not a financial year: the second year must follow the "
                    "first, as in FY2026-27Q1"),
])
def test_bad_quarters(text, message):
    with pytest.raises(BadInput) as err:
        parse_quarter(text)
    assert str(err.value).startswith(message)


def test_ranges():
    p = parse_period(None, D(2026, 2, 1), D(2026, 2, 28), D(2026, 6, 1))
    assert (p.label, p.convention) == ("2026-02-01 to 2026-02-28", "range")
    with pytest.raises(BadInput, match="before --from"):
        parse_period(None, D(2026, 3, 1), D(2026, 2, 1), D(2026, 6, 1))
    with pytest.raises(BadInput, match="go together"):
        parse_period(None, D(2026, 3, 1), None, D(2026, 6, 1))
    with pytest.raises(BadInput, match="not both"):
        parse_period("2026Q1", D(2026, 3, 1), D(2026, 4, 1), D(2026, 6, 1))
    assert parse_period(None, None, None, D(2026, 5, 5)).code == "2026Q2"


@pytest.mark.parametrize("args, message", [
    (["report", "--quarter", "9999Q4"],
     "Error: '9999Q4' is outside the dates scaletrack reports on (0002-01-01 to 9997-12-31)"),
    (["report", "--quarter", "0001Q1"],
     "Error: '0001Q1' is outside the dates scaletrack reports on (0002-01-01 to 9997-12-31)"),
    (["chart", "timeline", "--quarter", "0000Q1", "-o", "t.png"],
     "Error: '0000Q1' is outside the dates scaletrack reports on (0002-01-01 to 9997-12-31)"),
    (["chart", "timeline", "--as-of", "9999-12-31", "-o", "t.png"],
     "Error: --as-of 9999-12-31 is outside the dates scaletrack reports on "
     "(0002-01-01 to 9997-12-31)"),
    (["chart", "adoption", "--as-of", "9999-12-31", "-o", "t.png"],
     "Error: --as-of 9999-12-31 is outside the dates scaletrack reports on "
     "(0002-01-01 to 9997-12-31)"),
    (["report", "--from", "0001-01-01", "--to", "0001-01-05"],
     "Error: the period 0001-01-01 to 0001-01-05 is outside the dates scaletrack reports on "
     "(0002-01-01 to 9997-12-31)"),
    (["report", "--from", "9999-12-01", "--to", "9999-12-31"],
     "Error: the period 9999-12-01 to 9999-12-31 is outside the dates scaletrack reports on "
     "(0002-01-01 to 9997-12-31)"),
    (["report", "--quarter", "FY9997-98Q4"],
     "Error: 'FY9997-98Q4' is outside the dates scaletrack reports on "
     "(0002-01-01 to 9997-12-31)"),
])
def test_periods_at_the_ends_of_the_calendar_are_refused_in_one_line(run_sqlite, tmp_path,
                                                                     monkeypatch,
                                                                     args, message):
    run = run_sqlite
    monkeypatch.chdir(tmp_path)
    run("initiative", "create", "Ends", "--framework", "ihi-full-scale")
    r = run(*args, code=2)
    assert r.stderr.strip() == message
    assert list(tmp_path.glob("*.png")) == [] and not list(tmp_path.glob("report-*"))


def test_the_first_and_last_reportable_quarters_give_a_report(run_sqlite, tmp_path):
    run = run_sqlite
    run("initiative", "create", "Ends", "--framework", "ihi-full-scale")
    for quarter, as_of in (("0002Q1", "0002-03-31"), ("9997Q4", "9997-12-31")):
        run("report", "--quarter", quarter, "--as-of", as_of, "--out", str(tmp_path / quarter))
        assert (tmp_path / quarter / "report.md").is_file()
        assert (tmp_path / quarter / "timeline.png").is_file()
