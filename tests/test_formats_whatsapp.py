"""WhatsApp "Export chat" from Android and iOS, zipped, unzipped into a folder, or the bare
text: the chat becomes one message part, photos and videos photo parts, everything
else message parts; names are neutral and the bytes are the export's own."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from retention_agent.demo import exports
from retention_agent.demo.exports import Attachment, Variant
from retention_agent.errors import SourceChanged
from retention_agent.formats.addresses import Addresses
from retention_agent.formats.detect import read_export
from retention_agent.formats.errors import DamagedExport, UnknownFormat
from retention_agent.formats.parts import Export
from retention_agent.formats.whatsapp import variant_of

NOBODY = Addresses()
VARIANTS: tuple[Variant, ...] = ("android", "ios")


def read(path: Path) -> Export:
    return read_export(path, addresses=NOBODY)


def contents(export: Export) -> dict[str, bytes]:
    found = {}
    for part in export.parts:
        with part.open() as stream:
            found[part.name] = stream.read()
    return found


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_zipped_export_splits_into_chat_photos_and_other_files(
    tmp_path: Path, variant: Variant
) -> None:
    attachments = exports.media(25, variant=variant)
    path = exports.whatsapp_zip(tmp_path / "WhatsApp Chat.zip", variant, 300, attachments)
    with read(path) as export:
        assert export.format == "whatsapp"
        assert export.origin["variant"] == variant
        assert export.origin["messages"] == 300  # attachment lines included
        assert export.remove == (path,)
        assert not export.holds_other
        kinds = [(part.kind, part.name) for part in export.parts]
        data = contents(export)
        entries = [part.meta["entry"] for part in export.parts]
    assert kinds[0] == ("message", "whatsapp-chat.txt")
    assert data["whatsapp-chat.txt"] == exports.chat_text(
        variant, 300, attachments=[a.name for a in attachments]
    )
    by_entry = {a.name: a.data for a in attachments}
    for (kind, name), entry in zip(kinds[1:], entries[1:], strict=True):
        assert data[name] == by_entry[entry]
        expected = "photo" if entry.endswith((".jpg", ".mp4")) else "message"
        assert kind == expected, entry
        assert "Ærø" not in name
        assert "Forælder" not in name
    # 22 photos and a video; the voice notes and the sticker (WhatsApp's own picture)
    # are message parts.
    assert sum(kind == "photo" for kind, _ in kinds) == 23
    assert any("STK-" in entry or "-STICKER-" in entry for entry in entries)


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_export_without_media_is_the_chat_alone(tmp_path: Path, variant: Variant) -> None:
    path = exports.whatsapp_zip(tmp_path / "chat.zip", variant, 40)
    with read(path) as export:
        assert [part.name for part in export.parts] == ["whatsapp-chat.txt"]


def test_the_bare_text_of_an_android_export_is_read(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat with Forælder.txt"
    path.write_bytes(exports.chat_text("android", 12))
    with read(path) as export:
        assert [part.name for part in export.parts] == ["whatsapp-chat.txt"]
        assert contents(export)["whatsapp-chat.txt"] == path.read_bytes()
        assert export.remove == (path,)


@pytest.mark.parametrize(
    ("line", "variant"),
    [
        ("12/03/2026, 14:05 - Forælder: Hej", "android"),
        ("12.03.2026 14.05 - Forælder: Hej", "android"),
        ("3/12/26, 2:05\u202fPM - Forælder: Hej", "android"),
        ("\u200e12/03/2026, 14:05 - Beskeder er krypteret", "android"),
        ("[12/03/2026, 14:05:33] Forælder: Hej", "ios"),
        ("\u200e[12.03.2026 14.05.33] Forælder: ‎billede udeladt", "ios"),
        ("[3/12/26, 2:05:33 PM] Forælder: Hej", "ios"),
        ("Hej med dig", None),
        ("12/03/2026 Forælder: Hej", None),
    ],
)
def test_the_first_line_tells_the_variant(line: str, variant: str | None) -> None:
    assert variant_of(("\ufeff" + line + "\n").encode()) == variant


def test_a_very_long_chat_counts_every_message(tmp_path: Path) -> None:
    path = exports.whatsapp_zip(tmp_path / "long.zip", "android", 20_000)
    with read(path) as export:
        assert export.origin["messages"] == 20_000
        assert len(contents(export)["whatsapp-chat.txt"]) > 20_000 * 30


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_unzipped_folder_takes_the_files_the_chat_names(
    tmp_path: Path, variant: Variant
) -> None:
    attachments = exports.media(6, variant=variant)
    folder = exports.whatsapp_folder(tmp_path / "export", variant, 30, attachments)
    (folder / "Indkøbsliste.txt").write_text("mælk, æg")  # the family's own file
    (tmp_path / "secret.jpg").write_bytes(b"not part of the export")
    (folder / "IMG-link.jpg").symlink_to(tmp_path / "secret.jpg")
    with read(folder) as export:
        entries = sorted(part.meta["entry"] for part in export.parts)
        assert export.holds_other
        removed = sorted(path.name for path in export.remove)
        data = contents(export)
    expected = sorted([exports.chat_file_name(variant)] + [a.name for a in attachments])
    assert entries == expected
    assert removed == expected
    assert b"not part of the export" not in b"".join(data.values())


def test_a_folder_that_only_holds_the_export_holds_nothing_else(tmp_path: Path) -> None:
    folder = exports.whatsapp_folder(
        tmp_path / "export", "ios", 10, exports.media(2, variant="ios")
    )
    with read(folder) as export:
        assert not export.holds_other
        assert len(export.remove) == 3


def test_a_file_changed_after_reading_is_refused(tmp_path: Path) -> None:
    attachments = [Attachment("IMG-20260301-WA0001.jpg", b"\xff\xd8original")]
    folder = exports.whatsapp_folder(tmp_path / "export", "android", 5, attachments)
    with read(folder) as export:
        photo = export.parts[1]
        path = folder / "IMG-20260301-WA0001.jpg"
        path.write_bytes(b"\xff\xd8changed!")
        os.utime(path, ns=(1, 1))
        with pytest.raises(SourceChanged):
            photo.open()


def test_a_zip_without_a_chat_is_not_an_export(tmp_path: Path) -> None:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("IMG-1.jpg", b"\xff\xd8")
        archive.writestr("notes.txt", "Noter om weekenden")
    with pytest.raises(UnknownFormat):
        read(path)


def test_a_truncated_zip_is_damaged(tmp_path: Path) -> None:
    path = exports.whatsapp_zip(tmp_path / "chat.zip", "ios", 50, exports.media(3, variant="ios"))
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DamagedExport):
        read(path)
    assert path.exists()
