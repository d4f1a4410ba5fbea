"""Find the line of a TOML table or key, or of a TOML syntax error, for error messages.

``tomllib`` reports line numbers only for syntax errors, not for values that parse but
make no sense. This scans the text the simple way a person would: find the table's
header (``[timing]`` or the n-th ``[[rule]]``), then the ``key =`` line inside that
block. It understands the plain layout the policy file uses; for anything fancier it
falls back to the header line, or line 1.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?")


def find_line(text: str, table: str | None, key: str | None = None, index: int = 0) -> int:
    """The 1-based line where ``key`` is set in the ``index``-th block called ``table``
    (``None``: the top of the file, before any header). Without ``key``, or when the key
    is not written in that block, the block's header line; 1 when the block is missing.
    A top-level ``key`` that is not written as ``key = ...`` is looked up as a header."""
    lines = text.splitlines()
    start, end = _block(lines, table, index)
    if start is None:
        return 1
    if key is not None:
        written = re.compile(rf"""\s*["']?{re.escape(key)}["']?\s*=""")
        for number in range(start + 1, end):
            if written.match(lines[number]):
                return number + 1
        if table is None:  # a top-level key may be written as a table: [timing]
            return find_line(text, key)
    return start + 1 if table is not None else 1


def _block(lines: list[str], table: str | None, index: int) -> tuple[int | None, int]:
    """(header index, index of the next header) of the wanted block; the top-level
    block has the virtual header index -1."""
    headers = [
        (number, match.group(1).replace('"', "").replace("'", ""))
        for number, line in enumerate(lines)
        if (match := _HEADER.fullmatch(line))
    ]
    if table is None:
        return -1, headers[0][0] if headers else len(lines)
    found = [position for position, (_, name) in enumerate(headers) if name == table]
    if index >= len(found):
        return None, 0
    position = found[index]
    end = headers[position + 1][0] if position + 1 < len(headers) else len(lines)
    return headers[position][0], end


def syntax_position(message: str, text: str) -> tuple[int, int, str]:
    """(line, column, detail) from a tomllib message such as
    ``Expected '=' after a key in a key/value pair (at line 3, column 5)``."""
    detail, _, where = message.rpartition(" (at ")
    if not detail:
        return 1, 1, message
    if where.startswith("line "):
        line, _, column = where.removeprefix("line ").rstrip(")").partition(", column ")
        return int(line), int(column), detail
    last = text.splitlines()[-1:] or [""]  # "at end of document"
    return max(1, len(text.splitlines())), len(last[0]) + 1, detail
