"""Small secret files written whole and replaced atomically, with the replaced file's
bytes overwritten: the key file ``kek.key``, the recovery file, a transfer's confirmation.

A private temporary file in the same folder (``.<name>-*.tmp``), fsync, ``os.replace``,
fsync of the folder, then (POSIX) the old file overwritten with zeros through a
descriptor opened before the rename. Best effort, as everywhere: SSDs and copy-on-write
file systems may keep old blocks.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from retention_agent.vault import files

TEMP_SUFFIX = ".tmp"


def replace(path: Path, data: bytes) -> None:
    """Atomically make ``data`` the content of ``path``, then scrub the replaced file."""
    folder = path.parent
    files.make_private_dir(folder)
    remove_leftovers(path)
    fd, name = tempfile.mkstemp(prefix=_prefix(path), suffix=TEMP_SUFFIX, dir=folder)  # 0600
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        old = _open_replaced(path)
        try:
            os.replace(temp, path)
            files.fsync_dir(folder)
            if old is not None:
                files.zero_open_file(old)
        finally:
            if old is not None:
                os.close(old)
    except BaseException as error:
        files.remove_quietly(temp)
        if isinstance(error, OSError) and files.is_disk_full(error):
            raise files.disk_full(folder, len(data)) from None
        raise


def discard(path: Path) -> bool:
    """Overwrite and remove ``path`` and its leftover temporary files; whether it existed."""
    remove_leftovers(path)
    try:
        files.overwrite_and_unlink(path)
    except FileNotFoundError:
        return False
    return True


def remove_leftovers(path: Path) -> None:
    """Temporary files of an interrupted write hold the same secrets: scrub them too."""
    for leftover in path.parent.glob(f"{_prefix(path)}*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            files.overwrite_and_unlink(leftover)


def _prefix(path: Path) -> str:
    return f".{path.name}-"


def _open_replaced(path: Path) -> int | None:
    """A descriptor on the file about to be replaced; not on Windows, where an open
    file cannot be replaced."""
    if os.name != "posix":
        return None
    try:
        return os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
