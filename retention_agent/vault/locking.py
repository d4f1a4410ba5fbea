"""Exclusive locks on a file: one command at a time per vault, one agent per vault.

The lock is held through an open descriptor with the operating system's own locking
(``flock`` on POSIX, ``msvcrt.locking`` on Windows), so it dies with its process: a
crash never leaves a vault locked. A few lines of our own rather than the ``filelock``
package, whose imports now cost 35–100 ms on every command (measured with
``-X importtime``), most of what ``retention status`` may spend.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

_POLL_SECONDS = 0.05


class LockTimeout(Exception):
    """Someone else holds the lock, and went on holding it for the time allowed."""


class FileLock:
    def __init__(self, path: Path, mode: int = 0o600) -> None:
        self.path = path
        self._mode = mode
        self._fd: int | None = None

    @property
    def is_locked(self) -> bool:
        return self._fd is not None

    def acquire(self, timeout: float = math.inf) -> None:
        """Take the lock, waiting up to ``timeout`` seconds (0: try once)."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), self._mode)
        deadline = time.monotonic() + timeout
        while True:
            try:
                _lock(fd)
            except OSError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockTimeout(str(self.path)) from None
                time.sleep(_POLL_SECONDS)
                continue
            self._fd = fd
            return

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                _unlock(fd)
            finally:
                os.close(fd)


if os.name == "nt":
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
