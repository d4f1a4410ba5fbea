"""What kind of file system and disk a path lives on, and what that means for deletion.

Overwriting a file's bytes in place only reaches the old blocks on a file system that
writes in place (ext4, XFS, NTFS, FAT). Copy-on-write file systems (btrfs, ZFS, APFS,
bcachefs) and log-structured ones (F2FS) write every change to new blocks, so the old
ones stay until reused; an overlay writes changes to its upper layer and never touches
the lower one. SSDs remap blocks below any file system. On those, the vault's real
guarantee is encryption plus key destruction, and it must not claim "overwritten".

Detection: Linux reads ``/proc/self/mountinfo`` (longest mount point that contains
the path) and ``/sys/block/<disk>/queue/rotational``; macOS asks ``statfs`` for the file
system's type name; Windows asks ``GetVolumeInformationW``. Anything unknown is
reported as unknown, never guessed.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

COPY_ON_WRITE = frozenset({"btrfs", "zfs", "apfs", "bcachefs", "f2fs", "overlay", "refs"})
# File systems that live in memory or on another machine: overwriting means nothing here.
NOT_LOCAL = frozenset({"tmpfs", "ramfs", "nfs", "nfs4", "cifs", "smb3", "fuse.sshfs"})


@dataclass(frozen=True)
class FileSystem:
    type: str  # "ext4", "btrfs", "apfs", "ntfs", ... or "unknown"
    ssd: bool | None  # None: the OS does not say
    read_only: bool

    @property
    def copy_on_write(self) -> bool:
        return self.type in COPY_ON_WRITE

    @property
    def overwrite_reaches_old_blocks(self) -> bool:
        """Whether overwriting a file in place can destroy its old content here."""
        return self.type not in COPY_ON_WRITE and self.type not in NOT_LOCAL


def detect(path: Path) -> FileSystem:
    """The file system holding ``path`` (which must exist; its parent is used otherwise).
    Remembered per device, since adding a phone's photos asks once per file."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    read_only = _read_only(existing)
    try:
        device = existing.stat().st_dev
    except OSError:
        return _detect(existing, read_only)
    key = (device, read_only)
    if key not in _by_device:
        _by_device[key] = _detect(existing, read_only)
    return _by_device[key]


_by_device: dict[tuple[int, bool], FileSystem] = {}


def _detect(existing: Path, read_only: bool) -> FileSystem:
    if sys.platform.startswith("linux"):
        fs_type, device = _linux_mount(os.path.realpath(existing))
        return FileSystem(fs_type, _linux_ssd(device), read_only)
    if sys.platform == "darwin":
        return FileSystem(_macos_type(existing), None, read_only)
    if sys.platform == "win32":
        return FileSystem(_windows_type(existing), None, read_only)
    return FileSystem("unknown", None, read_only)


def _read_only(path: Path) -> bool:
    if not hasattr(os, "statvfs"):
        return False
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _linux_mount(real_path: str) -> tuple[str, str]:
    """(file system type, device) of the mount that holds ``real_path``."""
    best: tuple[int, str, str] = (-1, "unknown", "")
    for mount_point, fs_type, device in _mountinfo():
        inside = real_path == mount_point or real_path.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) > best[0]:
            best = (len(mount_point), fs_type, device)
    return best[1], best[2]


def _mountinfo() -> list[tuple[str, str, str]]:
    """(mount point, type, source) per line of /proc/self/mountinfo (man 5 proc)."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) >= 5 and len(tail) >= 2:
            found.append((_unescape(fields[4]), tail[0], tail[1]))
    return found


def _unescape(field: str) -> str:
    # mountinfo writes space, tab, newline and backslash as octal escapes.
    for code in ("\\040", "\\011", "\\012", "\\134"):
        field = field.replace(code, chr(int(code[1:], 8)))
    return field


@cache
def _linux_ssd(device: str) -> bool | None:
    """Whether ``/dev/<device>`` is non-rotational, from sysfs (partitions resolve to
    their disk); None where sysfs does not say (device mapper, loop, network)."""
    if not device.startswith("/dev/"):
        return None
    name = os.path.basename(os.path.realpath(device))
    block = Path("/sys/class/block") / name
    for candidate in (block / "queue" / "rotational", block.parent / "queue" / "rotational"):
        try:
            resolved = candidate.resolve()
            return resolved.read_text().strip() == "0"
        except OSError:
            continue
    return None


def _macos_type(path: Path) -> str:
    """``statfs(2)``'s f_fstypename: "apfs", "hfs", "msdos", ..."""
    import ctypes

    class _StatFs(ctypes.Structure):
        _fields_ = [
            ("f_bsize", ctypes.c_uint32),
            ("f_iosize", ctypes.c_int32),
            ("f_blocks", ctypes.c_uint64),
            ("f_bfree", ctypes.c_uint64),
            ("f_bavail", ctypes.c_uint64),
            ("f_files", ctypes.c_uint64),
            ("f_ffree", ctypes.c_uint64),
            ("f_fsid", ctypes.c_int32 * 2),
            ("f_owner", ctypes.c_uint32),
            ("f_type", ctypes.c_uint32),
            ("f_flags", ctypes.c_uint32),
            ("f_fssubtype", ctypes.c_uint32),
            ("f_fstypename", ctypes.c_char * 16),
            ("f_mntonname", ctypes.c_char * 1024),
            ("f_mntfromname", ctypes.c_char * 1024),
            ("f_flags_ext", ctypes.c_uint32),
            ("f_reserved", ctypes.c_uint32 * 7),
        ]

    try:
        libc = ctypes.CDLL("libc.dylib", use_errno=True)
        result = _StatFs()
        # The 64-bit inode variant is the one matching this struct layout.
        if libc["statfs$INODE64"](os.fsencode(path), ctypes.byref(result)) != 0:
            return "unknown"
        return result.f_fstypename.decode("ascii", "replace").lower() or "unknown"
    except (OSError, AttributeError):
        return "unknown"


def _windows_type(path: Path) -> str:
    """The volume's file system name from GetVolumeInformationW: "ntfs", "refs", ..."""
    import ctypes

    try:
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        root = ctypes.create_unicode_buffer(261)
        if not kernel32.GetVolumePathNameW(str(path.resolve()), root, 261):
            return "unknown"
        name = ctypes.create_unicode_buffer(261)
        if not kernel32.GetVolumeInformationW(root, None, 0, None, None, None, name, 261):
            return "unknown"
        return str(name.value).lower() or "unknown"
    except (OSError, AttributeError):
        return "unknown"
