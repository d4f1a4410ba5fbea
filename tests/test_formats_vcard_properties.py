"""Property tests: cards written in every vCard version, character set, transfer encoding,
line ending and file encoding that exporters use read back as the contact they hold."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from retention_agent.formats.vcard import Contact, read_vcards

NEWLINES = ("\r\n", "\n", "\r\r\n", "\r")


@dataclass(frozen=True)
class Style:
    version: str  # "2.1", "3.0" or "4.0"
    charset: str | None  # 2.1 only: the declared CHARSET, or None for the exporter's default
    quoted_printable: bool  # 2.1 only
    newline: str
    fold: int  # octets per physical line
    file_encoding: str  # "utf-8", "utf-8-sig" or "utf-16" (3.0 and 4.0 only)


styles = st.one_of(
    st.builds(
        Style,
        version=st.just("2.1"),
        charset=st.sampled_from([None, "UTF-8", "ISO-8859-1", "Windows-1252"]),
        quoted_printable=st.booleans(),
        newline=st.sampled_from(NEWLINES),
        fold=st.integers(20, 76),
        file_encoding=st.just("utf-8"),
    ),
    st.builds(
        Style,
        version=st.sampled_from(["3.0", "4.0"]),
        charset=st.none(),
        quoted_printable=st.just(False),
        newline=st.sampled_from(NEWLINES),
        fold=st.integers(10, 75),
        file_encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    ),
)

# Text without surrogates (not encodable) or NUL (never in a card).
text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40)
names = text.filter(lambda s: s.strip() != "")
danish = st.text(st.sampled_from("abcæøåÆØÅ ,;:\\=-'éü"), min_size=1).filter(str.strip)
phones = st.from_regex(r"\+?[0-9][0-9 -]{0,14}", fullmatch=True)
emails = st.emails()
contacts = st.builds(
    Contact,
    name=names | danish,
    phone=st.none() | phones,
    email=st.none() | emails,
    address=st.none() | text | danish | st.lists(danish, min_size=1, max_size=3).map("\n".join),
    relation=st.sampled_from(["child", "parent", "other"]),
)


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")


def fold(line: bytes, width: int, newline: bytes, *, whole_characters: bool) -> bytes:
    """Cut every ``width`` octets, as byte-oriented exporters do: inside a UTF-8
    character too, unless the file is to be re-encoded as text."""
    pieces = []
    while len(line) > width:
        cut = width
        while whole_characters and line[cut] & 0xC0 == 0x80:
            cut -= 1
        pieces.append(line[:cut])
        line = line[cut:]
    pieces.append(line)
    return (newline + b" ").join(pieces)


def quoted_printable(raw: bytes, width: int, newline: bytes) -> bytes:
    """=XX for every byte that needs it, soft line breaks never inside an =XX."""
    tokens = [bytes([b]) if 33 <= b <= 126 and b != ord("=") else b"=%02X" % b for b in raw]
    rows: list[bytes] = [b""]
    for token in tokens:
        if len(rows[-1]) + len(token) > width - 1:
            rows.append(b"")
        rows[-1] += token
    return (b"=" + newline).join(rows)


def encodable(value: str, charset: str) -> bool:
    try:
        value.encode(charset)
    except UnicodeEncodeError:
        return False
    return True


def property_21(name: str, value: str, style: Style, params: str = "") -> bytes:
    newline = style.newline.encode()
    charset = style.charset or "utf-8"
    if not encodable(value, charset):
        charset = "utf-8"
    raw = value.replace("\n", "\r\n").encode(charset)
    declared = f";CHARSET={charset}" if charset != "utf-8" or style.charset else ""
    if style.quoted_printable or "\n" in value or value != value.strip():
        head = f"{name}{params}{declared};ENCODING=QUOTED-PRINTABLE:".encode()
        return head + quoted_printable(raw, style.fold, newline)
    return f"{name}{params}{declared}:".encode() + raw


def property_30(name: str, value: str, style: Style, params: str = "") -> bytes:
    line = f"{name}{params}:{value}".encode()
    whole = style.file_encoding != "utf-8"
    return fold(line, style.fold, style.newline.encode(), whole_characters=whole)


def render(contact: Contact, style: Style) -> bytes:
    write = property_21 if style.version == "2.1" else property_30
    escaped = {
        "name": escape(contact.name),
        "address": escape(contact.address or ""),
    }
    if style.version != "2.1":
        escaped = {key: value.replace("\n", "\\n") for key, value in escaped.items()}
    rows = [b"BEGIN:VCARD", f"VERSION:{style.version}".encode()]
    rows.append(write("FN", escaped["name"], style))
    if contact.phone is not None:
        rows.append(write("TEL", contact.phone, style, ";TYPE=CELL"))
    if contact.email is not None:
        rows.append(write("EMAIL", contact.email, style, ";TYPE=INTERNET"))
    if contact.address is not None:
        rows.append(write("ADR", f";;{escaped['address']};;;;", style, ";TYPE=HOME"))
    rows.append(f"X-RETENTION-RELATION:{contact.relation}".encode())
    rows.append(b"END:VCARD")
    newline = style.newline.encode()
    data = b"".join(row + newline for row in rows)
    if style.file_encoding == "utf-8":
        return data
    text = data.decode("utf-8")
    if style.file_encoding == "utf-16":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode(style.file_encoding)


@settings(max_examples=150)
@given(contacts, styles)
def test_a_card_in_any_style_reads_back(contact: Contact, style: Style) -> None:
    read = read_vcards(render(contact, style))
    assert read.complete
    assert read.contacts == (contact,)


@settings(max_examples=60)
@given(st.lists(st.tuples(contacts, styles), min_size=1, max_size=5), st.sampled_from(NEWLINES))
def test_files_of_mixed_cards_read_back_in_order(
    cards: list[tuple[Contact, Style]], newline: str
) -> None:
    data = b"".join(
        render(contact, Style(**{**style.__dict__, "newline": newline, "file_encoding": "utf-8"}))
        for contact, style in cards
    )
    read = read_vcards(data)
    assert read.complete
    assert list(read.contacts) == [contact for contact, _ in cards]


@settings(max_examples=60)
@given(contacts, st.sampled_from(["cp1252", "latin-1"]), st.sampled_from(NEWLINES))
def test_windows_exporters_without_a_charset_read_back(
    contact: Contact, charset: str, newline: str
) -> None:
    # Outlook writes the Windows code page and declares nothing. Text whose bytes
    # happen to be valid UTF-8 is read as UTF-8: the one ambiguity no reader can solve.
    fields = [contact.name, contact.phone or "", contact.email or "", contact.address or ""]
    assume(all(encodable(field, charset) for field in fields))
    encoded = [field.encode(charset) for field in fields]
    assume(all(raw.isascii() or not _is_utf8(raw) for raw in encoded))
    # C1 controls: Latin-1 has them where Windows-1252 has letters and quotes.
    assume(not any("\x80" <= char <= "\x9f" for field in fields for char in field))
    read = read_vcards(render_in(contact, Style("2.1", None, True, newline, 76, "utf-8"), charset))
    assert read.contacts == (contact,)


def render_in(contact: Contact, style: Style, charset: str) -> bytes:
    """``render`` with every value in ``charset`` and no CHARSET declared."""
    newline = style.newline.encode()

    def row(name: str, value: str, params: str = "") -> bytes:
        raw = value.replace("\n", "\r\n").encode(charset)
        head = f"{name}{params};ENCODING=QUOTED-PRINTABLE:".encode()
        return head + quoted_printable(raw, style.fold, newline)

    rows = [b"BEGIN:VCARD", b"VERSION:2.1", row("FN", escape(contact.name))]
    if contact.phone is not None:
        rows.append(row("TEL", contact.phone))
    if contact.email is not None:
        rows.append(row("EMAIL", contact.email))
    if contact.address is not None:
        rows.append(row("ADR", f";;{escape(contact.address)};;;;"))
    rows += [f"X-RETENTION-RELATION:{contact.relation}".encode(), b"END:VCARD"]
    return b"".join(r + newline for r in rows)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
