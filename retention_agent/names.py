"""Names that came from somewhere else (file names, contact names, aliases), shown
safely.

A file name is whatever bytes another program chose: it may not be valid UTF-8 (an old
zip file's Latin-1 names arrive as surrogate escapes, see ``os.fsdecode``), may hold a
newline that would print a fake row, or an escape sequence that would clear or recolour
the terminal. Text output shows every such character visibly (``\\n``, ``\\x1b``,
``\\xff``); JSON keeps the real name as text and, where it is not valid UTF-8, adds its
exact bytes (base64) beside it.
"""

from __future__ import annotations

import base64
import os
import unicodedata

# Unicode's format characters include the bidirectional overrides that can make a name
# read backwards; control characters are C0, C1 and DEL.
_HIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def shown(text: str) -> str:
    """``text`` with every invisible, controlling or undecodable character made visible."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_visible(char) for char in text)


def _visible(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    if "\udc80" <= char <= "\udcff":  # a byte that was not UTF-8 (surrogate escape)
        return f"\\x{ord(char) - 0xDC00:02x}"
    if char != " " and unicodedata.category(char) in _HIDDEN:
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return char


def is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_fields(key: str, name: str | None) -> dict[str, str | None]:
    """``{key: name}`` for JSON; a name that is not valid UTF-8 shows its undecodable
    bytes as U+FFFD there, and its exact bytes follow in ``<key>_bytes`` (base64)."""
    if name is None or is_utf8(name):
        return {key: name}
    raw = os.fsencode(name) if os.name == "posix" else name.encode("utf-8", "surrogateescape")
    return {
        key: raw.decode("utf-8", "replace"),
        f"{key}_bytes": base64.b64encode(raw).decode("ascii"),
    }
