"""Where ``retention scan`` looks when it is given no folders: the platform's Downloads,
Desktop, Documents and Pictures (platformdirs), the agent's inbox, every folder an item
was added from, and every folder ``retention open`` or the photo export wrote to."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from retention_agent.vault import catalog, copies
from retention_agent.vault.vault import Vault

# The agent's inbox under the vault home (named so by the agent: one folder per case
# and kind below it).
INBOX = "Indbakke"

Why = Literal["downloads", "desktop", "documents", "pictures", "inbox", "added", "written", "given"]


_PARTIAL_SUFFIXES = (".part", ".crdownload", ".download", ".tmp", ".partial")
_IGNORED_NAMES = {"desktop.ini", "thumbs.db"}


def skipped_name(name: str) -> bool:
    """Partial downloads, office lock files and hidden files: never taken in (the
    agent's inbox) nor looked at (its sweeps)."""
    lowered = name.lower()
    return (
        lowered.endswith(_PARTIAL_SUFFIXES)
        or name.startswith(("~$", "."))
        or lowered in _IGNORED_NAMES
    )


@dataclass(frozen=True)
class Place:
    path: Path
    why: Why


def standard_places() -> list[Place]:
    """The user's Downloads, Desktop, Documents and Pictures folders."""
    import platformdirs

    return [
        Place(platformdirs.user_downloads_path(), "downloads"),
        Place(platformdirs.user_desktop_path(), "desktop"),
        Place(platformdirs.user_documents_path(), "documents"),
        Place(platformdirs.user_pictures_path(), "pictures"),
    ]


def inbox(vault: Vault) -> Path:
    return vault.home / INBOX


def default_places(vault: Vault) -> list[Place]:
    """Every default place that exists, outer folders only (a folder inside another
    one is scanned with it)."""
    places = [*standard_places(), Place(inbox(vault), "inbox")]
    for item in catalog.list_items(vault):
        if item.original:
            places.append(Place(Path(item.original).parent, "added"))
    for copy in copies.all_copies(vault):
        places.append(Place(copy.path.parent, "added" if "original" in copy.origin else "written"))
    return outermost(place for place in places if place.path.is_dir())


def outermost(places: Iterable[Place]) -> list[Place]:
    """Drop places that are another place, or lie inside one (first reason wins)."""
    kept: list[Place] = []
    for place in places:
        path = os.path.realpath(place.path)
        if any(_inside(path, os.path.realpath(other.path)) for other in kept):
            continue
        kept = [k for k in kept if not _inside(os.path.realpath(k.path), path)]
        kept.append(place)
    return kept


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
