"""vCard reading and writing. Every card here is synthetic: invented names, example.org
addresses and Danish numbers starting with 0, which Denmark never assigns."""

from __future__ import annotations

import codecs

import pytest
import vobject
from hypothesis import example, given, settings
from hypothesis import strategies as st

from retention_agent.errors import BadContact, ContactNeedsName
from retention_agent.formats.vcard import (
    Contact,
    VCardError,
    from_json,
    read_vcards,
    to_json,
    to_vcard,
)


def parse_vcards(data: bytes, *, position: int = 1) -> list[Contact]:
    """The contacts of a file every card of which must be readable."""
    read = read_vcards(data, position=position)
    assert read.complete
    return list(read.contacts)


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


# An Android-style 2.1 export: quoted-printable UTF-8 with a soft line break inside the
# address, bare 2.1 parameters and a folded base64 photo the parser must skip over.
ANDROID_21 = crlf(
    "BEGIN:VCARD\n"
    "VERSION:2.1\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:B;=46=6F=72=C3=A6lder;;;\n"
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=46=6F=72=C3=A6lder B\n"
    "TEL;CELL;PREF:+45 00 00 00 01\n"
    "TEL;HOME:+45 00 00 00 02\n"
    "EMAIL;HOME:forælder.b@example.org\n"
    "ADR;HOME;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;Eksempelvej 1=0D=0A=\n"
    "2. sal;Demoby;;0000;Danmark\n"
    "PHOTO;ENCODING=BASE64;JPEG:/9j/4AAQSkZJRgABAQ\n"
    "    AAAQABAAD/2wBDAAgGBgcG\n"
    "\n"
    "END:VCARD\n"
)


def test_reads_quoted_printable_21_phone_export() -> None:
    assert parse_vcards(ANDROID_21) == [
        Contact(
            name="Forælder B",
            phone="+45 00 00 00 01",
            email="forælder.b@example.org",
            address="Eksempelvej 1\n2. sal\n0000 Demoby\nDanmark",
        )
    ]


def test_reads_several_30_cards_with_folding_and_groups() -> None:
    data = (
        "BEGIN:VCARD\nVERSION:3.0\nN:A;Barn;;;\nFN:Barn A\n"
        "item1.TEL;TYPE=CELL:+45 00 00\n  00 03\n"
        "EMAIL;TYPE=INTERNET:barn.a@exa\n\tmple.org\nEND:VCARD\n"
        "begin:vcard\nversion:3.0\nfn:Forælder C\nend:vcard\n"
    ).encode()
    assert parse_vcards(data) == [
        Contact(name="Barn A", phone="+45 00 00 00 03", email="barn.a@example.org"),
        Contact(name="Forælder C"),
    ]


def test_reads_40_with_tel_uri_and_escapes() -> None:
    data = crlf(
        "BEGIN:VCARD\nVERSION:4.0\n"
        "FN:Barn A\\, kaldet \\;A\\; \\\\ nr. 1\n"
        "TEL;VALUE=uri;TYPE=cell:tel:+45-00-00-00-04\n"
        'ADR;LABEL="Eksempelvej 2: 0000 Demoby":;;Eksempelvej 2;Demoby;;0000;\n'
        "END:VCARD\n"
    )
    assert parse_vcards(data) == [
        Contact(
            name="Barn A, kaldet ;A; \\ nr. 1",
            phone="+45-00-00-00-04",
            address="Eksempelvej 2\n0000 Demoby",
        )
    ]


@pytest.mark.parametrize("fn_line", ["", "FN:\n", "FN:   \n"])
def test_name_falls_back_to_structured_n(fn_line: str) -> None:
    data = crlf(f"BEGIN:VCARD\nVERSION:3.0\nN:B;Forælder;Mellem;Hr.;jr.\n{fn_line}END:VCARD\n")
    assert parse_vcards(data) == [Contact(name="Hr. Forælder Mellem B jr.")]


def test_escaped_semicolon_stays_inside_a_structured_component() -> None:
    data = crlf("BEGIN:VCARD\nVERSION:3.0\nN:B\\;C;Forælder\\\\;;;\nEND:VCARD\n")
    assert parse_vcards(data) == [Contact(name="Forælder\\ B;C")]


def test_reads_declared_8bit_charset() -> None:
    data = b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=ISO-8859-1:For\xe6lder D\r\nEND:VCARD\r\n"
    assert parse_vcards(data) == [Contact(name="Forælder D")]


