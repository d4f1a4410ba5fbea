"""Zip files as exports come in them, read without unpacking anything to disk.

Every entry is checked before any is read, and the whole archive is refused, with one
line, when any entry is:
- a zip bomb: an entry that unpacks to more than ``MAX_RATIO`` times its packed size
  (beyond ``RATIO_FLOOR``), entries that together unpack to more than ``MAX_TOTAL``,
  more than ``MAX_ENTRIES`` entries, or entries whose packed data overlap (their packed
  sizes add up to more than the file holds);
- named to point outside the archive: ``../x``, ``/x``, ``C:\\x``, ``\\\\server\\x``;
- a symbolic link;
- encrypted;
- packed with a method other than stored or deflate (bzip2 and lzma decompress without a
  bound on memory in ``zipfile``).

Reading is bounded too: ``zipfile`` never returns more than an entry's declared size
and checks its CRC at the end, and an entry that ends early is refused, so a lying
header shows up as damage, not as a flood or a short item.
Errors of a damaged archive, when it is opened or while an entry is read, become
``DamagedExport``.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, BinaryIO, Final

from retention_agent.formats.errors import (
    DamagedExport,
    ZipBomb,
    ZipEncrypted,
    ZipSymlink,
    ZipUnsafeName,
    ZipUnsupported,
)

MAX_ENTRIES: Final = 100_000
MAX_TOTAL: Final = 32 << 30
MAX_RATIO: Final = 200
RATIO_FLOOR: Final = 1 << 20
_METHODS: Final = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_DRIVE: Final = re.compile(r"^[A-Za-z]:")
# What a damaged archive makes zipfile and zlib raise while opening or reading.
_DAMAGE: Final = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError, OSError)
ZIP_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06")


@dataclass(frozen=True)
class Entry:
    name: str  # as stored, with "/" separators; checked to stay inside the archive
    size: int
    info: zipfile.ZipInfo


class SafeZip:
    """A checked zip archive over an open binary file; the file stays the caller's."""

    def __init__(self, handle: BinaryIO, label: str) -> None:
        self._label = label
        try:
            archive_size = handle.seek(0, io.SEEK_END)
            handle.seek(0)
            self._zip = zipfile.ZipFile(handle)
            infos = self._zip.infolist()
        except _DAMAGE:
            raise DamagedExport(name=label) from None
        except NotImplementedError:  # a zip format version zipfile does not read
            raise ZipUnsupported(name=label) from None
        self.entries = tuple(_checked(infos, archive_size, label))

    def open(self, entry: Entry) -> BinaryIO:
        try:
            raw = self._zip.open(entry.info)
        except _DAMAGE:
            raise DamagedExport(name=self._label) from None
        except NotImplementedError:
            raise ZipUnsupported(name=self._label) from None
        guarded = _Guarded(raw, entry.size, self._label)
        return io.BufferedReader(guarded, buffer_size=1 << 20)

    def head(self, entry: Entry, size: int) -> bytes:
        """The first ``size`` bytes of an entry, to recognise what it is."""
        with self.open(entry) as stream:
            return stream.read(size)

    def close(self) -> None:
        self._zip.close()


def _checked(infos: list[zipfile.ZipInfo], archive_size: int, label: str) -> Iterator[Entry]:
    if len(infos) > MAX_ENTRIES:
        raise ZipBomb(name=label)
    total = packed = 0
    names: set[str] = set()
    for info in infos:
        name = info.filename.replace("\\", "/")
        parts = name.split("/")
        if name.startswith("/") or _DRIVE.match(name) or ".." in parts:
            raise ZipUnsafeName(name=label)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ZipSymlink(name=label)
        if info.flag_bits & 0x1:
            raise ZipEncrypted(name=label)
        if info.compress_type not in _METHODS:
            raise ZipUnsupported(name=label)
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
            raise ZipBomb(name=label)
        total += info.file_size
        packed += info.compress_size
        if total > MAX_TOTAL or packed > archive_size:
            raise ZipBomb(name=label)
        if name.endswith("/"):  # a folder
            continue
        if not name or name in names:
            raise DamagedExport(name=label)
        names.add(name)
        yield Entry(name, info.file_size, info)


class _Guarded(io.RawIOBase):
    """An entry's stream whose damage surfaces as ``DamagedExport``, including an entry
    that ends before its declared size (its CRC can still match what little it holds)."""

    def __init__(self, raw: IO[bytes], size: int, label: str) -> None:
        self._raw = raw
        self._left = size
        self._label = label

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._raw.read(len(buffer))
        except _DAMAGE:
            raise DamagedExport(name=self._label) from None
        self._left -= len(data)
        if not data and self._left and len(buffer):
            raise DamagedExport(name=self._label)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()
