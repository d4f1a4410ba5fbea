"""``--debug``: the traceback a developer needs, without the names it would carry.

Tracebacks are meant to be pasted into bug reports, so every path or quoted name in an
exception's message (an ``OSError``'s file name, a file name the user typed in one of
our errors) is replaced by ``<path>``/``<name>``; the frames (our own source files) stay.
"""

from __future__ import annotations

import re
import traceback

_QUOTED_PATH = re.compile(r"""(['"])(?:[A-Za-z]:)?[\\/~][^'"]*\1""")
_QUOTED = re.compile(r"""(['"])[^'"]*\1""")


def redacted_traceback(error: BaseException) -> str:
    lines = []
    for chunk in traceback.format_exception(error):
        for line in chunk.splitlines(keepends=True):
            lines.append(line if _is_frame(line) else _redact(line))
    return "".join(lines)


def _is_frame(line: str) -> bool:
    """Frames and their source lines are indented; messages start at the margin."""
    return line.startswith(" ") or line.startswith("Traceback (most recent call last)")


def _redact(line: str) -> str:
    """``ExceptionType: message`` with every quoted path or name in the message hidden."""
    kind, separator, message = line.partition(": ")
    if not separator:
        kind, message = "", line
    message = _QUOTED_PATH.sub(r"\1<path>\1", message)
    message = _QUOTED.sub(_hide_name, message)
    return kind + separator + message


def _hide_name(match: re.Match[str]) -> str:
    quote, inside = match.group(1), match.group(0)[1:-1]
    return match.group(0) if inside == "<path>" else f"{quote}<name>{quote}"