@pytest.mark.parametrize(
    "fn_line",
    [
        pytest.param(b"FN:For\xe6lder D", id="undeclared-windows-1252"),
        pytest.param(b"FN;CHARSET=UTF-8:For\xe6lder D", id="wrongly-declared-utf-8"),
        pytest.param(b"FN;CHARSET=x-nope:For\xe6lder D", id="unknown-charset"),
        pytest.param(b"FN;CHARSET=rot13:For\xe6lder D", id="non-text-codec"),
        pytest.param(b"FN;CHARSET=punycode:For\xe6lder D", id="escape-codec"),
        pytest.param(b"FN;CHARSET=UTF\x00-8:For\xe6lder D", id="nul-in-charset"),
    ],
)
def test_text_without_a_usable_charset_falls_back_to_windows_1252(fn_line: bytes) -> None:
    data = b"BEGIN:VCARD\r\nVERSION:2.1\r\n" + fn_line + b"\r\nEND:VCARD\r\n"
    assert parse_vcards(data) == [Contact(name="Forælder D")]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_reads_files_with_a_byte_order_mark(encoding: str) -> None:
    text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Barn Æ\r\nEND:VCARD\r\n"
    data = text.encode(encoding)
    if encoding == "utf-16-le":
        data = codecs.BOM_UTF16_LE + data
    elif encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    assert parse_vcards(data) == [Contact(name="Barn Æ")]


@pytest.mark.parametrize(
    ("declared", "expected"),
    [("child", "child"), ("PARENT", "parent"), (" other ", "other"), ("cousin", "other")],
)
def test_relation_comes_from_our_property_only(declared: str, expected: str) -> None:
    data = crlf(
        f"BEGIN:VCARD\nVERSION:4.0\nFN:Barn A\nX-RETENTION-RELATION:{declared}\nEND:VCARD\n"
    )
    assert parse_vcards(data)[0].relation == expected


def test_embedded_21_agent_card_is_not_a_separate_contact() -> None:
    data = crlf(
        "BEGIN:VCARD\nVERSION:2.1\nFN:Forælder B\n"
        "AGENT:\nBEGIN:VCARD\nVERSION:2.1\nFN:Sagsbehandler\nTEL:+45 00 00 00 09\nEND:VCARD\n"
        "END:VCARD\n"
    )
    assert parse_vcards(data) == [Contact(name="Forælder B")]


def test_reads_a_card_with_a_large_folded_photo() -> None:
    # Phones fold a contact photo over tens of thousands of lines; unfolding by appending
    # each line to a growing bytes object would be quadratic in the photo size.
    photo = b"\r\n  ".join(
        [b"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"] * 50_000
    )
    data = (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Barn A\r\nPHOTO;ENCODING=BASE64;JPEG:"
        + photo
        + b"\r\n\r\nTEL:+45 00 00 00 07\r\nEND:VCARD\r\n"
    )
    assert parse_vcards(data) == [Contact(name="Barn A", phone="+45 00 00 00 07")]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\r\n\r\n", id="blank"),
        pytest.param(b"%PDF-1.7\n", id="not-a-vcard"),
        pytest.param(b"BEGIN:VCARD\nFN:Barn A\n", id="unclosed"),
        pytest.param(b"FN:Barn A\nEND:VCARD\n", id="outside-card"),
        pytest.param(b"END:VCARD\n", id="end-without-begin"),
        pytest.param(b"BEGIN:VCARD\nVERSION:4.0\nEND:VCARD\n", id="no-name"),
        pytest.param(b"BEGIN:VCARD\nFN:\nN:;;;;\nEND:VCARD\n", id="empty-name"),
        pytest.param(b"BEGIN:VCARD\nFN Barn A\nEND:VCARD\n", id="no-colon"),
        pytest.param(b"BEGIN:VCARD\nF N:Barn A\nEND:VCARD\n", id="bad-property-name"),
        pytest.param(b"BEGIN:VCARD\nFN;ENCODING=b:QQ==\nEND:VCARD\n", id="base64-name"),
        pytest.param(b"\xff\xfeB\x00\x00\xd8", id="broken-utf-16"),
    ],
)
def test_unreadable_files_raise_bad_contact_with_position(data: bytes) -> None:
    with pytest.raises(BadContact) as caught:
        parse_vcards(data, position=4)
    assert caught.value.fields == {"position": 4}
    assert "4" in caught.value.user_text()
    assert isinstance(caught.value.__cause__, VCardError)


