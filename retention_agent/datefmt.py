"""Dates the way each language writes them (``1. marts 2027``, ``1 March 2027``), without
loading Babel's date machinery on every command.

Babel holds the data (CLDR), but reading it imports ``babel.dates`` and
``babel.localtime``, about 25 ms, a tenth of what ``retention status`` may spend. So
the two patterns used here and the month names are read from Babel once per Babel
version and language and kept in the user's cache; a date is then written from them by
:func:`render`, which knows the pattern letters those patterns use (day, month, year,
quoted text) and hands any other pattern back to Babel.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any, Literal

Style = Literal["long", "short"]
_TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|[^A-Za-z']+")
_KNOWN = {"d", "dd", "M", "MM", "MMMM", "y", "yyyy"}


def format_date(value: dt.date, style: Style, locale: str) -> str:
    data = _data(locale)
    return render(value, data[style], data["months"])


def render(value: dt.date, pattern: str, months: list[str]) -> str:
    out: list[str] = []
    for match in _TOKEN.finditer(pattern):
        field = match.group(0)
        if field.startswith("'"):
            out.append(field[1:-1].replace("''", "'") or "'")
        elif not match.group(1):
            out.append(field)
        elif field not in _KNOWN:
            raise ValueError(f"pattern letter {field!r}")
        elif field == "d":
            out.append(str(value.day))
        elif field == "dd":
            out.append(f"{value.day:02d}")
        elif field == "M":
            out.append(str(value.month))
        elif field == "MM":
            out.append(f"{value.month:02d}")
        elif field == "MMMM":
            out.append(months[value.month - 1])
        elif field == "y":
            out.append(str(value.year))
        else:  # yyyy
            out.append(f"{value.year:04d}")
    return "".join(out)


@cache
def _data(locale: str) -> dict[str, Any]:
    cached = _cache_file(locale)
    if cached is not None:
        with contextlib.suppress(OSError, ValueError):
            data: dict[str, Any] = json.loads(cached.read_text(encoding="utf-8"))
            return data
    data = _from_babel(locale)
    if cached is not None:
        _store(cached, data)
    return data


def _from_babel(locale: str) -> dict[str, Any]:
    from babel.core import Locale

    found = Locale.parse(locale)
    data: dict[str, Any] = {style: found.date_formats[style].pattern for style in ("long", "short")}
    data["months"] = [found.months["format"]["wide"][month] for month in range(1, 13)]
    for style in ("long", "short"):
        render(dt.date(2000, 1, 1), data[style], data["months"])  # raises if unknown
    return data


def _cache_file(locale: str) -> Path | None:
    """Named after the installed Babel's own file (size and time), so an upgraded Babel
    is read afresh; found without importing it."""
    from importlib.util import find_spec

    spec = find_spec("babel")
    if spec is None or spec.origin is None:
        return None
    try:
        info = os.stat(spec.origin)
    except OSError:
        return None
    from platformdirs import user_cache_path

    name = f"dates-{locale}-{info.st_size}-{info.st_mtime_ns}.json"
    return user_cache_path("retention-agent", appauthor=False) / name


def _store(target: Path, data: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
        os.replace(temporary, target)
