"""Which export a path is: recognised by content; anything else refused with one line
that names the known formats; links and special files are never followed."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from retention_agent import i18n
from retention_agent.demo import exports
from retention_agent.demo.exports import Thread
from retention_agent.errors import SourceIsSpecial, SourceIsSymlink, SourceMissing
from retention_agent.formats.addresses import Addresses
from retention_agent.formats.detect import read_export
from retention_agent.formats.errors import UnknownFormat

CASE = Addresses.of(phones=["12345678"], emails=["foraelder@example.org"])


def detect(path: Path) -> str:
    with read_export(path, addresses=CASE) as export:
        return export.format


def test_each_format_is_recognised_whatever_its_name(tmp_path: Path) -> None:
    zipped = exports.whatsapp_zip(tmp_path / "a.bin", "ios", 5)
    text = tmp_path / "b.bin"
    text.write_bytes(exports.chat_text("android", 5))
    backup = exports.sms_backup(tmp_path / "c.bin", [Thread("12345678", 2)])
    eml = tmp_path / "d.bin"
    eml.write_bytes(exports.mail("foraelder@example.org", "os@example.org"))
    mbox = exports.mbox(tmp_path / "e.bin", [eml.read_bytes()])
    folder = exports.whatsapp_folder(tmp_path / "f", "android", 5)
    assert [detect(p) for p in (zipped, text, backup, eml, mbox, folder)] == [
        "whatsapp",
        "whatsapp",
        "sms",
        "mail",
        "mail",
        "whatsapp",
    ]


def unknown(tmp_path: Path) -> list[Path]:
    files = {
        "empty": b"",
        "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        "vcard": b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Barn A\r\nEND:VCARD\r\n",
        "text": "Noter om weekenden: æbler og pærer".encode(),
        "xml": b'<?xml version="1.0"?><calls count="0"/>',
        "binary": bytes(range(256)),
    }
    paths = []
    for number, data in enumerate(files.values()):
        path = tmp_path / f"fil-{number}"
        path.write_bytes(data)
        paths.append(path)
    with zipfile.ZipFile(tmp_path / "fil-zip", "w") as archive:
        archive.writestr("IMG_0001.JPG", b"\xff\xd8")
    paths.append(tmp_path / "fil-zip")
    (tmp_path / "fil-mappe").mkdir()
    paths.append(tmp_path / "fil-mappe")
    return paths


def test_anything_else_is_refused_naming_the_known_formats(tmp_path: Path) -> None:
    i18n.set_language("en")
    for path in unknown(tmp_path):
        with pytest.raises(UnknownFormat) as caught:
            detect(path)
        text = caught.value.user_text()
        assert "WhatsApp" in text
        assert "SMS Backup & Restore" in text
        assert ".mbox" in text
        assert text.startswith(f"'{path}' is not an export")


def test_the_refusal_is_danish_under_a_danish_locale(tmp_path: Path) -> None:
    i18n.set_language("da")
    with pytest.raises(UnknownFormat) as caught:
        detect(unknown(tmp_path)[0])
    assert "er ikke en eksport" in caught.value.user_text()


def test_links_and_special_files_are_refused(tmp_path: Path) -> None:
    target = exports.whatsapp_zip(tmp_path / "chat.zip", "ios", 5)
    (tmp_path / "link.zip").symlink_to(target)
    with pytest.raises(SourceIsSymlink):
        detect(tmp_path / "link.zip")
    with pytest.raises(SourceMissing):
        detect(tmp_path / "missing.zip")
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(SourceIsSpecial):
        detect(tmp_path / "pipe")
