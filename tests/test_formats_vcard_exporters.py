"""vCards as real exporters write them, imitated from each program's documented or
observed format (RFC 2426/6350 and the vCard 2.1 spec plus each program's quirks). All
people are invented: example.org addresses and Danish numbers starting with 0, which
Denmark never assigns. Photos are a few bytes of base64, folded the way each program
folds them."""

from __future__ import annotations

import codecs

import pytest

from retention_agent.errors import BadContact
from retention_agent.formats.vcard import Contact, read_vcards

PHOTO_B64 = "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwg" * 40


def lines(*rows: str, newline: str = "\r\n", encoding: str = "utf-8") -> bytes:
    return "".join(row + newline for row in rows).encode(encoding)


def folded(prefix: str, value: str, width: int, indent: str) -> list[str]:
    """``prefix + value`` cut into ``width``-character physical lines, each continuation
    starting with ``indent``."""
    text = prefix + value
    rows = [text[:width]]
    rows += [indent + text[i : i + width] for i in range(width, len(text), width)]
    return rows


# --- Android ---------------------------------------------------------------------------

# Android's contacts app exports 2.1: quoted-printable UTF-8 for anything not ASCII, bare
# parameters, a base64 photo indented by two spaces and closed by a blank line, and
# contacts without a name (only an e-mail address or a number) as they are.
ANDROID_21 = lines(
    "BEGIN:VCARD",
    "VERSION:2.1",
    "EMAIL;HOME:kun.mail@example.org",
    "END:VCARD",
    "BEGIN:VCARD",
    "VERSION:2.1",
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:S=C3=B8rensen;Bj=C3=B8rn;;;",
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Bj=C3=B8rn S=C3=B8rensen",
    "TEL;CELL;PREF:+45 00 00 00 11",
    "TEL;WORK:00 00 00 21",
    "EMAIL;HOME:bjorn@example.org",
    "ADR;HOME;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;=C3=85boulevarden 1;K=C3=B8ben=",
    "havn;;0000;Danmark",
    *folded("PHOTO;ENCODING=BASE64;JPEG:", PHOTO_B64, 76, "  "),
    "",
    "END:VCARD",
    "BEGIN:VCARD",
    "VERSION:2.1",
    "TEL;CELL:00 00 00 12",
    "END:VCARD",
)

# Newer Google Contacts apps export 3.0 in plain UTF-8.
ANDROID_30 = lines(
    "BEGIN:VCARD",
    "VERSION:3.0",
    "N:Ærø;Åse;;;",
    "FN:Åse Ærø",
    "TEL;TYPE=CELL:+4500000013",
    "EMAIL;TYPE=HOME:ase@example.org",
    "END:VCARD",
)

# --- Apple -------------------------------------------------------------------------------

# iPhone and macOS Contacts write 3.0 with item groups and labels, "type=" in lower
# case, and a photo folded at 75 characters with one space. The export seen in the
# issue had "\r\r\n" line endings (a CRLF file passed once more through a converter).
IOS_ROWS = (
    "BEGIN:VCARD",
    "VERSION:3.0",
    "PRODID:-//Apple Inc.//iPhone OS 17.4//EN",
    "N:Æblegaard;Søs;;;",
    "FN:Søs Æblegaard",
    "item1.TEL;type=pref:+45 00 00 00 14",
    "item1.X-ABLabel:_$!<Mobile>!$_",
    "item2.EMAIL;type=INTERNET;type=pref:sos@example.org",
    "item2.X-ABLabel:_$!<Home>!$_",
    "item3.ADR;type=HOME;type=pref:;;Østergade 2;Århus;;0000;Danmark",
    *folded("PHOTO;ENCODING=b;TYPE=JPEG:", PHOTO_B64 * 20, 75, " "),
    "END:VCARD",
    "BEGIN:VCARD",
    "VERSION:3.0",
    "PRODID:-//Apple Inc.//iPhone OS 17.4//EN",
    "N:;;;;",
    "ORG:Fritidsklubben Ø;",
    "X-ABShowAs:COMPANY",
    "END:VCARD",
)
IOS_CRLF = lines(*IOS_ROWS)
IOS_CRCRLF = lines(*IOS_ROWS, newline="\r\r\n")
# Mac OS X Address Book could export "Unicode": UTF-16, big-endian with a mark, or
# without one after some copy tools dropped it.
MACOS_UTF16 = codecs.BOM_UTF16_BE + lines(*IOS_ROWS, encoding="utf-16-be")
MACOS_UTF16_NO_BOM = lines(*IOS_ROWS, encoding="utf-16-le")
# Classic Mac OS line endings: a carriage return alone.
MACOS_CR = lines(*IOS_ROWS, newline="\r")

