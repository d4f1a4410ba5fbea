"""Keeping the vault out of backups.

A backup that holds ``index.db`` and the key (``kek.key``, or the login keychain)
keeps every item it holds readable with the passphrase, deleted or not: deletion
cannot reach into it. So the vault folder is marked with the markers backup programs
honour, and the family is told that the vault is not backed up, and why.

- ``CACHEDIR.TAG`` (the Cache Directory Tagging Specification): honoured by borg and
  restic (``--exclude-caches``), GNU tar (``--exclude-caches``) and Déjà Dup;
- ``.deja-dup-ignore``: Déjà Dup, GNOME's backup tool, skips folders holding it;
- macOS Time Machine: ``tmutil addexclusion`` sets the sticky exclusion attribute;
- Windows File History and OneDrive have no per-folder marker: the folder must be left
  out in their settings by hand (the README and ``init`` say so).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from pathlib import Path

CACHEDIR_TAG = "CACHEDIR.TAG"
DEJA_DUP_IGNORE = ".deja-dup-ignore"
_TAG_TEXT = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by retention-agent.\n"
    "# The encrypted vault is not backed up on purpose: a backup would keep deleted\n"
    "# data readable with the passphrase. See https://bford.info/cachedir/\n"
)
MARKERS = (CACHEDIR_TAG, DEJA_DUP_IGNORE)


def exclude(home: Path) -> None:
    """Mark ``home`` as not to be backed up, with every marker this platform knows."""
    (home / CACHEDIR_TAG).write_text(_TAG_TEXT, encoding="ascii")
    (home / DEJA_DUP_IGNORE).write_text("", encoding="ascii")
    if sys.platform == "darwin" and shutil.which("tmutil"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                ["tmutil", "addexclusion", str(home)], check=False, capture_output=True, timeout=10
            )


def excluded(home: Path) -> bool:
    """Whether the markers are still in place (someone may have removed them)."""
    return all((home / marker).is_file() for marker in MARKERS)
