"""Tombstones: what is needed to recognise copies of deleted items, kept for a while
after the deletion so that ``retention scan`` can still find the match paper left in
Downloads or a photo a chat app saved.

At deletion, inside the transaction that destroys the item keys, the items' keyed
fingerprints, sizes, kinds and (for photos) perceptual hashes move into one sealed
record (topic ``tombstone``, the case set, its own data key)::

    {"deleted": ISO date and time,
     "items": [{"item": id, "kind": kind, "size": int,
                "fingerprint": hex | null, "perceptual": {"phash", "dhash"} | null}]}

This is keyed, pseudonymised data about the deleted items: no name, path or content,
and the fingerprints mean nothing without the vault's fingerprint key. It is kept until
the case's checklist of places outside the vault is completed after the deletion, or
``KEEP_DAYS`` days have passed, whichever comes first; then the record is destroyed key
first (``sealed.destroy``), together with the records of the items' tracked copies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retention_agent.errors import UnknownItem
from retention_agent.vault import catalog, copies, sealed
from retention_agent.vault.vault import Vault

TOPIC = "tombstone"
KEEP_DAYS = 90


@dataclass(frozen=True)
class DeletedItem:
    item_id: str
    kind: str
    size: int
    fingerprint: str | None
    perceptual: dict[str, str] | None


@dataclass(frozen=True)
class Tombstone:
    record_id: int
    case_id: str
    deleted: dt.datetime
    items: tuple[DeletedItem, ...]

    @property
    def keep_until(self) -> dt.date:
        """The last day it is kept, unless the checklist is completed before."""
        return self.deleted.date() + dt.timedelta(days=KEEP_DAYS)


def bury(vault: Vault, case_id: str, item_ids: Sequence[str], now: dt.datetime) -> list[Path]:
    """Write the tombstone of ``item_ids``; call inside the deletion's transaction,
    before their keys go. Returns the paths outside the vault these items had (their
    originals and tracked copies), whose thumbnails the caller removes."""
    entries: list[dict[str, Any]] = []
    outside: list[Path] = []
    for item_id in item_ids:
        try:
            item = catalog.get_item(vault, item_id)
        except UnknownItem:
            continue  # not live (an unverified row): there is nothing to recognise
        entries.append(
            {
                "item": item.id,
                "kind": item.kind,
                "size": item.size,
                "fingerprint": item.fingerprint,
                "perceptual": item.perceptual,
            }
        )
        if item.original:
            outside.append(Path(item.original))
    if not entries:
        return outside
    ids = {entry["item"] for entry in entries}
    outside += [c.path for c in copies.all_copies(vault, case_id=case_id) if c.item_id in ids]
    value = {"deleted": now.isoformat(), "items": entries}
    sealed.insert(vault, TOPIC, value, now, case_id=case_id)
    return outside


def all_tombstones(vault: Vault) -> list[Tombstone]:
    return [_tombstone(record) for record in sealed.find(vault, TOPIC)]


def expire(
    vault: Vault, today: dt.date, checklist_completed: Callable[[str], dt.date | None]
) -> int:
    """Destroy the tombstones whose time is up; returns how many.

    ``checklist_completed(case_id)`` is the day the case's checklist was completed
    (None while it is not): a checklist completed before the deletion does not count,
    since the family could not yet have looked for copies of what was deleted later.
    """
    destroyed = 0
    for tombstone in all_tombstones(vault):
        completed = checklist_completed(tombstone.case_id)
        done = completed is not None and completed >= tombstone.deleted.date()
        if done or today > tombstone.keep_until:
            copies.forget_items(vault, {item.item_id for item in tombstone.items})
            sealed.destroy(vault, tombstone.record_id)
            destroyed += 1
    return destroyed


def _tombstone(record: sealed.SealedRecord) -> Tombstone:
    assert record.case_id is not None
    return Tombstone(
        record_id=record.id,
        case_id=record.case_id,
        deleted=dt.datetime.fromisoformat(record.value["deleted"]),
        items=tuple(
            DeletedItem(
                item_id=entry["item"],
                kind=entry["kind"],
                size=int(entry["size"]),
                fingerprint=entry.get("fingerprint"),
                perceptual=entry.get("perceptual"),
            )
            for entry in record.value["items"]
        ),
    )