# --- Gmail -------------------------------------------------------------------------------

# Google Contacts' "vCard (for iOS Contacts)" export: 3.0, escaped colons in URLs, and
# nameless contacts with an empty FN and N.
GMAIL = lines(
    "BEGIN:VCARD",
    "VERSION:3.0",
    "FN:Jørgen Ølstykke",
    "N:Ølstykke;Jørgen;;;",
    "EMAIL;TYPE=INTERNET;TYPE=HOME:jorgen@example.org",
    "TEL;TYPE=CELL:+45 00 00 00 15",
    "ADR;TYPE=HOME:;;Vej 3;Ålborg;;0000;DK",
    "item1.URL:https\\://example.org",
    "item1.X-ABLabel:",
    "CATEGORIES:myContacts",
    "END:VCARD",
    "BEGIN:VCARD",
    "VERSION:3.0",
    "FN:",
    "N:;;;;",
    "EMAIL;TYPE=INTERNET:Ukendt@Example.org",
    "CATEGORIES:myContacts",
    "END:VCARD",
)

# --- Outlook -------------------------------------------------------------------------------

# Outlook 2003-2016 "Save as vCard": 2.1 in the Windows code page without a CHARSET,
# quoted-printable addresses with =0D=0A, LABEL, and a photo indented by a space.
OUTLOOK_2003 = lines(
    "BEGIN:VCARD",
    "VERSION:2.1",
    "N;LANGUAGE=da:Hansen;Søren",
    "FN:Søren Hansen",
    "ORG:Skolen på Bakken",
    "TEL;CELL;VOICE:+45 00 00 00 16",
    "ADR;HOME;ENCODING=QUOTED-PRINTABLE:;;S=F8vej 4=0D=0A1. th.;B=E6kby;;0000;Danmark",
    "LABEL;HOME;ENCODING=QUOTED-PRINTABLE:S=F8vej 4=0D=0A1. th.=0D=0A0000 B=E6kby",
    "EMAIL;PREF;INTERNET:soren@example.org",
    "X-MS-OL-DEFAULT-POSTAL-ADDRESS:1",
    *folded("PHOTO;TYPE=JPEG;ENCODING=BASE64:", PHOTO_B64, 76, " "),
    "",
    'X-MS-OL-DESIGN;CHARSET=utf-8:<card xmlns="http://schemas.microsoft.com/office/'
    'outlook/12/electronicbusinesscards.xsd" ver="1.0" layout="left"></card>',
    "REV:20260301T120000Z",
    "END:VCARD",
    encoding="cp1252",
)

# Outlook 2019/365 declares the charset, and folds quoted-printable with soft breaks,
# even inside a character's bytes.
OUTLOOK_365 = lines(
    "BEGIN:VCARD",
    "VERSION:2.1",
    "N;LANGUAGE=da;CHARSET=utf-8:Kjær;Mette",
    "FN;CHARSET=utf-8:Mette Kjær",
    "TEL;HOME;VOICE:00 00 00 17",
    "ADR;HOME;CHARSET=utf-8;ENCODING=QUOTED-PRINTABLE:;;Fjordvej 5;R=C3=B8dby;;0000;Dan=",
    "mark",
    "NOTE;CHARSET=utf-8;ENCODING=QUOTED-PRINTABLE:Henter p=C3=A5 l=C3=B8rdag, ring f=C3=",
    "=B8rst.",
    "EMAIL;PREF;INTERNET:mette@example.org",
    "END:VCARD",
)

# --- Thunderbird and Evolution ------------------------------------------------------------

# Thunderbird 102 and later: 4.0, TEL as text, PREF=1, a UID.
THUNDERBIRD = lines(
    "BEGIN:VCARD",
    "VERSION:4.0",
    "PRODID:-//Mozilla.org/NONSGML Mozilla Contact v1//EN",
    "N:Dahl;Ida;;;",
    "FN:Ida Dahl",
    "EMAIL;PREF=1:ida@example.org",
    "EMAIL:ida.arbejde@example.org",
    "TEL;TYPE=cell;VALUE=TEXT:+45 00 00 00 18",
    "UID:8a1c2d3e-0000-4000-8000-000000000001",
    "END:VCARD",
)

