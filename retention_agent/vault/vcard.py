"""Contact records and vCard (.vcf) files.

Reading uses a small parser of our own rather than ``vobject``: vobject 0.9.9 cannot
read the quoted-printable soft line breaks that vCard 2.1 phone exports put in
addresses and turns a trailing backslash into ``\\eof``; a parser of our own also
fails in exactly one way. It reads 2.1, 3.0 and 4.0 cards (several per file, folded
lines, ``item1.`` groups, FN or else N), UTF-8 or UTF-16 with a byte order mark, and
any ``CHARSET`` a 2.1 card declares.

Only what a contact record holds is read: the name, the first TEL, EMAIL and ADR, and
our own ``X-RETENTION-RELATION`` property, which ``to_vcard`` writes and which imported
cards rarely have (they default to "other").

``parse_vcards`` raises ``BadContact(position=...)`` for anything it cannot read; the
caller passes the file's position among the command's arguments so the message can
name it. The underlying ``VCardError`` (chained as ``__cause__``) says what was wrong
for a developer, by card and line number, never with the file's content.
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final, Literal, get_args

from retention_agent.errors import BadContact, ContactNeedsName

Relation = Literal["child", "parent", "other"]
RELATIONS: Final[tuple[Relation, ...]] = get_args(Relation)

RELATION_PROPERTY: Final = "X-RETENTION-RELATION"

# RFC 6350 3.2: lines SHOULD NOT be longer than 75 octets, excluding the line break.
_MAX_LINE_OCTETS: Final = 75

_NAME = re.compile(rb"^(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)$")
_TEXT_ENCODINGS: Final = frozenset({"", "7BIT", "8BIT", "QUOTED-PRINTABLE"})
# vCard 2.1 lets a parameter be a bare value: "TEL;CELL;VOICE", "ADR;QUOTED-PRINTABLE".
_BARE_ENCODINGS: Final = frozenset({"7BIT", "8BIT", "QUOTED-PRINTABLE", "BASE64", "B"})


class VCardError(ValueError):
    """What made a .vcf unreadable: card and line numbers only, no content."""


@dataclass(frozen=True)
class Contact:
    """A contact as the vault stores it.

    Fields are normalised on creation so a round trip through a vCard or JSON gives an
    equal record: surrounding whitespace is dropped, line breaks become ``\\n``, and an
    empty optional field is ``None``. A blank name raises ``ContactNeedsName``.
    """

    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    relation: Relation = "other"

    def __post_init__(self) -> None:
        name = _normalise(self.name)
        if name is None:
            raise ContactNeedsName()
        if self.relation not in RELATIONS:
            raise ValueError(f"relation must be one of {RELATIONS}, not {self.relation!r}")
        # Frozen dataclass: normalising in place is the documented way.
        object.__setattr__(self, "name", name)
        for field in ("phone", "email", "address"):
            object.__setattr__(self, field, _normalise(getattr(self, field)))


def _normalise(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value or None


# --- JSON ----------------------------------------------------------------------------


def to_json(contact: Contact) -> dict[str, str | None]:
    """The plain dict the vault keeps (encrypted) as the item's metadata."""
    return {
        "name": contact.name,
        "phone": contact.phone,
        "email": contact.email,
        "address": contact.address,
        "relation": contact.relation,
    }


def from_json(data: Mapping[str, object]) -> Contact:
    """Inverse of ``to_json``. Raises ``ValueError`` for a dict it did not write."""
    name = data.get("name")
    if not isinstance(name, str) or _normalise(name) is None:
        raise ValueError("contact metadata has no name")
    optional: dict[str, str | None] = {}
    for field in ("phone", "email", "address"):
        value = data.get(field)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"contact metadata field {field!r} is not text")
        optional[field] = value
    relation = data.get("relation", "other")
    for known in RELATIONS:
        if relation == known:
            return Contact(name=name, relation=known, **optional)
    raise ValueError("contact metadata has an unknown relation")


# --- Writing -------------------------------------------------------------------------


