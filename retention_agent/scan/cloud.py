"""Is this folder synced to a cloud service? (C3: photos of the child must not end up
online; the vault's own files in a cloud's version history would outlive deletion.)

Two kinds of evidence, both written by the clients themselves, never a folder's name:
the folders their configuration names (``cloud_clients``), and the marker files they
keep in every folder they sync, found by walking up from the path:

===================  ======================================================
``.stfolder``        Syncthing
``.sync_*.db``,      Nextcloud / ownCloud (the sync journal)
``._sync_*.db``
``.dropbox`` with    Dropbox
``.dropbox.cache``
``.megaignore``;     MEGA (``.debris`` only when MEGAsync is installed, as the name
``.debris``          is common)
===================  ======================================================
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from retention_agent.scan.cloud_clients import (
    SyncedFolder,
    Where,
    configured,
    mega_installed,
    windows_registry,
)

__all__ = ["SyncedFolder", "Where", "synced_folder_of", "synced_folders", "where_now"]


def where_now() -> Where:
    """This user's home, environment and registry."""
    return Where(home=Path.home(), env=dict(os.environ), registry=windows_registry())


def synced_folders(where: Where | None = None) -> list[SyncedFolder]:
    return configured(where or where_now())


def synced_folder_of(
    path: Path, *, folders: Sequence[SyncedFolder] | None = None, where: Where | None = None
) -> SyncedFolder | None:
    """The synced folder ``path`` lies in (or is), if any."""
    where = where or where_now()
    known = synced_folders(where) if folders is None else folders
    candidates = _spellings(path)
    for folder in known:
        roots = _spellings(folder.root)
        if any(_within(c, r) for c in candidates for r in roots):
            return folder
    return _marked(path, where)


def _marked(path: Path, where: Where) -> SyncedFolder | None:
    mega = mega_installed(where) is not None
    for folder in _ancestors(path):
        found = _marker_in(folder, mega)
        if found is not None:
            return SyncedFolder(found[0], folder, str(folder / found[1]))
    return None


def _marker_in(folder: Path, mega: bool) -> tuple[str, str] | None:
    if (folder / ".stfolder").exists():
        return "Syncthing", ".stfolder"
    if (folder / ".dropbox").is_file() and (folder / ".dropbox.cache").is_dir():
        return "Dropbox", ".dropbox"
    if (folder / ".megaignore").is_file():
        return "MEGA", ".megaignore"
    if mega and (folder / ".debris").is_dir():
        return "MEGA", ".debris"
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith((".sync_", "._sync_")) and name.endswith(".db"):
                return "Nextcloud", name
    return None


def _ancestors(path: Path) -> Iterable[Path]:
    start = Path(os.path.abspath(path))
    if not start.is_dir():
        start = start.parent
    yield start
    yield from start.parents


def _spellings(path: Path) -> set[str]:
    """The path as given (made absolute) and with its links resolved, folded for
    comparison (case-insensitive file systems are the rule on Windows and macOS)."""
    spellings = {os.path.abspath(path)}
    with contextlib.suppress(OSError, RuntimeError):
        spellings.add(os.path.realpath(path))
    return {s.replace("\\", "/").rstrip("/").casefold() for s in spellings}


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root + "/")
