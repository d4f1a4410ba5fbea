"""Removing a copy the scan found, the way ``add`` removes an original (overwritten with
zeros, synced, unlinked; ``vault.files.overwrite_and_unlink``), and saying honestly how
far that goes on the file system it was on:

``overwritten``    the blocks were overwritten in place (ext4, XFS, NTFS, FAT, ...);
                   an SSD may still keep old copies of them internally
``copy-on-write``  Btrfs, ZFS, bcachefs, F2FS, APFS (macOS) write the zeros elsewhere,
                   so the old content stays on disk until the space is reused
``unknown``        the file system could not be told

A file in a synced folder may also live on in the cloud's bin or version history; the
removal names the service. A file that changed since it was checked is left alone.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from retention_agent import thumbnails
from retention_agent.scan.cloud import SyncedFolder, synced_folder_of
from retention_agent.scan.leftovers import Found, Identity
from retention_agent.vault import copies, files
from retention_agent.vault.vault import Vault

Method = Literal["overwritten", "copy-on-write", "unknown"]
Outcome = Literal["removed", "changed", "failed"]
COPY_ON_WRITE = frozenset({"btrfs", "zfs", "bcachefs", "f2fs", "apfs", "nilfs2"})
MOUNTINFO = Path("/proc/self/mountinfo")


@dataclass(frozen=True)
class Removal:
    path: Path
    outcome: Outcome
    method: Method | None = None
    synced: SyncedFolder | None = None


def remove(vault: Vault, found: Found) -> Removal:
    """Remove one found copy, if it is still the file that was checked."""
    try:
        info = os.lstat(found.path)
    except OSError:
        return Removal(found.path, "changed")
    if Identity.of(info) != found.identity:
        return Removal(found.path, "changed")
    method = filesystem_method(found.path.parent)
    synced = synced_folder_of(found.path)
    try:
        files.overwrite_and_unlink(found.path)
    except OSError:
        return Removal(found.path, "failed")
    thumbnails.remove([found.path])
    if found.tracked is not None:
        copies.forget(vault, found.tracked)
    return Removal(found.path, "removed", method, synced)


def filesystem_method(folder: Path) -> Method:
    """How overwriting behaves where ``folder`` lives."""
    if sys.platform == "darwin":
        return "copy-on-write"  # APFS, the only file system of current Macs' system disk
    kind = filesystem_type(folder)
    if kind is None:
        return "unknown"
    return "copy-on-write" if kind in COPY_ON_WRITE else "overwritten"


def filesystem_type(folder: Path, mountinfo: Path = MOUNTINFO) -> str | None:
    """The type of the file system holding ``folder`` (Linux: the longest matching mount
    point in ``/proc/self/mountinfo``); None where that cannot be read."""
    try:
        text = mountinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    target = os.path.realpath(folder)
    best: tuple[int, str] | None = None
    for mount_point, kind in parse_mountinfo(text):
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and (best is None or len(mount_point) >= best[0]):
            best = (len(mount_point), kind)
    return None if best is None else best[1]


def parse_mountinfo(text: str) -> list[tuple[str, str]]:
    """(mount point, file system type) per line: field 5 is the mount point (octal
    escapes for spaces and the like), the type follows the ``-`` separator."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if "-" not in fields[6:]:
            continue
        separator = fields.index("-", 6)
        if len(fields) <= separator + 1 or len(fields) < 5:
            continue
        mounts.append((_unescape(fields[4]), fields[separator + 1]))
    return mounts


def _unescape(field: str) -> str:
    """``\\040`` and friends back to the characters they stand for."""
    raw = field.encode("utf-8", "surrogateescape")
    out = bytearray()
    index = 0
    while index < len(raw):
        chunk = raw[index + 1 : index + 4]
        octal = len(chunk) == 3 and all(c in b"01234567" for c in chunk)
        if raw[index : index + 1] == b"\\" and octal and int(chunk, 8) < 256:
            out.append(int(chunk, 8))
            index += 4
        else:
            out.append(raw[index])
            index += 1
    return out.decode("utf-8", "surrogateescape")
