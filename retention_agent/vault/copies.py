"""Copies the program itself left outside the vault, tracked so that ``status``,
``apply``, the checklist and ``retention scan`` can say how many are still out there.

Two kinds of sealed records (see ``sealed``), each with its case:

``copy`` (written here), one per file::

    {"path": str, "size": int, "fingerprint": hex, "item": item id, "origin": origin}

    origin  "open"              a decrypted copy written by ``retention open``
            "kept-original"     an original added with ``--keep-original``
            "changed-original"  an original that changed while it was added, so it stayed
            "unremovable-original"  an original the operating system refused to remove
            "import-partial"    an original an import left in place because it did not
                                understand all of it (written by the importers)

``photo-export`` (written by the photo export, read here as it is), one per export::

    {"at", "destination", "zip", "count", "files": [{"path", "size", "fingerprint"}],
     "items", "family_consent", "child_consent", "note"}

The fingerprints are the vault's keyed fingerprints (``Vault.fingerprinter``) of the
file as it was written or found, so a scan can tell the copy from a changed file.
A ``copy`` record is destroyed once its file is gone or no longer the copy, and at the
latest with the tombstone of its item (``tombstones``). Photo-export records belong to
the export and are never changed here.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from retention_agent.vault import sealed, sources
from retention_agent.vault.records import ItemRecord
from retention_agent.vault.vault import Vault

TOPIC = "copy"
READ_CHUNK = 1 << 20
EXPORT_TOPIC = "photo-export"
Origin = Literal[
    "open",
    "kept-original",
    "changed-original",
    "unremovable-original",
    "import-partial",
    "photo-export",
]


@dataclass(frozen=True)
class TrackedCopy:
    record_id: int
    case_id: str
    origin: Origin
    path: Path
    size: int
    fingerprint: str
    item_id: str | None  # None for a photo-export file (it stands for many items)

    @property
    def forgettable(self) -> bool:
        """Whether this module owns the record (photo-export records it only reads)."""
        return self.origin != "photo-export"

    def present(self) -> bool:
        """Cheap check, no reading: a regular file with the recorded size is there."""
        try:
            info = os.lstat(self.path)
        except OSError:
            return False
        return stat.S_ISREG(info.st_mode) and info.st_size == self.size


def track(
    vault: Vault,
    *,
    case_id: str,
    item_id: str,
    path: Path,
    size: int,
    fingerprint: str,
    origin: Origin,
    now: dt.datetime,
) -> int:
    """Record a copy of item ``item_id`` that the program wrote or left at ``path``."""
    with vault.transaction():
        return _insert(vault, case_id, item_id, path, size, fingerprint, origin, now)


@dataclass(frozen=True)
class Left:
    """An original left outside the vault, to be tracked (see :func:`track_many`)."""

    item_id: str
    path: Path
    origin: Origin
    fingerprint: str | None  # None: read the file to fingerprint it (it may have changed)


def track_many(vault: Vault, case_id: str, left: Sequence[Left], now: dt.datetime) -> None:
    """Record many originals at once, in one transaction: a phone's photo dump added with
    ``--keep-original`` leaves thousands."""
    found: list[tuple[Left, int, str]] = []
    for entry in left:
        try:
            if entry.fingerprint is None:
                fingerprint, size = fingerprint_file(vault, entry.path)
            else:
                fingerprint, size = entry.fingerprint, os.lstat(entry.path).st_size
        except OSError:
            continue  # gone or unreadable: nothing left to find
        found.append((entry, size, fingerprint))
    if not found:
        return
    with vault.transaction():
        for entry, size, fingerprint in found:
            _insert(vault, case_id, entry.item_id, entry.path, size, fingerprint, entry.origin, now)


def _insert(
    vault: Vault,
    case_id: str,
    item_id: str,
    path: Path,
    size: int,
    fingerprint: str,
    origin: Origin,
    now: dt.datetime,
) -> int:
    value = {
        "path": os.path.abspath(path),
        "size": size,
        "fingerprint": fingerprint,
        "item": item_id,
        "origin": origin,
    }
    return sealed.insert(vault, TOPIC, value, now, case_id=case_id)


def track_open(vault: Vault, item: ItemRecord, path: Path, now: dt.datetime) -> int:
    """Record the decrypted copy of ``item`` that ``retention open``
    (``catalog.export_item``) wrote at ``path``."""
    return track(
        vault,
        case_id=item.case_id,
        item_id=item.id,
        path=path,
        size=item.size,
        fingerprint=item.fingerprint or "",
        origin="open",
        now=now,
    )


def fingerprint_file(vault: Vault, path: Path) -> tuple[str, int]:
    """The keyed fingerprint and size of a file, read in bounded memory."""
    fingerprint = vault.fingerprinter()
    size = 0
    with sources.open_regular(path) as handle:
        while chunk := handle.read(READ_CHUNK):
            fingerprint.update(chunk)
            size += len(chunk)
    return fingerprint.hexdigest(), size


def all_copies(vault: Vault, *, case_id: str | None = None) -> list[TrackedCopy]:
    """Every tracked copy, present or not: ``copy`` records, then photo-export files."""
    found = [
        copy
        for record in sealed.find(vault, TOPIC, case_id=case_id)
        if (copy := _copy(record)) is not None
    ]
    for record in sealed.find(vault, EXPORT_TOPIC, case_id=case_id):
        if record.case_id is None:
            continue
        for entry in _export_files(record.value):
            found.append(
                TrackedCopy(
                    record_id=record.id,
                    case_id=record.case_id,
                    origin="photo-export",
                    path=Path(entry["path"]),
                    size=int(entry["size"]),
                    fingerprint=str(entry["fingerprint"]),
                    item_id=None,
                )
            )
    return found


def outstanding(vault: Vault, *, case_id: str | None = None) -> list[TrackedCopy]:
    """The tracked copies whose files are still there (by name and size)."""
    return [copy for copy in all_copies(vault, case_id=case_id) if copy.present()]


def outstanding_by_case(vault: Vault) -> Counter[str]:
    return Counter(copy.case_id for copy in outstanding(vault))


def forget(vault: Vault, copy: TrackedCopy) -> None:
    """Destroy the record of a copy that is gone (key first); photo exports stay."""
    if copy.forgettable:
        sealed.destroy(vault, copy.record_id)


def forget_gone(vault: Vault) -> int:
    """Destroy the records of copies whose files are no longer there."""
    gone = [c for c in all_copies(vault) if c.forgettable and not c.present()]
    for copy in gone:
        forget(vault, copy)
    return len(gone)


def forget_items(vault: Vault, item_ids: Collection[str]) -> int:
    """Destroy the records of the copies of these (deleted) items, at the end of their
    tombstone period: the program stops remembering where they were."""
    doomed = [c for c in all_copies(vault) if c.forgettable and c.item_id in item_ids]
    for copy in doomed:
        forget(vault, copy)
    return len(doomed)


def _copy(record: sealed.SealedRecord) -> TrackedCopy | None:
    value = record.value
    if record.case_id is None:
        return None
    return TrackedCopy(
        record_id=record.id,
        case_id=record.case_id,
        origin=value["origin"],
        path=Path(value["path"]),
        size=int(value["size"]),
        fingerprint=str(value["fingerprint"]),
        item_id=value.get("item"),
    )


def _export_files(value: dict[str, Any]) -> list[dict[str, Any]]:
    """The photo export's files that name a path, a size and a fingerprint."""
    entries = value.get("files")
    if not isinstance(entries, list):
        return []
    return [
        entry
        for entry in entries
        if isinstance(entry, dict)
        and isinstance(entry.get("path"), str)
        and isinstance(entry.get("size"), int)
        and isinstance(entry.get("fingerprint"), str)
    ]
