"""E-mail: an .eml or the mails of an mbox (a file, or Apple Mail's folder) that involve
the case's addresses become message parts, their images photo parts; the rest are
counted; a mailbox is never removed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from retention_agent.demo import exports
from retention_agent.errors import SourceChanged
from retention_agent.formats import mail
from retention_agent.formats.addresses import Addresses
from retention_agent.formats.detect import read_export
from retention_agent.formats.parts import Export

CASE = Addresses.of(emails=["Foraelder.B@example.org", "barn.a@example.org"])
FAMILY = "Forælder B <foraelder.b@EXAMPLE.org>"
US = "Os <os@example.org>"


def read(path: Path) -> Export:
    return read_export(path, addresses=CASE)


def opened(export: Export) -> list[bytes]:
    found = []
    for part in export.parts:
        with part.open() as stream:
            found.append(stream.read())
    return found


def test_an_eml_from_a_case_contact_is_taken_with_its_photos(tmp_path: Path) -> None:
    data = exports.mail(FAMILY, US, photos=2)
    path = tmp_path / "Weekend med Barn A.eml"
    path.write_bytes(data)
    with read(path) as export:
        names = [(part.kind, part.name) for part in export.parts]
        content = opened(export)
        assert export.remove == (path,)
        assert not export.holds_other
    assert names == [
        ("message", "mail-0001.eml"),
        ("photo", "mail-0001-photo-01.jpg"),
        ("photo", "mail-0001-photo-02.jpg"),
    ]
    assert content[0] == data
    assert content[1:] == [exports.jpeg(100, (32, 24)), exports.jpeg(101, (32, 24))]


def test_an_eml_without_the_case_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "andet.eml"
    path.write_bytes(exports.mail("Nabo <nabo@example.org>", US))
    with read(path) as export:
        assert export.parts == ()
        assert export.left_out == 1
        assert export.holds_other
        assert export.remove == ()


@pytest.mark.parametrize("header", ["To", "Cc", "Bcc", "Reply-To", "Sender", "Resent-To"])
def test_any_participant_header_makes_it_the_cases(header: str) -> None:
    data = f"From: os@example.org\r\n{header}: Barn <BARN.A@example.org>\r\n\r\nHej\r\n"
    assert mail.participants(data.encode())[-1] == "BARN.A@example.org"
    assert CASE.has_email(mail.participants(data.encode())[-1])


def mailbox_mails() -> list[bytes]:
    return [
        exports.mail(FAMILY, US, number=1, photos=1),
        exports.mail("Nabo <nabo@example.org>", US, number=2, photos=1),
        exports.mail(US, "Skolen <skole@example.org>", number=3, cc="barn.a@example.org"),
        exports.mail("Nabo <nabo@example.org>", US, number=4),
    ]


def test_an_mbox_gives_the_cases_mails_and_keeps_the_mailbox(tmp_path: Path) -> None:
    mails = mailbox_mails()
    path = exports.mbox(tmp_path / "Inbox", mails)
    with read(path) as export:
        names = [part.name for part in export.parts]
        content = opened(export)
        assert export.left_out == 2
        assert export.holds_other
        assert export.remove == ()
        assert export.origin["mails"] == 2
    assert names == ["mail-0001.eml", "mail-0001-photo-01.jpg", "mail-0002.eml"]
    assert content[0] == mails[0].replace(b"\r\n", b"\n")
    assert content[1] == exports.jpeg(100, (32, 24))
    assert content[2] == mails[2].replace(b"\r\n", b"\n")


def test_an_mbox_of_only_the_cases_mails_is_still_never_removed(tmp_path: Path) -> None:
    path = exports.mbox(tmp_path / "Barn A", [exports.mail(FAMILY, US)])
    with read(path) as export:
        assert not export.holds_other
        assert export.remove == ()


def test_an_apple_mail_mbox_folder(tmp_path: Path) -> None:
    folder = tmp_path / "Barn A.mbox"
    folder.mkdir()
    exports.mbox(folder / "mbox", mailbox_mails())
    (folder / "table_of_contents").write_bytes(b"\x00\x01")
    with read(folder) as export:
        assert export.origin["source"] == "Barn A.mbox"
        assert len(opened(export)) == 3


def test_from_lines_inside_a_body_do_not_split_a_mail(tmp_path: Path) -> None:
    body = b"From: os@example.org\nTo: barn.a@example.org\n\nHej\nFrom here on\n>From there\n"
    path = tmp_path / "Inbox"
    path.write_bytes(b"From x@example.org Sun Mar  1 09:30:00 2026\n" + body + b"\n")
    with read(path) as export:
        assert opened(export) == [body]


def test_crlf_mboxes_are_read(tmp_path: Path) -> None:
    path = exports.mbox(tmp_path / "Inbox", mailbox_mails())
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    with read(path) as export:
        assert [part.kind for part in export.parts] == ["message", "photo", "message"]
        assert opened(export)[1] == exports.jpeg(100, (32, 24))


def test_a_mailbox_changed_before_the_parts_are_read_is_refused(tmp_path: Path) -> None:
    path = exports.mbox(tmp_path / "Inbox", mailbox_mails())
    with read(path) as export:
        with path.open("ab") as out:
            out.write(b"From x Sun Mar  1 09:30:00 2026\nFrom: ny@example.org\n\nny\n")
        os.utime(path, ns=(1, 1))
        with pytest.raises(SourceChanged):
            export.parts[0].open()
