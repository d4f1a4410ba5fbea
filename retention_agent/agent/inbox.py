"""The inbox: ``<vault>/Indbakke/<case id>/Billeder`` and the like, one folder per case
and kind, named in the user's language (no child's name anywhere in a path), and the
rules for when a file dropped there is complete.

Events from the file watcher are only hints. A file counts as complete when its size,
modification time and inode have stayed the same for ``SETTLE_SECONDS``; names that
browsers and office programs use while a file is still being written are skipped.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from retention_agent.i18n import LANGUAGES, N_, Language, _, translations
from retention_agent.policy.model import KINDS, Kind
from retention_agent.scan.places import skipped_name
from retention_agent.vault import files

SETTLE_SECONDS = 0.5
INBOX = N_("Inbox")
KIND_FOLDERS: dict[Kind, str] = {
    "match_paper": N_("Match paper"),
    "contact": N_("Contact details"),
    "message": N_("Messages"),
    "photo": N_("Photos"),
}


@dataclass(frozen=True)
class Place:
    """Where an entry lies in the inbox: its case folder and kind (None where the
    entry lies outside a kind's folder)."""

    case_id: str | None
    kind: Kind | None


def _in(language: Language, message: str) -> str:
    return translations(language).gettext(message)


class Inbox:
    def __init__(self, home: Path) -> None:
        self.home = home

    @property
    def root(self) -> Path:
        """The inbox in the current language (created by :meth:`ensure`)."""
        return self.home / _(INBOX)

    @staticmethod
    def names() -> set[str]:
        """The inbox's name in every language."""
        return {_in(language, INBOX) for language in LANGUAGES}

    def roots(self) -> list[Path]:
        """Every inbox folder that exists, in any language (the language may change)."""
        return [self.home / name for name in sorted(self.names()) if (self.home / name).is_dir()]

    def ensure(self, case_ids: Iterable[str]) -> None:
        """Make the folders of these cases (private to the user) in the current language."""
        files.make_private_dir(self.root)
        for case_id in case_ids:
            for kind in KINDS:
                files.make_private_dir(self.root / case_id / _(KIND_FOLDERS[kind]))

    def place(self, path: Path) -> Place | None:
        """The case and kind of an entry anywhere below a kind's folder (subfolders
        included); None for paths outside every inbox."""
        for root in self.roots() or [self.root]:
            try:
                parts = path.relative_to(root).parts
            except ValueError:
                continue
            if len(parts) < 2:
                return Place(None, None)
            return Place(parts[0], _kind_named(parts[1]) if len(parts) >= 3 else None)
        return None

    def entries(self, below: Path | None = None) -> Iterator[Path]:
        """Every entry that is not a folder, below ``below`` or all inboxes; links are
        listed, never followed."""
        for start in [below] if below is not None else self.roots():
            yield from _walk(start)


def _kind_named(name: str) -> Kind | None:
    for kind, message in KIND_FOLDERS.items():
        if any(name == _in(language, message) for language in LANGUAGES):
            return kind
    return None


def _walk(folder: Path) -> Iterator[Path]:
    try:
        with os.scandir(folder) as listing:
            found = list(listing)
    except OSError:  # gone, or not readable: the next rescan looks again
        return
    for entry in found:
        if skipped_name(entry.name):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path))
        else:
            yield Path(entry.path)


Signature = tuple[int, int, int, int]  # inode, size, mtime in ns, file type


def signature(path: Path) -> Signature | None:
    try:
        info = path.lstat()
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns, stat.S_IFMT(info.st_mode))


class Settler:
    """Tracks entries until they have stopped changing. Time is passed in (monotonic
    seconds), so tests drive it without sleeping."""

    def __init__(self, settle: float = SETTLE_SECONDS) -> None:
        self._settle = settle
        self._seen: dict[Path, tuple[Signature, float]] = {}

    def hint(self, path: Path, now: float) -> None:
        """Something may have changed at ``path``."""
        if skipped_name(path.name):
            return
        current = signature(path)
        if current is None:
            self._seen.pop(path, None)
            return
        known = self._seen.get(path)
        if known is None or known[0] != current:
            self._seen[path] = (current, now)

    def ready(self, now: float) -> list[Path]:
        """Entries unchanged for the settling time; they are handed out once."""
        done = []
        for path, (known, since) in list(self._seen.items()):
            if now - since < self._settle:
                continue
            current = signature(path)
            if current is None:
                del self._seen[path]
            elif current != known:
                self._seen[path] = (current, now)
            else:
                del self._seen[path]
                done.append(path)
        return sorted(done)

    def next_due(self) -> float | None:
        """The monotonic time at which :meth:`ready` may hand something out."""
        return min((since + self._settle for _sig, since in self._seen.values()), default=None)

    def forget(self, path: Path) -> None:
        self._seen.pop(path, None)