# Evolution: 3.0 with X-EVOLUTION parameters, folded by bytes at 75 octets, which can
# cut a UTF-8 character in two.
_EVOLUTION_NOTE = "NOTE:" + "Søndagsture på æblegården " * 4
EVOLUTION = b"".join(
    [
        lines(
            "BEGIN:VCARD",
            "VERSION:3.0",
            "X-EVOLUTION-FILE-AS:Ørsted\\, Ærlig",
            "FN:Ærlig Ørsted",
            "N:Ørsted;Ærlig;;;",
            "TEL;X-EVOLUTION-UI-SLOT=1;TYPE=CELL:+45 00 00 00 19",
            "EMAIL;X-EVOLUTION-UI-SLOT=1;TYPE=HOME:aerlig@example.org",
        ),
        b"\r\n ".join(
            _EVOLUTION_NOTE.encode()[i : i + 75]
            for i in range(0, len(_EVOLUTION_NOTE.encode()), 75)
        ),
        b"\r\n",
        lines("END:VCARD"),
    ]
)

# --- Lotus Notes and BlackBerry ---------------------------------------------------------

# Lotus Notes: 3.0 in ISO-8859-1 declared per property, and a 2.1 photo whose base64
# lines are not indented at all.
LOTUS_NOTES = lines(
    "BEGIN:VCARD",
    "VERSION:2.1",
    "N;CHARSET=ISO-8859-1:Bæk;Åge",
    "FN;CHARSET=ISO-8859-1:Åge Bæk",
    "TEL;WORK:00 00 00 20",
    *folded("PHOTO;ENCODING=BASE64;TYPE=JPEG:", PHOTO_B64, 64, ""),
    "",
    "EMAIL;INTERNET:age@example.org",
    "END:VCARD",
    encoding="latin-1",
)

# BlackBerry Desktop Manager: 2.1 quoted-printable UTF-8 with soft breaks after every
# 76 characters, the next line starting wherever the break fell.
BLACKBERRY = lines(
    "BEGIN:VCARD",
    "VERSION:2.1",
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Gr=C3=B8nl=C3=BCnd;=C3=98jvind",
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=98jvind Gr=C3=B8nl=C3=BCnd",
    "TEL;CELL:+45 00 00 00 22",
    "ADR;WORK;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:;;M=C3=B8llevej 6=0D=0ABagh=",
    "uset;N=C3=A6stved;;0000;",
    "END:VCARD",
)

IOS_CONTACTS = [
    Contact(
        name="Søs Æblegaard",
        phone="+45 00 00 00 14",
        email="sos@example.org",
        address="Østergade 2\n0000 Århus\nDanmark",
    ),
    Contact(name="Fritidsklubben Ø"),
]

EXPORTS = {
    "android-2.1": (
        ANDROID_21,
        [
            Contact(name="kun.mail@example.org", email="kun.mail@example.org"),
            Contact(
                name="Bjørn Sørensen",
                phone="+45 00 00 00 11",
                email="bjorn@example.org",
                address="Åboulevarden 1\n0000 København\nDanmark",
            ),
            Contact(name="00 00 00 12", phone="00 00 00 12"),
        ],
    ),
    "android-3.0": (
        ANDROID_30,
        [Contact(name="Åse Ærø", phone="+4500000013", email="ase@example.org")],
    ),
    "ios-crlf": (IOS_CRLF, IOS_CONTACTS),
    "ios-crcrlf": (IOS_CRCRLF, IOS_CONTACTS),
    "macos-utf16": (MACOS_UTF16, IOS_CONTACTS),
    "macos-utf16-no-bom": (MACOS_UTF16_NO_BOM, IOS_CONTACTS),
    "macos-cr": (MACOS_CR, IOS_CONTACTS),
    "gmail": (
        GMAIL,
        [
            Contact(
                name="Jørgen Ølstykke",
                phone="+45 00 00 00 15",
                email="jorgen@example.org",
                address="Vej 3\n0000 Ålborg\nDK",
            ),
            Contact(name="Ukendt@Example.org", email="Ukendt@Example.org"),
        ],
    ),
    "outlook-2003": (
        OUTLOOK_2003,
        [
            Contact(
                name="Søren Hansen",
                phone="+45 00 00 00 16",
                email="soren@example.org",
                address="Søvej 4\n1. th.\n0000 Bækby\nDanmark",
            )
        ],
    ),
    "outlook-365": (
        OUTLOOK_365,
        [
            Contact(
                name="Mette Kjær",
                phone="00 00 00 17",
                email="mette@example.org",
                address="Fjordvej 5\n0000 Rødby\nDanmark",
            )
        ],
    ),
    "thunderbird": (
        THUNDERBIRD,
        [Contact(name="Ida Dahl", phone="+45 00 00 00 18", email="ida@example.org")],
    ),
    "evolution": (
        EVOLUTION,
        [Contact(name="Ærlig Ørsted", phone="+45 00 00 00 19", email="aerlig@example.org")],
    ),
    "lotus-notes": (
        LOTUS_NOTES,
        [Contact(name="Åge Bæk", phone="00 00 00 20", email="age@example.org")],
    ),
    "blackberry": (
        BLACKBERRY,
        [
            Contact(
                name="Øjvind Grønlünd",
                phone="+45 00 00 00 22",
                address="Møllevej 6\nBaghuset\n0000 Næstved",
            )
        ],
    ),
}


