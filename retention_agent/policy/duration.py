"""ISO 8601 periods of whole calendar units (``P1Y``, ``P6M``, ``P2W``, ``P30D``,
``P1Y2M10D``, ``P0D``) and calendar-correct date arithmetic with them.

Only years, months, weeks and days exist here: a retention deadline is a date, so time
parts (``PT12H``), fractions and negative periods are refused. Years and months move
along the calendar and clamp to the month's last day (2024-02-29 plus ``P1Y`` is
2025-02-28; 2025-01-31 plus ``P1M`` is 2025-02-28); weeks and days are added after.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

# No rule keeps data for a century; the bound also keeps every deadline far inside the
# range of ``datetime.date`` for any realistic start date.
MAX_DAYS = 100 * 366

_ISO = re.compile(r"P(?:([0-9]{1,9})Y)?(?:([0-9]{1,9})M)?(?:([0-9]{1,9})W)?(?:([0-9]{1,9})D)?")


class InvalidDuration(ValueError):
    """The text is not a period this module accepts; the loader turns it into a user error."""


@dataclass(frozen=True)
class Duration:
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        parts = (self.years, self.months, self.weeks, self.days)
        if any(part < 0 for part in parts):
            raise InvalidDuration(f"negative period {parts}")
        if self.longest_days > MAX_DAYS:
            raise InvalidDuration(f"period longer than {MAX_DAYS} days")

    @property
    def longest_days(self) -> int:
        """The most days this period can span (leap years, 31-day months)."""
        return self.years * 366 + self.months * 31 + self.weeks * 7 + self.days

    @property
    def is_zero(self) -> bool:
        return self.longest_days == 0

    def __str__(self) -> str:
        text = "".join(
            f"{value}{unit}"
            for value, unit in zip(
                (self.years, self.months, self.weeks, self.days), "YMWD", strict=True
            )
            if value
        )
        return f"P{text or '0D'}"

    def after(self, start: dt.date) -> dt.date:
        """The date this period after ``start``."""
        return _shift_months(start, self.years * 12 + self.months) + dt.timedelta(
            weeks=self.weeks, days=self.days
        )

    def before(self, end: dt.date) -> dt.date:
        """The date this period before ``end`` (months first, then weeks and days)."""
        return _shift_months(end, -(self.years * 12 + self.months)) - dt.timedelta(
            weeks=self.weeks, days=self.days
        )


def parse_duration(text: str) -> Duration:
    """``P1Y2M10D`` → ``Duration(years=1, months=2, days=10)``; anything else raises
    :class:`InvalidDuration`. Units must come in the order Y, M, W, D."""
    match = _ISO.fullmatch(text)
    if match is None or not any(match.groups()):
        raise InvalidDuration(f"not an ISO 8601 period of years, months, weeks or days: {text!r}")
    years, months, weeks, days = (int(group or 0) for group in match.groups())
    return Duration(years=years, months=months, weeks=weeks, days=days)


def _shift_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))
