"""Opening the files an export is made of: regular files only (never a link, a device or
a folder swapped in), and the same file when a part is read later than it was listed.

A part's bytes are read after the whole export has been looked through, so each part
remembers its file's identity (device, inode, size, modification time) and opening it
again raises ``SourceChanged`` when the file is no longer the one that was read.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from retention_agent.errors import (
    SourceChanged,
    SourceIsDirectory,
    SourceIsSpecial,
    SourceIsSymlink,
    SourceMissing,
    SourceUnreadable,
)

_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


@dataclass(frozen=True)
class FileId:
    device: int
    inode: int
    size: int
    modified_ns: int

    @classmethod
    def of(cls, info: os.stat_result) -> FileId:
        return cls(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def kind_of(path: Path, label: str) -> str:
    """ "file" or "folder"; anything else (missing, a link, a device) is refused."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise SourceMissing(name=label) from None
    except PermissionError:
        raise SourceUnreadable(name=label) from None
    if stat.S_ISLNK(info.st_mode):
        raise SourceIsSymlink(name=label)
    if stat.S_ISDIR(info.st_mode):
        return "folder"
    if not stat.S_ISREG(info.st_mode):
        raise SourceIsSpecial(name=label)
    return "file"


def open_regular(path: Path, label: str) -> tuple[BinaryIO, FileId]:
    """Open a regular file for reading without following a link at any moment."""
    if kind_of(path, label) == "folder":
        raise SourceIsDirectory(name=label)
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        raise SourceMissing(name=label) from None
    except PermissionError:
        raise SourceUnreadable(name=label) from None
    except OSError:
        # Swapped for a link between the check and the open (O_NOFOLLOW: ELOOP).
        raise SourceIsSymlink(name=label) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise SourceIsSpecial(name=label)
    return os.fdopen(fd, "rb"), FileId.of(info)


def reopen(path: Path, expected: FileId, label: str) -> BinaryIO:
    """Open ``path`` again, refusing it unless it is still the file that was read."""
    try:
        handle, found = open_regular(path, label)
    except (SourceMissing, SourceIsSymlink, SourceIsSpecial, SourceIsDirectory):
        raise SourceChanged(name=label) from None
    if found != expected:
        handle.close()
        raise SourceChanged(name=label)
    return handle


def opener(path: Path, expected: FileId, label: str) -> Callable[[], BinaryIO]:
    """A part's way to open a whole file of the export."""
    return lambda: reopen(path, expected, label)


def slice_opener(
    path: Path, expected: FileId, start: int, length: int, label: str
) -> Callable[[], BinaryIO]:
    """A part's way to open ``length`` bytes from ``start`` of a file (one mail of a
    mailbox), streamed rather than read into memory."""

    def open_slice() -> BinaryIO:
        handle = reopen(path, expected, label)
        handle.seek(start)
        return io.BufferedReader(_Slice(handle, length))

    return open_slice


class _Slice(io.RawIOBase):
    def __init__(self, handle: BinaryIO, length: int) -> None:
        self._handle = handle
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            return 0
        data = self._handle.read(min(len(buffer), self._left))
        buffer[: len(data)] = data
        self._left -= len(data)
        return len(data)

    def close(self) -> None:
        self._handle.close()
        super().close()