@pytest.mark.parametrize("exporter", list(EXPORTS))
def test_reads_every_exporters_file_completely(exporter: str) -> None:
    data, expected = EXPORTS[exporter]
    read = read_vcards(data)
    assert read.complete
    assert list(read.contacts) == expected


def test_every_number_and_address_is_listed_for_matching_messages() -> None:
    read = read_vcards(ANDROID_21 + THUNDERBIRD)
    assert read.phones == ("+45 00 00 00 11", "00 00 00 21", "00 00 00 12", "+45 00 00 00 18")
    assert read.emails == (
        "kun.mail@example.org",
        "bjorn@example.org",
        "ida@example.org",
        "ida.arbejde@example.org",
    )


def test_the_issues_iphone_export_with_a_large_photo_reads() -> None:
    # The file the issue names: "\r\r\n" and a large folded base64 photo. It used to fail
    # with "line 50: no ':' between property name and value".
    photo = folded("PHOTO;ENCODING=b;TYPE=JPEG:", PHOTO_B64 * 400, 75, " ")
    data = lines(*IOS_ROWS[:10], *photo, "END:VCARD", newline="\r\r\n")
    assert read_vcards(data).contacts == (IOS_CONTACTS[0],)


# --- Partly readable files ------------------------------------------------------------------

GOOD = "BEGIN:VCARD\nVERSION:3.0\nFN:Barn {n}\nEND:VCARD\n"


@pytest.mark.parametrize(
    ("broken", "stray"),
    [
        pytest.param("BEGIN:VCARD\nVERSION:3.0\nFN Barn\nEND:VCARD\n", 0, id="malformed-line"),
        pytest.param("BEGIN:VCARD\nVERSION:3.0\nNOTE:x\nEND:VCARD\n", 0, id="nothing-to-name"),
        pytest.param("BEGIN:VCARD\nVERSION:3.0\nFN:Barn", 0, id="cut-off"),
        pytest.param("BEGIN:VCARD\nF N:Barn\nEND:VCARD\n", 0, id="bad-property-name"),
        pytest.param("BEGIN:VCARD\nFN;ENCODING=b:QQ==\nEND:VCARD\n", 0, id="base64-name"),
    ],
)
def test_unreadable_cards_are_reported_by_number(broken: str, stray: int) -> None:
    data = (GOOD.format(n=1) + broken + GOOD.format(n=3)).encode()
    if broken.endswith("Barn"):  # cut off: the next card begins inside it
        data = (GOOD.format(n=1) + broken + "\n" + GOOD.format(n=3)).encode()
    read = read_vcards(data)
    assert read.contacts == (Contact(name="Barn 1"), Contact(name="Barn 3"))
    assert read.unreadable == (2,)
    assert read.stray_lines == stray
    assert not read.complete


def test_a_truncated_file_keeps_the_cards_before_the_cut() -> None:
    data = (GOOD.format(n=1) + GOOD.format(n=2)).encode() + ANDROID_21[:200]
    read = read_vcards(data)
    # The Android file's first card (number 3) is whole; its second is cut off.
    assert [contact.name for contact in read.contacts] == [
        "Barn 1",
        "Barn 2",
        "kun.mail@example.org",
    ]
    assert read.unreadable == (4,)


def test_text_between_cards_is_counted_not_fatal() -> None:
    data = (GOOD.format(n=1) + "Exported by some program\nEND:VCARD\n" + GOOD.format(n=2)).encode()
    read = read_vcards(data)
    assert read.contacts == (Contact(name="Barn 1"), Contact(name="Barn 2"))
    assert read.unreadable == ()
    assert read.stray_lines == 2
    assert not read.complete


def test_an_agent_card_inside_a_contact_is_not_a_card_of_its_own() -> None:
    data = (
        "BEGIN:VCARD\nVERSION:2.1\nFN:Forælder B\nAGENT:\n"
        "BEGIN:VCARD\nVERSION:2.1\nFN:Sagsbehandler\nEND:VCARD\nEND:VCARD\n" + GOOD.format(n=2)
    ).encode()
    read = read_vcards(data)
    assert read.contacts == (Contact(name="Forælder B"), Contact(name="Barn 2"))
    assert read.complete


def test_a_file_with_no_readable_card_is_refused_with_its_position() -> None:
    with pytest.raises(BadContact) as caught:
        read_vcards(b"BEGIN:VCARD\nNOTE:x\nEND:VCARD\nBEGIN:VCARD\nFN:cut", position=3)
    assert caught.value.fields == {"position": 3}
