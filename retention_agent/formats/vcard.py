"""Contact records and vCard (.vcf) files.

Reading uses a small parser of our own rather than ``vobject``: vobject 0.9.9 cannot
read the quoted-printable soft line breaks that vCard 2.1 phone exports put in
addresses and turns a trailing backslash into ``\\eof``. It reads what real exporters
write (``vcard_lines`` handles the line level): 2.1, 3.0 and 4.0 cards from Android,
iOS, macOS Contacts, Gmail, Outlook, Thunderbird, Evolution, Lotus Notes and BlackBerry;
``item1.`` groups; a name from FN, else N, else ORG, else the e-mail address or phone
number (phones export nameless contacts all the time); text in the declared ``CHARSET``,
else UTF-8, else Windows-1252, the code page of Windows exporters that declare none.

Only what a contact record holds is read: the name, the first TEL, EMAIL and ADR, and
our own ``X-RETENTION-RELATION`` property, which ``to_vcard`` writes and which imported
cards rarely have (they default to "other"). Every TEL and EMAIL of the file is listed
too, so messages can be matched with the contacts.

A file is read card by card: ``read_vcards`` returns the cards it could read and the
numbers of those it could not (a card cut off, a line that is not a vCard line, a card
with nothing to name it by), and raises ``BadContact(position=...)`` only when it could
read no card at all. ``VCardError`` says what was wrong for a developer, by card and
line number, never with the file's content.
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, get_args

from retention_agent.errors import BadContact, ContactNeedsName
from retention_agent.formats.vcard_lines import (
    Property,
    VCardError,
    logical_lines,
    split_line,
    to_bytes,
)

__all__ = [
    "RELATIONS",
    "Contact",
    "Relation",
    "VCardError",
    "VCardFile",
    "from_json",
    "read_vcards",
    "to_json",
    "to_vcard",
]

Relation = Literal["child", "parent", "other"]
RELATIONS: Final[tuple[Relation, ...]] = get_args(Relation)

RELATION_PROPERTY: Final = "X-RETENTION-RELATION"

# RFC 6350 3.2: lines SHOULD NOT be longer than 75 octets, excluding the line break.
_MAX_LINE_OCTETS: Final = 75

_TEXT_ENCODINGS: Final = frozenset({"", "7BIT", "8BIT", "QUOTED-PRINTABLE"})
# Codecs that turn escapes into other characters, not bytes into text: never a CHARSET.
_NOT_CHARSETS: Final = frozenset({"idna", "punycode", "unicode-escape", "raw-unicode-escape"})
# Without a usable CHARSET: UTF-8, else the code page of Windows exporters (Outlook,
# Lotus Notes), else Latin-1, which decodes any byte.
_FALLBACK_CHARSETS: Final = ("utf-8", "cp1252")


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
    """A vCard 4.0 (UTF-8, CRLF, folded at 75 octets) that ``read_vcards`` reads back
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
class VCardFile:
    """What a .vcf file held.

    ``unreadable`` numbers the cards that could not be read, counting every card in the
    file from 1; ``stray_lines`` counts lines outside any card. When either is non-zero
    the file was not fully understood and its original must be kept. ``phones`` and
    ``emails`` are every TEL and EMAIL of the readable cards, in file order.
    """

    contacts: tuple[Contact, ...]
    unreadable: tuple[int, ...] = ()
    stray_lines: int = 0
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.unreadable and not self.stray_lines


def read_vcards(data: bytes, *, position: int = 1) -> VCardFile:
    """Every readable contact in a .vcf file, in file order.

    Raises ``BadContact(position=position)`` when no card at all can be read: not a
    vCard file, or every card in it is cut off, malformed or nameless.
    """
    try:
        result = _read(data)
    except VCardError as error:
        raise BadContact(position=position) from error
    if not result.contacts:
        cause = VCardError(f"no readable vCard; unreadable cards: {list(result.unreadable)}")
        raise BadContact(position=position) from cause
    return result


class _Cards:
    """Collects cards while walking a file's lines."""

    def __init__(self) -> None:
        self.contacts: list[Contact] = []
        self.unreadable: list[int] = []
        self.phones: list[str] = []
        self.emails: list[str] = []
        self.count = 0

    def finish(self, card: list[Property] | VCardError) -> None:
        try:
            if isinstance(card, VCardError):
                raise card
            contact, phones, emails = _contact(card, self.count)
        except VCardError:
            self.unreadable.append(self.count)
            return
        self.contacts.append(contact)
        self.phones.extend(phones)
        self.emails.extend(emails)


