"""What deletion achieves on this machine, said honestly.

The vault deletes by destroying keys: an item's wrapped key is deleted and the KEK that
wrapped it is rotated away. Whether old copies of those keys can ever be found again
depends on where they were written:

- a key file on a disk that overwrites in place (ext4, XFS, NTFS on a spinning disk) is
  overwritten with zeros when a KEK is destroyed: the old KEK is gone for good, so every
  old copy of a wrapped key is useless, even with the passphrase;
- on a copy-on-write file system (btrfs, ZFS, APFS, bcachefs, F2FS), an overlay, or an
  SSD (which remaps blocks below any file system), old versions of the key file and of
  the index can survive in freed blocks: someone who has the raw disk *and* the
  passphrase might decrypt what was deleted; without the passphrase it stays unreadable;
- an OS keyring stores its secrets in files of its own, which it replaces rather than
  overwrites: the same holds there, with the login password instead of a passphrase.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from retention_agent.vault import filesystems

Opener = Literal["passphrase", "login"]


@dataclass(frozen=True)
class Finality:
    disk: filesystems.FileSystem  # where the vault (and its key file) lives
    key_disk: filesystems.FileSystem  # where the key lives: the vault, or the OS keyring's files
    opened_by: Opener  # what could open an old copy of the key

    @property
    def old_copies_possible(self) -> bool:
        """Whether old copies of the key may survive destruction on these disks."""
        return any(
            disk.copy_on_write or disk.ssd is not False or not disk.overwrite_reaches_old_blocks
            for disk in {self.disk, self.key_disk}
        )

    def as_json(self) -> dict[str, object]:
        return {
            "file_system": self.disk.type,
            "copy_on_write": self.disk.copy_on_write,
            "ssd": self.disk.ssd,
            "key_file_system": self.key_disk.type,
            "old_copies_possible": self.old_copies_possible,
            "opened_by": self.opened_by,
        }


def assess(home: Path, key_kind: str) -> Finality:
    disk = filesystems.detect(home)
    if key_kind == "keyring":
        return Finality(disk, filesystems.detect(keyring_storage()), "login")
    return Finality(disk, disk, "passphrase")


def keyring_storage() -> Path:
    """Where this platform's OS keyring keeps its files."""
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Keychains"
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", home)) / "Microsoft" / "Credentials"
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return data / "keyrings"  # GNOME Keyring; KWallet keeps its own under kwalletd
