"""The user's own files, before they go into the vault: checked up front, opened safely.

Every path of a command is checked before anything changes (exists, regular file,
readable, and removable unless the original is kept), so that a bad path among many
refuses the whole command. Errors name the file as the user typed it: they are a direct
answer on the user's own terminal (logs, receipts and notifications never carry names).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from retention_agent.errors import (
    SourceChanged,
    SourceIsDirectory,
    SourceIsSpecial,
    SourceIsSymlink,
    SourceMissing,
    SourceNotRemovable,
    SourceUnreadable,
)
from retention_agent.vault import filesystems

# O_NONBLOCK: a pipe swapped in after the check must not hang an open that nobody
# watches (the agent's inbox); on a regular file it changes nothing.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
)


@dataclass(frozen=True)
class Identity:
    """Which file a path named when it was checked, and what it looked like then."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    links: int

    @classmethod
    def of(cls, info: os.stat_result) -> Identity:
        return cls(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_nlink)

    def same_file(self, other: Identity) -> bool:
        """The same file, still of the same size (its time may have changed)."""
        return (self.device, self.inode, self.size) == (other.device, other.inode, other.size)

    def unchanged(self, other: Identity) -> bool:
        return self.same_file(other) and self.mtime_ns == other.mtime_ns

    def as_json(self) -> dict[str, int]:
        return {
            "device": self.device,
            "inode": self.inode,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "links": self.links,
        }

    @classmethod
    def from_json(cls, value: dict[str, int]) -> Identity:
        return cls(
            value["device"], value["inode"], value["size"], value["mtime_ns"], value["links"]
        )


def check(path: Path, *, removable: bool, name: str | None = None) -> Identity:
    """The identity of a regular file the user gave us, or the error that refuses it;
    errors call it ``name`` (a part of an import is named by its export), else its path."""
    name = str(path) if name is None else name
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise SourceMissing(name=name) from None
    except NotADirectoryError:
        raise SourceMissing(name=name) from None
    except PermissionError:
        raise SourceUnreadable(name=name) from None
    if stat.S_ISLNK(info.st_mode):
        raise SourceIsSymlink(name=name)
    if stat.S_ISDIR(info.st_mode):
        raise SourceIsDirectory(name=name)
    if not stat.S_ISREG(info.st_mode):
        raise SourceIsSpecial(name=name)
    with open_checked(path, Identity.of(info), name):
        pass  # readable: the same open as the ingest's, so no surprise later
    if removable and not can_remove(path, info):
        raise SourceNotRemovable(name=name)
    return Identity.of(info)


def can_remove(path: Path, info: os.stat_result) -> bool:
    """Whether this process may unlink ``path``: its folder is writable (and, with the
    sticky bit, as in /tmp, the file or the folder is ours) on a writable file system."""
    folder = path.absolute().parent
    if filesystems.detect(folder).read_only:
        return False
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    if os.name == "posix" and os.geteuid() != 0:
        folder_info = folder.stat()
        if folder_info.st_mode & stat.S_ISVTX:
            return os.geteuid() in (info.st_uid, folder_info.st_uid)
    return True


def open_regular(path: Path) -> BinaryIO:
    """Open a file found outside the vault for reading, without following a link or
    blocking on a pipe swapped in since it was looked at; anything but a regular file
    is refused with an OSError (callers treat it as not there)."""
    fd = os.open(path, _OPEN_FLAGS)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "not a regular file")
    return os.fdopen(fd, "rb")


def open_checked(path: Path, identity: Identity, name: str | None = None) -> BinaryIO:
    """Open ``path`` for reading, never through a link, and only if it is still the
    file that was checked (not swapped for another one in between)."""
    name = str(path) if name is None else name
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise SourceMissing(name=name) from None
    except PermissionError:
        raise SourceUnreadable(name=name) from None
    except OSError:
        # Swapped for a link between the check and the open (O_NOFOLLOW: ELOOP).
        raise SourceIsSymlink(name=name) from None
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode) or not identity.same_file(Identity.of(opened)):
        os.close(fd)
        raise SourceChanged(name=name)
    return os.fdopen(fd, "rb")


def current(path: Path) -> Identity | None:
    """The identity ``path`` has now, or None if it is gone or no longer a plain file."""
    try:
        info = path.lstat()
    except OSError:
        return None
    return Identity.of(info) if stat.S_ISREG(info.st_mode) else None


def files_in(folder: Path) -> list[Path]:
    """Every regular file below ``folder``, in a stable order, without following links
    (a link to elsewhere could pull in files the user never meant to add)."""
    found: list[Path] = []
    for root, folders, names in os.walk(folder, followlinks=False):
        folders.sort()
        for name in sorted(names):
            path = Path(root) / name
            if stat.S_ISREG(path.lstat().st_mode):
                found.append(path)
    return found