def to_vcard(contact: Contact) -> bytes:
    """A vCard 4.0 (UTF-8, CRLF, folded at 75 octets) that ``parse_vcards`` reads back
    as an equal ``Contact``."""
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"FN:{_escape(contact.name)}"]
    if contact.phone is not None:
        # 4.0 TEL defaults to a tel: URI; free text like "+45 00 00 00 01" is not one.
        lines.append(f"TEL;VALUE=text;TYPE=cell:{_escape(contact.phone)}")
    if contact.email is not None:
        lines.append(f"EMAIL:{_escape(contact.email)}")
    if contact.address is not None:
        # The whole free-text address goes in the street component, so it comes back
        # unchanged; other programs still show it as the address.
        lines.append(f"ADR:;;{_escape(contact.address)};;;;")
    lines.append(f"{RELATION_PROPERTY}:{contact.relation}")
    lines.append("END:VCARD")
    return b"".join(_fold(line.encode("utf-8")) + b"\r\n" for line in lines)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _fold(line: bytes) -> bytes:
    """Split ``line`` into 75-octet pieces joined by CRLF + space, never inside a
    UTF-8 character (continuation bytes are 0b10xxxxxx)."""
    pieces: list[bytes] = []
    limit = _MAX_LINE_OCTETS
    while len(line) > limit:
        cut = limit
        while line[cut] & 0xC0 == 0x80:
            cut -= 1
        pieces.append(line[:cut])
        line = line[cut:]
        limit = _MAX_LINE_OCTETS - 1  # the leading space of a continuation counts
    pieces.append(line)
    return b"\r\n ".join(pieces)


# --- Reading -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Property:
    name: str
    params: dict[str, list[str]]
    value: bytes
    line: int


def parse_vcards(data: bytes, *, position: int = 1) -> list[Contact]:
    """Every contact in a .vcf file, in file order.

    Raises ``BadContact(position=position)`` if the file is not a readable vCard file:
    no card at all, an unclosed card, a malformed line, an undecodable value, or a card
    without a name.
    """
    try:
        return _parse(data)
    except VCardError as error:
        raise BadContact(position=position) from error


def _parse(data: bytes) -> list[Contact]:
    contacts: list[Contact] = []
    card: list[_Property] | None = None
    depth = 0
    for number, line in _logical_lines(_to_utf8(data)):
        if not line.strip():
            continue
        prop = _split_line(line, number)
        is_card = prop.value.strip().upper() == b"VCARD"
        if prop.name == "BEGIN" and is_card:
            depth += 1
            if depth == 1:
                card = []
        elif prop.name == "END" and is_card:
            if depth == 0:
                raise VCardError(f"line {number}: END:VCARD without BEGIN:VCARD")
            depth -= 1
            if depth == 0 and card is not None:
                contacts.append(_contact(card, len(contacts) + 1))
                card = None
        elif depth == 0:
            raise VCardError(f"line {number}: text outside a vCard")
        elif depth == 1 and card is not None:
            # Deeper levels are 2.1 AGENT cards embedded in a contact; not ours to read.
            card.append(prop)
    if depth:
        raise VCardError("the last vCard is not closed with END:VCARD")
    if not contacts:
        raise VCardError("no vCard in the file")
    return contacts


def _to_utf8(data: bytes) -> bytes:
    """Drop a UTF-8 byte order mark; re-encode UTF-16 (with a BOM) as UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").encode("utf-8")
        except UnicodeError as error:
            raise VCardError("the file claims UTF-16 but is not") from error
    return data


def _logical_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Unfolded lines with the number of their first physical line.

    Folding (RFC 6350 3.2): a line break followed by one space or tab is removed along
    with that whitespace character. vCard 2.1 quoted-printable values instead continue
    on the next line after a trailing "=" (a soft line break), unindented.
    """
    physical = data.splitlines()
    index = 0
    while index < len(physical):
        number = index + 1
        # Pieces joined once at the end: a phone's folded photo is thousands of lines.
        pieces = [physical[index]]
        index += 1
        quoted_printable: bool | None = None
        while True:
            while index < len(physical) and physical[index][:1] in (b" ", b"\t"):
                if continuation := physical[index][1:]:
                    pieces.append(continuation)
                index += 1
            if index == len(physical) or not pieces[-1].endswith(b"="):
                break
            if quoted_printable is None:
                quoted_printable = _is_quoted_printable(b"".join(pieces))
            if not quoted_printable:
                break
            pieces[-1] = pieces[-1][:-1]
            pieces.append(physical[index])
            index += 1
        yield number, b"".join(pieces)


