"""Opening the files an export is made of: regular files only (never a link, a device or
a folder swapped in), and the same file when a part is read later than it was listed.

A part's bytes are read after the whole export has been looked through, so each part
remembers its file's identity (device, inode, size, modification time) and opening it
again raises ``SourceChanged`` when the file is no longer the one that was read.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from retention_agent.errors import (
    SourceChanged,
    SourceIsDirectory,
    SourceIsSymlink,
    SourceMissing,
)
from retention_agent.vault.sources import Identity, check, open_checked


def kind_of(path: Path, label: str) -> str:
    """ "file" or "folder"; anything else (missing, a link, a device) is refused."""
    try:
        check(path, removable=False, name=label)
    except SourceIsDirectory:
        return "folder"
    return "file"


def open_regular(path: Path, label: str) -> tuple[BinaryIO, Identity]:
    """Open a regular file for reading without following a link at any moment."""
    identity = check(path, removable=False, name=label)
    return open_checked(path, identity, label), identity


def reopen(path: Path, expected: Identity, label: str) -> BinaryIO:
    """Open ``path`` again, refusing it unless it is still the file that was read
    (the same file, size and modification time)."""
    try:
        handle = open_checked(path, expected, label)
    except (SourceMissing, SourceIsSymlink):
        raise SourceChanged(name=label) from None
    if not expected.unchanged(Identity.of(os.fstat(handle.fileno()))):
        handle.close()
        raise SourceChanged(name=label)
    return handle


def opener(path: Path, expected: Identity, label: str) -> Callable[[], BinaryIO]:
    """A part's way to open a whole file of the export."""
    return lambda: reopen(path, expected, label)


def slice_opener(
    path: Path, expected: Identity, start: int, length: int, label: str
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
