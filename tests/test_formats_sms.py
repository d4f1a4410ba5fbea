"""SMS Backup & Restore files: only the conversations with the case's own numbers are
taken (compared in normalised form), the rest counted; MMS photos become photo parts;
unsafe or damaged XML is refused with one line."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest

from retention_agent.demo import exports
from retention_agent.demo.exports import Thread
from retention_agent.formats import sms
from retention_agent.formats.addresses import Addresses
from retention_agent.formats.detect import read_export
from retention_agent.formats.errors import DamagedExport, UnknownFormat, UnsafeXml
from retention_agent.formats.parts import Export

# Danish subscriber numbers never start with 1 (those are short codes): no real person.
CASE = Addresses.of(phones=["+45 12 34 56 78"], emails=["foraelder@example.org"])


def read(path: Path, addresses: Addresses = CASE) -> Export:
    return read_export(path, addresses=addresses)


def test_only_the_cases_conversations_are_taken(tmp_path: Path) -> None:
    path = exports.sms_backup(
        tmp_path / "sms.xml",
        [
            Thread("12345678", 4, photos=2),
            Thread("+4512345678", 3),  # the same person, as the phone wrote it another time
            Thread("004512345678", 1),
            Thread("+45 19 99 99 99", 7, photos=1),  # someone else
            Thread("Netto", 2),  # a shop's sender name
        ],
    )
    with read(path) as export:
        kinds = [(part.kind, part.name) for part in export.parts]
        assert export.format == "sms"
        assert export.left_out == 2
        assert export.left_out_messages == 10
        assert export.holds_other
        assert export.remove == ()
        conversation = export.parts[0]
        assert conversation.meta["messages"] == 10
        with conversation.open() as stream:
            document = stream.read()
    assert kinds == [
        ("message", "sms-conversation-001.xml"),
        ("photo", "sms-photo-0001.jpg"),
        ("photo", "sms-photo-0002.jpg"),
    ]
    # The conversation is itself a backup file holding exactly its own elements.
    again = sms.read_backup(io.BytesIO(document), Path("again.xml"), CASE, "again.xml")
    assert again.origin["conversations"] == 1
    assert again.left_out == 0
    assert [p.kind for p in again.parts] == ["message", "photo", "photo"]
    assert b"Netto" not in document
    assert b"19999999" not in document


def test_mms_photos_are_the_decoded_images(tmp_path: Path) -> None:
    path = exports.sms_backup(tmp_path / "sms.xml", [Thread("+4512345678", 0, photos=1)])
    with read(path) as export, export.parts[1].open() as stream:
        photo = stream.read()
    assert photo.startswith(b"\xff\xd8")
    assert photo == exports.jpeg(0, (32, 24))
    assert base64.b64encode(photo) in path.read_bytes()


def test_a_backup_of_only_the_cases_conversations_may_be_removed(tmp_path: Path) -> None:
    path = exports.sms_backup(tmp_path / "sms.xml", [Thread("+45 12 34 56 78", 5)])
    with read(path) as export:
        assert not export.holds_other
        assert export.remove == (path,)


def test_a_group_conversation_with_a_case_contact_is_taken(tmp_path: Path) -> None:
    path = exports.sms_backup(tmp_path / "sms.xml", [Thread("+4519999999~12345678", 0, 1)])
    with read(path) as export:
        assert [part.kind for part in export.parts] == ["message", "photo"]
        assert export.parts[0].meta["participants"] == ["+4519999999", "12345678"]


def test_with_no_case_numbers_nothing_is_taken(tmp_path: Path) -> None:
    path = exports.sms_backup(tmp_path / "sms.xml", [Thread("+4512345678", 5)])
    with read(path, Addresses()) as export:
        assert export.parts == ()
        assert export.left_out == 1
        assert export.holds_other


def test_other_elements_mean_the_file_holds_more(tmp_path: Path) -> None:
    path = tmp_path / "sms.xml"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"2\">"
        '<sms address="12345678" date="1" type="1" body="Hej æøå 😊 مرحبا" />'
        '<call number="12345678" duration="10" /></smses>',
        encoding="utf-8",
    )
    with read(path) as export:
        assert len(export.parts) == 1
        assert export.holds_other
        assert export.remove == ()


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE smses [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
    '<smses count="1"><sms address="12345678" body="&b;" /></smses>'
)
EXTERNAL = (
    '<?xml version="1.0"?>\n<!DOCTYPE smses [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    '<smses count="1"><sms address="12345678" body="&x;" /></smses>'
)


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL], ids=["entities", "external"])
def test_entities_and_dtds_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "sms.xml"
    path.write_text(text)
    with pytest.raises(UnsafeXml) as caught:
        sms.read_backup(path.open("rb"), path, CASE, "sms.xml")
    assert caught.value.fields == {"name": "sms.xml"}


def test_a_truncated_backup_is_damaged(tmp_path: Path) -> None:
    path = exports.sms_backup(tmp_path / "sms.xml", [Thread("+4512345678", 20, photos=1)])
    path.write_bytes(path.read_bytes()[:-500])
    with pytest.raises(DamagedExport):
        read(path)
    assert path.exists()


def test_a_call_log_is_not_an_sms_backup(tmp_path: Path) -> None:
    path = tmp_path / "calls.xml"
    path.write_text('<?xml version="1.0"?>\n<calls count="1"><call number="1" /></calls>')
    with pytest.raises(UnknownFormat):
        read(path)