def test_to_vcard_is_folded_utf8_crlf_vcard_40() -> None:
    contact = Contact(name="Barn Æ " + "ø" * 80, email="barn.ae@example.org", relation="child")
    data = to_vcard(contact)
    physical = data.split(b"\r\n")
    assert physical[:2] == [b"BEGIN:VCARD", b"VERSION:4.0"]
    assert physical[-2:] == [b"END:VCARD", b""]
    assert b"X-RETENTION-RELATION:child" in physical
    assert all(len(line) <= 75 for line in physical)
    # Folding must not cut a multi-byte character: every physical line is valid UTF-8.
    for line in physical:
        line.decode("utf-8")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert parse_vcards(data) == [contact]


def test_other_readers_understand_our_vcards() -> None:
    contact = Contact(
        name="Forælder B, Demo", phone="+45 00 00 00 05", email="b@example.org", relation="parent"
    )
    card = vobject.readOne(to_vcard(contact).decode("utf-8"))
    assert card.fn.value == "Forælder B, Demo"
    assert card.tel.value == "+45 00 00 00 05"
    assert card.email.value == "b@example.org"


def test_contact_normalises_fields() -> None:
    contact = Contact(name="  Barn A\r\n", phone="", email="  ", address="Vej 1\r\n0000 By\r")
    assert contact == Contact(name="Barn A", address="Vej 1\n0000 By")
    assert contact.phone is None
    assert contact.email is None


@pytest.mark.parametrize("name", ["", "   ", "\r\n"])
def test_contact_needs_a_name(name: str) -> None:
    with pytest.raises(ContactNeedsName):
        Contact(name=name)


def test_contact_rejects_unknown_relation() -> None:
    with pytest.raises(ValueError, match="relation"):
        Contact(name="Barn A", relation="cousin")  # type: ignore[arg-type]


def test_json_round_trip() -> None:
    contact = Contact(
        name="Barn A",
        phone="+45 00 00 00 06",
        email="barn.a@example.org",
        address="Eksempelvej 3\n0000 Demoby",
        relation="child",
    )
    data = to_json(contact)
    assert data == {
        "name": "Barn A",
        "phone": "+45 00 00 00 06",
        "email": "barn.a@example.org",
        "address": "Eksempelvej 3\n0000 Demoby",
        "relation": "child",
    }
    assert from_json(data) == contact


def test_from_json_fills_missing_optional_fields() -> None:
    assert from_json({"name": "Barn A"}) == Contact(name="Barn A")


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"name": ""},
        {"name": 7},
        {"name": "Barn A", "phone": 12345678},
        {"name": "Barn A", "relation": "cousin"},
    ],
)
def test_from_json_rejects_what_to_json_never_writes(data: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="contact metadata"):
        from_json(data)


# Hypothesis's default text alphabet has no lone surrogates, which cannot be UTF-8.
names = st.text(min_size=1).filter(lambda s: s.strip() != "")
optional_text = st.none() | st.text()
contacts = st.builds(
    Contact,
    name=names,
    phone=optional_text,
    email=optional_text,
    address=optional_text | st.lists(st.text(), min_size=1).map("\n".join),
    relation=st.sampled_from(["child", "parent", "other"]),
)


@given(contacts)
@example(Contact(name="Barn A", phone="tel:+45 00 00 00 08", address="Vej 1\\;\n\\n"))
def test_to_vcard_round_trips(contact: Contact) -> None:
    assert parse_vcards(to_vcard(contact)) == [contact]


@given(st.lists(contacts, min_size=1, max_size=4))
def test_several_cards_in_one_file_round_trip(cards: list[Contact]) -> None:
    assert parse_vcards(b"".join(to_vcard(card) for card in cards)) == cards


@settings(max_examples=300)
@given(st.binary())
def test_arbitrary_bytes_raise_only_bad_contact(data: bytes) -> None:
    try:
        result = read_vcards(data)
    except BadContact:
        return
    assert result.contacts


vcard_lines = st.sampled_from(
    [
        b"BEGIN:VCARD",
        b"END:VCARD",
        b"VERSION:2.1",
        b"FN:Barn A",
        b"N:A;Barn;;;",
        b"TEL;VALUE=uri:tel:+45",
        b"ADR;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:;;=C3=A6=",
        b'EMAIL;TYPE="a:b";X=1:b@example.org',
        b"X-RETENTION-RELATION:child",
        b" folded",
        b"",
    ]
) | st.binary(max_size=12)


@settings(max_examples=500)
@given(st.lists(vcard_lines, max_size=12), st.sampled_from([b"\r\n", b"\n", b"\r"]))
def test_near_vcard_input_raises_only_bad_contact(lines: list[bytes], newline: bytes) -> None:
    try:
        result = read_vcards(newline.join(lines))
    except BadContact:
        return
    assert result.contacts
    assert all(isinstance(contact, Contact) for contact in result.contacts)
