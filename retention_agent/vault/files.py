"""File-system operations the vault trusts: private permissions, durable writes, safe
opening of a user's files, and removal of originals.

On Windows there is no folder fsync and no POSIX mode bits; the calls that need them are
skipped there (the user profile folder is already private to the account).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import BinaryIO

from retention_agent.errors import DiskFull
from retention_agent.i18n import format_size

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
_POSIX = os.name == "posix"
# Room kept free beyond the ciphertext so the index and journal can still be written.
DISK_MARGIN = 4 << 20


def make_private_dir(path: Path) -> None:
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if _POSIX:
        path.chmod(PRIVATE_DIR)


def make_private_file(path: Path) -> None:
    if _POSIX:
        path.chmod(PRIVATE_FILE)


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink inside ``path`` durable."""
    if not _POSIX:
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_private_new(path: Path) -> BinaryIO:
    """Create ``path`` exclusively with mode 0600 (never follows or reuses a file)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(path, flags, PRIVATE_FILE), "wb")


def ensure_free_space(folder: Path, needed: int) -> None:
    if needed + DISK_MARGIN > shutil.disk_usage(folder).free:
        raise disk_full(folder, needed + DISK_MARGIN)


def disk_full(folder: Path, needed: int) -> DiskFull:
    return DiskFull(needed=format_size(needed), free=format_size(shutil.disk_usage(folder).free))


def is_disk_full(error: OSError) -> bool:
    import errno

    return error.errno in (errno.ENOSPC, errno.EDQUOT)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def zero_open_file(fd: int) -> None:
    """Overwrite every byte of the file open for writing at ``fd`` with zeros, in place,
    and sync: the one way the vault scrubs a file before it goes."""
    remaining = os.fstat(fd).st_size
    zeros = bytes(min(remaining, 1 << 20))
    while remaining > 0:
        remaining -= os.write(fd, zeros[: min(remaining, len(zeros))])
    os.fsync(fd)


def overwrite_and_unlink(path: Path, *, sync_folder: bool = True) -> None:
    """Remove a plaintext original: overwrite its bytes with zeros, sync, then unlink.

    On copy-on-write file systems and SSDs the old blocks may survive; that is why the
    vault relies on encryption and key destruction, and this is a best effort on top.
    """
    flags = os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        zero_open_file(fd)
    finally:
        os.close(fd)
    path.unlink()
    if sync_folder:
        fsync_dir(path.parent)


# Files smaller than this are synced once, when complete; larger ones along the way.
EARLY_SYNC_FROM = 64 << 20


class BackgroundSync:
    """Gets a batch of finished files onto the disk for the price of about one sync.

    On Linux, the files are closed as they are finished and the whole file system is
    synced once when the batch is done (``syncfs``): one journal commit, however many
    files, instead of one each, whose commits would also stall the creation of the next
    file. Elsewhere a few threads sync and close each file while the caller goes on.

    Leaving the ``with`` block returns once every file is on disk, and raises the first
    error a sync met (a full or failing disk).
    """

    WORKERS = 4

    def __init__(self, folder: Path) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._folder = folder
        self._syncfs = _syncfs_function()
        self._pool = None if self._syncfs else ThreadPoolExecutor(max_workers=self.WORKERS)
        self._pending: list[Future[None]] = []

    def submit(self, handle: BinaryIO) -> None:
        if self._pool is None:
            handle.close()  # written to the page cache; synced with the rest at the end
        else:
            self._pending.append(self._pool.submit(_sync_and_close, handle))

    def __enter__(self) -> BackgroundSync:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self._pool is not None:
            try:
                for future in self._pending:
                    future.result()
            finally:
                self._pool.shutdown(wait=True)
        elif exc_type is None and self._syncfs is not None:
            fd = os.open(self._folder, os.O_RDONLY)
            try:
                if self._syncfs(fd) != 0:
                    raise OSError(ctypes_errno(), "syncfs failed")
            finally:
                os.close(fd)


def _syncfs_function() -> Callable[[int], int] | None:
    """glibc's ``syncfs(2)`` on Linux (which reports write errors since Linux 5.8)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function: Callable[[int], int] = libc.syncfs
    except (OSError, AttributeError):
        return None
    return function


def ctypes_errno() -> int:
    import ctypes

    return ctypes.get_errno()


def _sync_and_close(handle: BinaryIO) -> None:
    with handle:
        handle.flush()
        _datasync(handle.fileno())


class EarlySyncWriter:
    """Passes writes through to ``target`` and, every ``SYNC_EVERY`` bytes, has a helper
    thread ask the OS to put what is written so far on disk. Disk writes then overlap
    encryption, and the final sync has little left to do."""

    SYNC_EVERY = EARLY_SYNC_FROM

    def __init__(self, target: BinaryIO) -> None:
        self._target = target
        self._pending = 0
        self._wake = threading.Event()
        self._done = False
        self._syncer = threading.Thread(target=self._sync_loop, daemon=True)
        self._syncer.start()

    def write(self, data: bytes) -> int:
        written = self._target.write(data)
        self._pending += written
        if self._pending >= self.SYNC_EVERY:
            self._target.flush()
            self._pending = 0
            self._wake.set()
        return written

    def stop(self) -> None:
        """Stop the helper thread (the caller syncs the file); safe to call twice."""
        if not self._done:
            self._done = True
            self._wake.set()
            self._syncer.join()

    def finish(self) -> None:
        """Stop the helper and fsync everything."""
        self.stop()
        self._target.flush()
        os.fsync(self._target.fileno())

    def _sync_loop(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._done:
                return
            with contextlib.suppress(OSError):  # finish() syncs again and reports errors
                _datasync(self._target.fileno())


_datasync = getattr(os, "fdatasync", os.fsync)  # Windows and macOS have only fsync
