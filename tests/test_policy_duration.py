"""ISO 8601 periods: parsing, formatting and calendar-correct date arithmetic."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retention_agent.policy.duration import MAX_DAYS, Duration, InvalidDuration, parse_duration

d = dt.date

durations = st.builds(
    Duration,
    years=st.integers(0, 20),
    months=st.integers(0, 60),
    weeks=st.integers(0, 100),
    days=st.integers(0, 1000),
)
dates = st.dates(min_value=d(1900, 1, 1), max_value=d(9000, 12, 31))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P1Y", Duration(years=1)),
        ("P6M", Duration(months=6)),
        ("P2W", Duration(weeks=2)),
        ("P30D", Duration(days=30)),
        ("P1Y2M10D", Duration(years=1, months=2, days=10)),
        ("P1Y2M3W4D", Duration(years=1, months=2, weeks=3, days=4)),
        ("P0D", Duration()),
        ("P0Y", Duration()),
        ("P007D", Duration(days=7)),
    ],
)
def test_parses_periods_of_whole_calendar_units(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "P",
        "PT",
        "PT1H",
        "P1DT2H",
        "P1D T",
        "-P1D",
        "P-1D",
        "P1.5D",
        "P1,5D",
        "p1d",
        " P1D",
        "P1D ",
        "P1D\n",
        "P1D2Y",
        "P1Y1Y",
        "1D",
        "P1",
        "P١D",  # an Arabic-Indic digit: int() would accept it, ISO 8601 does not
        "P1234567890D",
        "P101Y",
        f"P{MAX_DAYS + 1}D",
        "P1Y36300D",
    ],
)
def test_rejects_everything_else(text: str) -> None:
    with pytest.raises(InvalidDuration):
        parse_duration(text)


def test_the_longest_period_is_accepted() -> None:
    assert parse_duration(f"P{MAX_DAYS}D").days == MAX_DAYS
    assert parse_duration("P100Y").years == 100


def test_negative_parts_are_refused_at_construction() -> None:
    with pytest.raises(InvalidDuration):
        Duration(days=-1)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (Duration(), "P0D"),
        (Duration(years=1), "P1Y"),
        (Duration(years=1, months=2, days=10), "P1Y2M10D"),
        (Duration(weeks=2, days=1), "P2W1D"),
    ],
)
def test_formats_as_iso_8601(duration: Duration, text: str) -> None:
    assert str(duration) == text


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (d(2025, 3, 1), "P1Y", d(2026, 3, 1)),
        (d(2024, 2, 29), "P1Y", d(2025, 2, 28)),
        (d(2024, 2, 29), "P4Y", d(2028, 2, 29)),
        (d(2025, 1, 31), "P1M", d(2025, 2, 28)),
        (d(2024, 1, 31), "P1M", d(2024, 2, 29)),
        (d(2025, 8, 31), "P1M", d(2025, 9, 30)),
        (d(2025, 12, 15), "P1M", d(2026, 1, 15)),
        (d(2025, 1, 31), "P1M1D", d(2025, 3, 1)),
        (d(2025, 1, 1), "P1Y2M10D", d(2026, 3, 11)),
        (d(2025, 12, 25), "P2W", d(2026, 1, 8)),
        (d(2026, 3, 1), "P30D", d(2026, 3, 31)),
        (d(2026, 3, 1), "P0D", d(2026, 3, 1)),
    ],
)
def test_after_is_calendar_correct(start: dt.date, duration: str, expected: dt.date) -> None:
    assert parse_duration(duration).after(start) == expected


@pytest.mark.parametrize(
    ("end", "duration", "expected"),
    [
        (d(2026, 3, 1), "P30D", d(2026, 1, 30)),
        (d(2026, 3, 1), "P7D", d(2026, 2, 22)),
        (d(2026, 3, 1), "P0D", d(2026, 3, 1)),
        (d(2025, 3, 31), "P1M", d(2025, 2, 28)),
        (d(2025, 2, 28), "P1Y", d(2024, 2, 28)),
    ],
)
def test_before_is_calendar_correct(end: dt.date, duration: str, expected: dt.date) -> None:
    assert parse_duration(duration).before(end) == expected


@given(durations)
def test_format_and_parse_round_trip(duration: Duration) -> None:
    assert parse_duration(str(duration)) == duration


@given(st.text() | st.from_regex(r"-?P[0-9YMWDTHS.]{0,12}", fullmatch=True))
def test_parsing_never_crashes(text: str) -> None:
    try:
        duration = parse_duration(text)
    except InvalidDuration:
        return
    assert isinstance(duration, Duration)
    assert duration.longest_days <= MAX_DAYS


@given(dates, durations)
def test_after_moves_forward_by_at_most_the_longest_span(
    start: dt.date, duration: Duration
) -> None:
    end = duration.after(start)
    assert start <= end
    assert (end - start).days <= duration.longest_days


@given(dates, st.integers(0, 50), st.integers(0, 500))
def test_years_and_months_move_the_calendar_and_clamp_to_month_end(
    start: dt.date, years: int, months: int
) -> None:
    end = Duration(years=years, months=months).after(start)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == years * 12 + months
    assert end.day == min(start.day, calendar.monthrange(end.year, end.month)[1])


@given(dates, dates, durations)
def test_after_keeps_the_order_of_dates(
    first: dt.date, second: dt.date, duration: Duration
) -> None:
    early, late = sorted((first, second))
    assert duration.after(early) <= duration.after(late)


@given(dates, st.integers(0, 5000), st.integers(0, 500))
def test_weeks_and_days_undo_exactly(start: dt.date, days: int, weeks: int) -> None:
    duration = Duration(weeks=weeks, days=days)
    assert duration.before(duration.after(start)) == start
    assert (duration.after(start) - start).days == weeks * 7 + days
