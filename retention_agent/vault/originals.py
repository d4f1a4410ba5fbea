"""Removing the user's original files once their encrypted copies are in the vault.

An original is removed only after the item holding its content is committed and
verified. The removal is journaled: a sealed record (topic ``pending-removal``: the
path, the file's identity when it was checked, the items it waits for) is written in
the same transaction as the items, so if the process dies while overwriting, the next
open of the vault finishes the removal instead of leaving a half-overwritten file
behind an item that says all is well.

How a file is removed depends on where it is (see ``filesystems``): overwritten with
zeros, synced and unlinked where overwriting reaches the old blocks; only unlinked on
copy-on-write and non-local file systems, where overwriting achieves nothing and must
not be claimed; and a file with other hard links (a backup, a photo library) is never
overwritten: only this link is removed, since the same bytes are still wanted there.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from retention_agent.vault import files, filesystems, sealed
from retention_agent.vault.sources import Identity, current
from retention_agent.vault.vault import Vault

TOPIC = sealed.PENDING_REMOVAL
_WORKERS = 4


class Method(StrEnum):
    OVERWRITTEN = "overwritten"  # zeroed, synced, unlinked
    DELETED = "deleted"  # unlinked only: overwriting would not reach the old blocks here
    LINK_REMOVED = "link_removed"  # one of several hard links removed; the file lives on


class Kept(StrEnum):
    ASKED = "asked"  # --keep-original
    CHANGED = "changed"  # someone changed or replaced it meanwhile: our copy is older
    GONE = "gone"  # no longer there
    FAILED = "failed"  # the operating system refused
    PARTLY_READ = "partly_read"  # not all of it could be read: it stays, so nothing is lost


@dataclass(frozen=True)
class Removal:
    path: Path
    method: Method | None  # None: kept, for the reason in ``kept``
    kept: Kept | None = None

    @property
    def removed(self) -> bool:
        return self.method is not None


def journal(
    vault: Vault, path: Path, identity: Identity, item_ids: list[str], now: dt.datetime
) -> int:
    """Record, inside the caller's transaction, that ``path`` is to be removed once
    ``item_ids`` are live."""
    value = {"path": str(path.absolute()), "identity": identity.as_json(), "items": item_ids}
    return sealed.insert(vault, TOPIC, value, now)


def remove(path: Path, checked: Identity, *, strict: bool = True) -> Removal:
    """Remove ``path`` if it is still the file that was checked. ``strict`` also requires
    an unchanged modification time; recovery passes False, because the interrupted
    overwrite itself changed it."""
    return remove_many([(path, checked)], strict=strict)[0]


def remove_many(targets: Sequence[tuple[Path, Identity]], *, strict: bool = True) -> list[Removal]:
    """:func:`remove` for many files. A phone's photo dump costs a sync per file (the
    zeros must be on disk before the unlink frees their blocks), so a few threads do
    them side by side; each folder's entries are synced once at the end."""
    if not targets:
        return []
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        done = list(pool.map(lambda target: _remove_one(target[0], target[1], strict), targets))
    for folder in {path.parent for path, _ in targets}:
        with contextlib.suppress(OSError):
            files.fsync_dir(folder)
    return done


def _remove_one(path: Path, checked: Identity, strict: bool) -> Removal:
    now = current(path)
    if now is None:
        return Removal(path, None, Kept.GONE)
    if not (checked.unchanged(now) if strict else checked.same_file(now)):
        return Removal(path, None, Kept.CHANGED)
    try:
        if now.links > 1:
            path.unlink()
            return Removal(path, Method.LINK_REMOVED)
        in_place = filesystems.detect(path.parent).overwrite_reaches_old_blocks
        if in_place and os.access(path, os.W_OK):
            files.overwrite_and_unlink(path, sync_folder=False)
            return Removal(path, Method.OVERWRITTEN)
        path.unlink()
        return Removal(path, Method.DELETED)
    except OSError:
        return Removal(path, None, Kept.FAILED)


def finish_pending(vault: Vault) -> list[Removal]:
    """Finish the removals an interrupted command journaled (called on every open).
    A removal whose items did not all become live is dropped: the original stays."""
    records = sealed.find(vault, TOPIC)
    targets: list[tuple[Path, Identity]] = []
    for record in records:
        items = record.value["items"]
        placeholders = ",".join("?" * len(items))
        live = vault.db.execute(
            f"SELECT COUNT(*) FROM items WHERE state = 'live' AND id IN ({placeholders})",  # noqa: S608
            items,
        ).fetchone()[0]
        if live == len(items):
            targets.append(
                (Path(record.value["path"]), Identity.from_json(record.value["identity"]))
            )
    done = remove_many(targets, strict=False)
    if records:
        sealed.destroy(vault, *(record.id for record in records))
    return done
