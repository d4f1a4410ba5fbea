"""The line level of a .vcf file: byte order marks and UTF-16, line endings, folding,
quoted-printable soft breaks and base64 continuations, and splitting a line into
property name, parameters and value.

What real exporters write, beyond the RFCs:
- iPhone exports seen with ``\\r\\r\\n`` line endings, old Macs with ``\\r`` alone: any run
  of carriage returns before a line feed is one line break;
- vCard 2.1 quoted-printable values continue after a trailing ``=`` on an unindented
  line (Android, BlackBerry, Outlook);
- vCard 2.1 base64 photos (Outlook, Lotus Notes, Nokia) may continue on unindented lines
  up to a blank line;
- UTF-16 files with or without a byte order mark (older macOS Address Book).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

_NAME = re.compile(rb"^(?:[A-Za-z0-9_-]+\.)?([A-Za-z0-9_-]+)$")
_LINE_BREAK = re.compile(rb"\r*\n|\r+")
_BASE64_LINE = re.compile(rb"^[A-Za-z0-9+/=]+$")
# vCard 2.1 lets a parameter be a bare value: "TEL;CELL;VOICE", "ADR;QUOTED-PRINTABLE".
_BARE_ENCODINGS: Final = frozenset({"7BIT", "8BIT", "QUOTED-PRINTABLE", "BASE64", "B"})


class VCardError(ValueError):
    """What made a card unreadable: card and line numbers only, no content."""


@dataclass(frozen=True)
class Property:
    name: str
    params: dict[str, list[str]]
    value: bytes
    line: int

    def param(self, key: str) -> str:
        values = self.params.get(key)
        return values[0].upper() if values else ""


def to_bytes(data: bytes) -> bytes:
    """Drop a UTF-8 byte order mark; re-encode UTF-16 (with or without one) as UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :]
    encoding = _utf16(data)
    if encoding is None:
        return data
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeError as error:
        raise VCardError("the file looks like UTF-16 but is not") from error


def _utf16(data: bytes) -> str | None:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    # "BEGIN" in UTF-16 without a mark: every other byte is NUL.
    head = data[:10]
    if len(head) == 10 and not any(head[1::2]) and all(head[0::2]):
        return "utf-16-le"
    if len(head) == 10 and not any(head[0::2]) and all(head[1::2]):
        return "utf-16-be"
    return None


def logical_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Unfolded lines with the number of their first physical line.

    Folding (RFC 6350 3.2): a line break followed by one space or tab is removed along
    with that whitespace character. Quoted-printable values continue after a trailing
    "=" (a soft line break), and 2.1 base64 values on following lines of base64 text.
    """
    physical = _LINE_BREAK.split(data)
    index = 0
    while index < len(physical):
        number = index + 1
        # Pieces joined once at the end: a phone's folded photo is thousands of lines.
        pieces = [physical[index]]
        index += 1
        encoding: str | None = None
        while True:
            while index < len(physical) and physical[index][:1] in (b" ", b"\t"):
                if continuation := physical[index][1:]:
                    pieces.append(continuation)
                index += 1
            if index == len(physical):
                break
            if encoding is None:
                encoding = _encoding_of(b"".join(pieces))
            if encoding == "QUOTED-PRINTABLE" and pieces[-1].endswith(b"="):
                pieces[-1] = pieces[-1][:-1]
                pieces.append(physical[index])
                index += 1
            elif encoding in ("BASE64", "B") and _BASE64_LINE.match(physical[index]):
                pieces.append(physical[index])
                index += 1
            else:
                break
        yield number, b"".join(pieces)


def _encoding_of(line: bytes) -> str:
    head, colon, _ = _partition_unquoted(line, b":")
    if not colon:
        return ""
    upper = head.upper()
    for encoding in ("QUOTED-PRINTABLE", "BASE64"):
        if encoding.encode() in upper:
            return encoding
    return "B" if re.search(rb";\s*ENCODING\s*=\s*B\b", upper) else ""


def _partition_unquoted(text: bytes, separator: bytes) -> tuple[bytes, bytes, bytes]:
    """Like ``bytes.partition`` but skips ``separator`` inside double quotes."""
    start = 0
    while True:
        found = text.find(separator, start)
        quote = text.find(b'"', start)
        if found < 0:
            return text, b"", b""
        if quote < 0 or found < quote:
            return text[:found], separator, text[found + 1 :]
        closing = text.find(b'"', quote + 1)
        if closing < 0:
            return text, b"", b""
        start = closing + 1


def _split_unquoted(text: bytes, separator: bytes) -> list[bytes]:
    parts: list[bytes] = []
    while True:
        part, found, text = _partition_unquoted(text, separator)
        parts.append(part)
        if not found:
            return parts


def split_line(line: bytes, number: int) -> Property:
    head, colon, value = _partition_unquoted(line, b":")
    if not colon:
        raise VCardError(f"line {number}: no ':' between property name and value")
    name_part, *param_parts = _split_unquoted(head, b";")
    match = _NAME.match(name_part.strip())
    if match is None:
        raise VCardError(f"line {number}: not a property name")
    params: dict[str, list[str]] = {}
    for raw in param_parts:
        # Parameter values are only compared with ASCII keywords, never shown.
        key, equals, raw_values = _partition_unquoted(raw.strip(), b"=")
        if equals:
            values = [v.strip().strip(b'"') for v in _split_unquoted(raw_values, b",")]
            decoded = [v.decode("utf-8", "replace") for v in values]
            params.setdefault(key.decode("utf-8", "replace").upper(), []).extend(decoded)
        elif key:
            bare = key.decode("utf-8", "replace").upper()
            params.setdefault("ENCODING" if bare in _BARE_ENCODINGS else "TYPE", []).append(bare)
    return Property(match.group(1).decode("ascii").upper(), params, value, number)