def _is_quoted_printable(line: bytes) -> bool:
    head, colon, _ = _partition_unquoted(line, b":")
    return bool(colon) and b"QUOTED-PRINTABLE" in head.upper()


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


def _split_line(line: bytes, number: int) -> _Property:
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
    return _Property(match.group(1).decode("ascii").upper(), params, value, number)


def _contact(card: list[_Property], index: int) -> Contact:
    fields: dict[str, _Property] = {}
    for prop in card:
        fields.setdefault(prop.name, prop)  # the first of each property wins

    name = _normalise(_text(fields["FN"])) if "FN" in fields else None
    if name is None and "N" in fields:
        # N is family;given;additional;prefixes;suffixes; shown in reading order.
        family, given, additional, prefix, suffix = (_components(fields["N"]) + [""] * 5)[:5]
        name = _normalise(" ".join(p for p in (prefix, given, additional, family, suffix) if p))
    if name is None:
        raise VCardError(f"vCard {index} has no name (FN or N)")

    phone = _text(fields["TEL"]) if "TEL" in fields else None
    if phone is not None and _param(fields["TEL"], "VALUE") != "TEXT":
        # 4.0 writes phones as tel: URIs by default.
        phone = re.sub(r"^tel:", "", phone, flags=re.IGNORECASE)

    address = None
    if "ADR" in fields:
        # pobox;extended;street;locality;region;code;country -> Danish reading order.
        pobox, extended, street, locality, region, code, country = (
            _components(fields["ADR"]) + [""] * 7
        )[:7]
        town = " ".join(p for p in (code, locality) if p)
        address = "\n".join(p for p in (pobox, extended, street, town, region, country) if p)

    relation: Relation = "other"
    if RELATION_PROPERTY in fields:
        declared = _text(fields[RELATION_PROPERTY]).strip().lower()
        relation = next((r for r in RELATIONS if r == declared), "other")

    return Contact(
        name=name,
        phone=phone,
        email=_text(fields["EMAIL"]) if "EMAIL" in fields else None,
        address=address,
        relation=relation,
    )


def _param(prop: _Property, key: str) -> str:
    values = prop.params.get(key)
    return values[0].upper() if values else ""


def _decoded(prop: _Property) -> str:
    """The value's text: quoted-printable undone, then decoded with its CHARSET."""
    encoding = _param(prop, "ENCODING")
    if encoding not in _TEXT_ENCODINGS:
        raise VCardError(f"line {prop.line}: {prop.name} has a non-text encoding")
    raw = binascii.a2b_qp(prop.value) if encoding == "QUOTED-PRINTABLE" else prop.value
    charset = _param(prop, "CHARSET") or "UTF-8"
    try:
        return raw.decode(charset)
    except LookupError as error:
        raise VCardError(f"line {prop.line}: unknown CHARSET") from error
    except ValueError as error:  # UnicodeError, or a NUL in the CHARSET name
        raise VCardError(f"line {prop.line}: {prop.name} does not decode as its CHARSET") from error


def _text(prop: _Property) -> str:
    return _unescape(_decoded(prop))


def _components(prop: _Property) -> list[str]:
    """A structured value (N, ADR) split on unescaped semicolons."""
    parts = [""]
    for escaped, char in re.findall(r"(\\.?)|([^\\])", _decoded(prop), flags=re.S):
        if char == ";":
            parts.append("")
        else:
            parts[-1] += escaped or char
    return [_unescape(part).strip() for part in parts]


_ESCAPES: Final = {"\\": "\\", ",": ",", ";": ";", "n": "\n", "N": "\n"}


def _unescape(text: str) -> str:
    # An unknown escape keeps its backslash: 2.1 cards do not escape at all.
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text, flags=re.S)
