"""Zip archives from outside: every trick refused before anything is read, with one
line; damage found while reading becomes one line too; nothing is ever unpacked."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from retention_agent.errors import RetentionError
from retention_agent.formats import archive
from retention_agent.formats.archive import SafeZip
from retention_agent.formats.errors import (
    DamagedExport,
    ZipBomb,
    ZipEncrypted,
    ZipSymlink,
    ZipUnsafeName,
    ZipUnsupported,
)


def build(*entries: tuple[zipfile.ZipInfo | str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            target.writestr(info, data)
    return out.getvalue()


def info(name: str, **attributes: int) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=(2026, 3, 1, 9, 30, 0))
    entry.compress_type = zipfile.ZIP_DEFLATED
    for key, value in attributes.items():
        setattr(entry, key, value)
    return entry


def open_zip(data: bytes, label: str = "chat.zip") -> SafeZip:
    return SafeZip(io.BytesIO(data), label)


def test_reads_entries_without_unpacking(tmp_path: Path) -> None:
    data = build(("_chat.txt", "Hej æøå 😊".encode()), ("media/IMG-1.jpg", b"\xff\xd8" * 100))
    before = sorted(tmp_path.rglob("*"))
    opened = open_zip(data)
    assert [entry.name for entry in opened.entries] == ["_chat.txt", "media/IMG-1.jpg"]
    with opened.open(opened.entries[0]) as stream:
        assert stream.read().decode() == "Hej æøå 😊"
    assert opened.head(opened.entries[1], 4) == b"\xff\xd8\xff\xd8"
    assert sorted(tmp_path.rglob("*")) == before


def test_folders_in_the_archive_are_not_entries() -> None:
    opened = open_zip(build(("folder/", b""), ("folder/a.txt", b"a")))
    assert [entry.name for entry in opened.entries] == ["folder/a.txt"]


@pytest.mark.parametrize(
    "name",
    ["../../x", "a/../../x", "/etc/x", "\\\\server\\share\\x", "C:\\x", "c:/x", "..\\..\\x"],
)
def test_names_pointing_outside_are_refused(name: str) -> None:
    with pytest.raises(ZipUnsafeName) as caught:
        open_zip(build(("_chat.txt", b"chat"), (info(name), b"evil")))
    assert caught.value.fields == {"name": "chat.zip"}


def test_symbolic_links_are_refused() -> None:
    link = info("IMG-1.jpg", external_attr=(stat.S_IFLNK | 0o777) << 16, create_system=3)
    with pytest.raises(ZipSymlink):
        open_zip(build(("_chat.txt", b"chat"), (link, b"/etc/passwd")))


def test_encrypted_entries_are_refused() -> None:
    data = bytearray(build(("_chat.txt", b"chat")))
    # Set bit 0 (encrypted) of the general purpose flags in the central directory.
    central = data.rindex(b"PK\x01\x02")
    data[central + 8] |= 0x1
    with pytest.raises(ZipEncrypted):
        open_zip(bytes(data))


def test_other_compression_methods_are_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_BZIP2) as target:
        target.writestr("_chat.txt", b"chat" * 100)
    with pytest.raises(ZipUnsupported):
        open_zip(out.getvalue())


def test_an_entry_that_unpacks_to_hundreds_of_times_its_size_is_a_bomb() -> None:
    with pytest.raises(ZipBomb):
        open_zip(build(("_chat.txt", b"chat"), ("zeros.bin", bytes(4 << 20))))


def test_small_entries_may_compress_well() -> None:
    opened = open_zip(build(("_chat.txt", b"a" * 100_000)))
    assert opened.entries[0].size == 100_000


def test_too_much_in_total_is_a_bomb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_TOTAL", 1000)
    with pytest.raises(ZipBomb):
        open_zip(build(("a.txt", b"a" * 600), ("b.txt", b"b" * 600)))


def test_too_many_entries_is_a_bomb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_ENTRIES", 5)
    with pytest.raises(ZipBomb):
        open_zip(build(*((f"{n}.txt", b"x") for n in range(6))))


def overlapping(copies: int) -> bytes:
    """One stored entry listed ``copies`` times in the central directory, every listing
    pointing at the same data: the trick of non-recursive zip bombs."""
    payload = bytes(range(256)) * 40
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as target:
        target.writestr("a.bin", payload)
    data = out.getvalue()
    central = data.index(b"PK\x01\x02")
    end = data.index(b"PK\x05\x06")
    record = data[central:end]
    name_length = struct.unpack("<H", record[28:30])[0]
    records = [
        record[:46] + f"{n:0{name_length}d}"[:name_length].encode() + record[46 + name_length :]
        for n in range(copies)
    ]
    directory = b"".join(records)
    eocd = bytearray(data[end:])
    struct.pack_into("<HHII", eocd, 8, copies, copies, len(directory), central)
    return data[:central] + directory + bytes(eocd)


def test_entries_sharing_their_data_are_a_bomb() -> None:
    assert len(open_zip(overlapping(1)).entries) == 1
    with pytest.raises(ZipBomb):
        open_zip(overlapping(3))


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_two_entries_of_one_name_are_damage() -> None:
    with pytest.raises(DamagedExport):
        open_zip(build(("_chat.txt", b"a"), ("_chat.txt", b"b")))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="cut-in-half"),
        pytest.param(lambda data: data[:-10], id="end-record-cut"),
        pytest.param(lambda data: b"PK\x03\x04" + bytes(60), id="only-a-header"),
        pytest.param(lambda data: b"", id="empty"),
    ],
)
def test_truncated_archives_are_damage(damage: Callable[[bytes], bytes]) -> None:
    with pytest.raises(DamagedExport):
        open_zip(damage(build(("_chat.txt", b"chat " * 1000))))


def test_damage_inside_an_entry_shows_when_it_is_read() -> None:
    data = bytearray(build(("IMG-1.jpg", bytes(range(256)) * 100)))
    data[60] ^= 0xFF  # inside the packed data
    opened = open_zip(bytes(data))
    with pytest.raises(DamagedExport), opened.open(opened.entries[0]) as stream:
        stream.read()


def test_a_header_understating_the_size_is_damage_not_a_flood() -> None:
    data = bytearray(build(("IMG-1.jpg", b"x" * 5000)))
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)  # uncompressed size: 10 bytes
    opened = open_zip(bytes(data))
    with pytest.raises(RetentionError), opened.open(opened.entries[0]) as stream:
        assert len(stream.read()) <= 10


def test_an_entry_shorter_than_its_header_says_is_damage() -> None:
    data = bytearray(build(("IMG-1.jpg", b"x" * 5000)))
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 6000)  # uncompressed size: 6000 bytes
    opened = open_zip(bytes(data))
    with pytest.raises(DamagedExport), opened.open(opened.entries[0]) as stream:
        stream.read()