def _read(data: bytes) -> VCardFile:
    cards = _Cards()
    card: list[Property] | VCardError | None = None
    depth = 0  # > 1 inside a 2.1 AGENT card embedded in a contact: not ours to read
    stray = 0
    previous = ""
    for number, line in logical_lines(to_bytes(data)):
        if not line.strip():
            continue
        try:
            prop = split_line(line, number)
        except VCardError as error:
            if card is None:
                stray += 1
            elif depth == 1 and isinstance(card, list):
                card = error
            continue
        is_card = prop.value.strip().upper() == b"VCARD"
        if prop.name == "BEGIN" and is_card:
            if card is None:
                cards.count += 1
                card, depth = [], 1
            elif previous == "AGENT":
                depth += 1
            else:
                # A card that never ended: it is cut off, and this is the next one.
                cards.finish(VCardError(f"line {number}: BEGIN:VCARD inside a vCard"))
                cards.count += 1
                card, depth = [], 1
        elif prop.name == "END" and is_card:
            if card is None:
                stray += 1
            elif depth > 1:
                depth -= 1
            else:
                cards.finish(card)
                card, depth = None, 0
        elif card is None:
            stray += 1
        elif depth == 1 and isinstance(card, list):
            card.append(prop)
        previous = prop.name
    if card is not None:
        cards.finish(VCardError("the last vCard is not closed with END:VCARD"))
    return VCardFile(
        contacts=tuple(cards.contacts),
        unreadable=tuple(cards.unreadable),
        stray_lines=stray,
        phones=tuple(cards.phones),
        emails=tuple(cards.emails),
    )


def _contact(card: list[Property], index: int) -> tuple[Contact, list[str], list[str]]:
    fields: dict[str, Property] = {}
    for prop in card:
        fields.setdefault(prop.name, prop)  # the first of each property wins
    phones = [p for p in (_phone(prop) for prop in card if prop.name == "TEL") if p]
    emails = [e for e in (_email(prop) for prop in card if prop.name == "EMAIL") if e]

    name = _normalise(_text(fields["FN"])) if "FN" in fields else None
    if name is None and "N" in fields:
        # N is family;given;additional;prefixes;suffixes; shown in reading order.
        family, given, additional, prefix, suffix = (_components(fields["N"]) + [""] * 5)[:5]
        name = _normalise(" ".join(p for p in (prefix, given, additional, family, suffix) if p))
    if name is None and "ORG" in fields:
        name = _normalise(" ".join(p for p in _components(fields["ORG"]) if p))
    if name is None:
        # A nameless card, as phones export them: named by what it does hold.
        name = next(iter(emails + phones), None)
    if name is None:
        raise VCardError(f"vCard {index} has no name, e-mail address or phone number")

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

    contact = Contact(
        name=name,
        phone=_phone(fields["TEL"]) if "TEL" in fields else None,
        email=_email(fields["EMAIL"]) if "EMAIL" in fields else None,
        address=address,
        relation=relation,
    )
    return contact, phones, emails


def _phone(prop: Property) -> str | None:
    phone = _text(prop)
    if prop.param("VALUE") != "TEXT":
        # 4.0 writes phones as tel: URIs by default.
        phone = re.sub(r"^tel:", "", phone, flags=re.IGNORECASE)
    return _normalise(phone)


def _email(prop: Property) -> str | None:
    return _normalise(re.sub(r"^mailto:", "", _text(prop), flags=re.IGNORECASE))


def _decoded(prop: Property) -> str:
    """The value's text: quoted-printable undone, then decoded with its CHARSET."""
    encoding = prop.param("ENCODING")
    if encoding not in _TEXT_ENCODINGS:
        raise VCardError(f"line {prop.line}: {prop.name} has a non-text encoding")
    raw = binascii.a2b_qp(prop.value) if encoding == "QUOTED-PRINTABLE" else prop.value
    for charset in (*_declared_charset(prop), *_FALLBACK_CHARSETS):
        try:
            return raw.decode(charset)
        except UnicodeError:
            continue
    return raw.decode("latin-1")


def _declared_charset(prop: Property) -> tuple[str, ...]:
    """The CHARSET parameter, if it names a text encoding Python knows."""
    name = prop.param("CHARSET")
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # unknown, or a NUL in the name
        return ()
    # Only codecs that decode bytes into text: never rot13, base64 and the like.
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return ()
    return (info.name,)


def _text(prop: Property) -> str:
    return _unescape(_decoded(prop))


def _components(prop: Property) -> list[str]:
    """A structured value (N, ADR, ORG) split on unescaped semicolons."""
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
