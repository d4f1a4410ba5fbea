"""The one place that knows what "now" is. ``RETENTION_NOW`` overrides it so demos and
tests can step through a whole Hjem til Os year; everything else receives ``now`` as an
argument and never reads a clock itself."""

from __future__ import annotations

import datetime as dt
import os

from retention_agent.errors import BadNow

NOW_ENV = "RETENTION_NOW"


def parse_now(value: str) -> dt.datetime:
    """An ISO date (midnight, local time) or date and time; naive values are local."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadNow(value=value) from None
    if parsed.tzinfo is None:
        parsed = parsed.astimezone()
    return parsed


def now_override() -> dt.datetime | None:
    value = os.environ.get(NOW_ENV)
    return parse_now(value) if value else None


def now() -> dt.datetime:
    return now_override() or dt.datetime.now().astimezone()
