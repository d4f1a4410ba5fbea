"""Crash-safe ingest of a batch of parts: all of them go in, or none do; an original is
never removed before its encrypted copy is written, synced, committed and read back.

Steps (``on_step`` is called after each, which is also where tests kill the process)::

    written    every part encrypted into blobs/<random>, each file and the folder synced
    committed  one transaction: keys, item rows in state 'unverified', and the journaled
               removal of each original (``originals``)
    verified   every blob decrypted end to end under its unwrapped key; one transaction
               marks the items 'live'
    removed    the originals removed (each only if it is still the file that was read)

A crash before ``committed`` leaves blobs that no row names: removed on the next open.
A crash after it leaves 'unverified' rows that the next open verifies (then the items
are live and the originals' removal is finished) or removes (then there is no trace and
the originals stay). From ``committed`` until the originals are removed, Ctrl-C and
SIGTERM are held back (``interrupts``), so a command is never stopped in between.

The work is paid per batch, not per file: blobs are synced by a small pool of threads
while the next part is encrypted, the folder once, and the rows are written in two
transactions for the whole batch.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from retention_agent.errors import IntegrityError
from retention_agent.vault import (
    crypto,
    duplicates,
    files,
    index,
    interrupts,
    left_outside,
    originals,
    rows,
    sealed,
)
from retention_agent.vault.cases import require_case
from retention_agent.vault.records import Kind, item_key_id
from retention_agent.vault.sources import Identity, current
from retention_agent.vault.vault import Vault

ITEM_ID_LENGTH = 8
# Ids per "IN (...)" list: well below SQLite's limit on bound parameters.
_IN_CHUNK = 500
StepHook = Callable[[str], None]
Duplicates = Literal["refuse", "skip", "allow"]


def _no_hook(step: str) -> None:
    """Production runs without step hooks."""


@dataclass(frozen=True)
class Original:
    """A file of the user's that a part was read from, to remove once the part is in."""

    path: Path
    identity: Identity  # as checked before it was read


@dataclass(frozen=True)
class Part:
    """One future item: what it is, its stored name, and how to read its bytes."""

    kind: Kind
    name: str
    size: int
    open: Callable[[], BinaryIO]
    meta: Mapping[str, Any] = field(default_factory=dict)  # more sealed metadata
    original: Original | None = None  # removed after verify, unless originals are kept
    kept_because: originals.Kept | None = None  # the original stays whatever is asked


@dataclass(frozen=True)
class Ingested:
    item_id: str
    size: int
    original_removed: bool = False
    original_changed: bool = False
    removal: originals.Removal | None = None
    duplicate_of: str | None = None  # set when the part was skipped as a duplicate
    fingerprint: str | None = None  # keyed fingerprint of what went in (None if skipped)

    @property
    def skipped(self) -> bool:
        return self.duplicate_of is not None


@dataclass(frozen=True)
class Batch:
    """What :func:`ingest_parts` did, one entry per part, in order."""

    parts: tuple[Ingested, ...]
    removals: tuple[originals.Removal, ...] = ()  # of ``remove`` (whole-batch originals)


@dataclass
class _Written:
    part: Part
    item_id: str
    data_key: bytes
    blob: str
    size: int
    fingerprint: str


def ingest_parts(
    vault: Vault,
    *,
    case_id: str,
    parts: Sequence[Part],
    now: dt.datetime,
    keep_originals: bool = False,
    duplicates_policy: Duplicates = "refuse",
    remove: Sequence[Original] = (),
    on_step: StepHook = _no_hook,
) -> Batch:
    """Encrypt ``parts`` into the case, all or none. Each part's original (and every
    file in ``remove``, e.g. the chat export the parts came from) is removed once every
    part is verified, unless ``keep_originals``.

    ``duplicates_policy``: a part whose content the case already holds (by keyed
    fingerprint) is refused (:class:`DuplicateContent`, nothing changed), skipped (its
    original removed like any other, since the vault holds its content) or added again.
    Raises :class:`InterruptedAfter` carrying the :class:`Batch` if Ctrl-C came after
    the commit.
    """
    require_case(vault, case_id)
    item_ids = _new_ids(vault, len(parts))
    found: dict[int, duplicates.Holder] = {}
    if duplicates_policy != "allow":
        found = duplicates.find(vault, case_id, parts, item_ids)
    if found and duplicates_policy == "refuse":
        position, holder = next(iter(found.items()))
        raise duplicates.refusal(parts, position, holder, case_id)
    fresh = [(item_ids[i], part) for i, part in enumerate(parts) if i not in found]
    files.ensure_free_space(vault.home, sum(p.size + p.size // 1000 + 4096 for _, p in fresh))
    written = _write_all(vault, fresh)
    try:
        on_step("written")
    except BaseException:
        _remove_blobs(vault, written)
        raise
    with interrupts.deferred() as deferral:
        try:
            journaled = _commit(vault, case_id, written, parts, found, keep_originals, remove, now)
        except BaseException:
            _remove_blobs(vault, written)
            raise
        on_step("committed")
        _verify(vault, written)
        on_step("verified")
        deferral.result = _remove_originals(parts, written, found, keep_originals, remove)
        sealed.destroy(vault, *journaled)
        on_step("removed")
    result: Batch = deferral.result
    left_outside.record(vault, case_id, {w.item_id for w in written}, result, now)
    return result


def _new_ids(vault: Vault, count: int) -> list[str]:
    ids: list[str] = []
    while len(ids) < count:
        candidate = vault.new_id("items", ITEM_ID_LENGTH)
        if candidate not in ids:
            ids.append(candidate)
    return ids


def _write_all(vault: Vault, parts: Sequence[tuple[str, Part]]) -> list[_Written]:
    written: list[_Written] = []
    try:
        with files.BackgroundSync(vault.blobs) as sync, crypto.Hasher() as hasher:
            for item_id, part in parts:
                written.append(_write(vault, item_id, part, sync, hasher))
        files.fsync_dir(vault.blobs)
    except BaseException as error:
        _remove_blobs(vault, written)
        if isinstance(error, OSError) and files.is_disk_full(error):
            raise files.disk_full(vault.home, sum(p.size for _, p in parts)) from None
        raise
    return written


def _remove_blobs(vault: Vault, written: Sequence[_Written]) -> None:
    """Ciphertext that no committed row names (recovery would remove it too)."""
    for done in written:
        files.remove_quietly(vault.blob_path(done.blob))


def _write(
    vault: Vault, item_id: str, part: Part, sync: files.BackgroundSync, hasher: crypto.Hasher
) -> _Written:
    data_key = crypto.new_key()
    blob = secrets.token_hex(16)
    path = vault.blob_path(blob)
    fingerprint = vault.fingerprinter()
    target = files.open_private_new(path)
    try:
        with part.open() as source:
            sink = files.EarlySyncWriter(target) if part.size > files.EARLY_SYNC_FROM else target
            size = crypto.encrypt_stream(
                source, sink, data_key, vault.id, item_id, fingerprint, hasher
            )
            if isinstance(sink, files.EarlySyncWriter):
                sink.stop()
    except BaseException:
        target.close()
        files.remove_quietly(path)
        raise
    sync.submit(target)
    return _Written(part, item_id, data_key, blob, size, fingerprint.hexdigest())


def _commit(
    vault: Vault,
    case_id: str,
    written: Sequence[_Written],
    parts: Sequence[Part],
    found: Mapping[int, duplicates.Holder],
    keep_originals: bool,
    remove: Sequence[Original],
    now: dt.datetime,
) -> list[int]:
    """Write the batch's rows; returns the journal records of the originals' removal."""
    by_part = {id(w.part): w for w in written}
    journaled: list[int] = []
    with vault.transaction():
        for done in written:
            key_id = item_key_id(done.item_id)
            meta = dict(done.part.meta) | {"name": done.part.name, "fingerprint": done.fingerprint}
            original = done.part.original
            meta["original"] = str(original.path.absolute()) if original else None
            vault.insert_key(key_id, done.data_key)
            rows.insert(
                vault,
                "items",
                {
                    "id": done.item_id,
                    "case_id": case_id,
                    "kind": done.part.kind,
                    "blob": done.blob,
                    "size": done.size,
                    "added": now.isoformat(),
                    "state": "unverified",
                    "sealed": crypto.seal(done.data_key, vault.id, key_id, meta),
                },
            )
        if keep_originals:
            return journaled
        for position, part in enumerate(parts):
            if part.original is None or part.kept_because is not None:
                continue
            # A skipped duplicate waits for the item that already holds its content.
            holder = found[position].item_id if position in found else by_part[id(part)].item_id
            journaled.append(
                originals.journal(vault, part.original.path, part.original.identity, [holder], now)
            )
        every_item = [w.item_id for w in written]
        for original in remove:
            journaled.append(
                originals.journal(vault, original.path, original.identity, every_item, now)
            )
    return journaled


def _verify(vault: Vault, written: Sequence[_Written]) -> None:
    """Read every blob back; if one fails, the whole batch leaves no trace."""
    try:
        for done in written:
            verify_blob(vault, done.item_id, done.blob)
    except IntegrityError:
        _discard(vault, written)
        raise
    ids = [w.item_id for w in written]
    with vault.transaction():
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            where = f"id IN ({','.join('?' * len(chunk))})"
            rows.update(vault, "items", where, chunk, {"state": "live"})


def _discard(vault: Vault, written: Sequence[_Written]) -> None:
    with vault.transaction():
        for done in written:
            rows.delete(vault, "items", "id = ?", (done.item_id,))
            vault.db.execute("DELETE FROM keys WHERE id = ?", (item_key_id(done.item_id),))
    # Their journaled removals now wait for items that will never be live: dropped.
    originals.finish_pending(vault)
    _remove_blobs(vault, written)
    index.scrub(vault.db)


def _remove_originals(
    parts: Sequence[Part],
    written: Sequence[_Written],
    found: Mapping[int, duplicates.Holder],
    keep_originals: bool,
    remove: Sequence[Original],
) -> Batch:
    by_part = {id(w.part): w for w in written}
    to_remove = [
        p.original
        for p in parts
        if p.original is not None and p.kept_because is None and not keep_originals
    ]
    batch_originals = [] if keep_originals else list(remove)
    removed = iter(
        originals.remove_many([(o.path, o.identity) for o in [*to_remove, *batch_originals]])
    )
    results: list[Ingested] = []
    for position, part in enumerate(parts):
        done, holder = by_part.get(id(part)), found.get(position)
        if done is not None:
            item_id, size = done.item_id, done.size
        else:
            assert holder is not None  # a part not written was skipped as a duplicate
            item_id, size = holder.item_id, part.size
        removal = None
        if part.original is not None and part.kept_because is not None:
            removal = originals.Removal(part.original.path, None, part.kept_because)
        elif part.original is not None:
            asked = originals.Removal(part.original.path, None, originals.Kept.ASKED)
            removal = asked if keep_originals else next(removed)
        results.append(
            Ingested(
                item_id=item_id,
                size=size,
                original_removed=removal is not None and removal.removed,
                original_changed=removal is not None and removal.kept is originals.Kept.CHANGED,
                removal=removal,
                duplicate_of=holder.item_id if holder else None,
                fingerprint=done.fingerprint if done is not None else None,
            )
        )
    return Batch(tuple(results), tuple(removed))


def verify_blob(vault: Vault, item_id: str, blob: str) -> None:
    """Decrypt the whole blob without keeping any plaintext; raises IntegrityError."""
    try:
        data_key = vault.unwrap(item_key_id(item_id))
        with vault.blob_path(blob).open("rb") as handle:
            for _chunk in crypto.decrypt_stream(handle, data_key, vault.id, item_id):
                pass
    except (crypto.TamperedError, OSError):
        raise IntegrityError(item=item_id) from None


def settle_unverified(vault: Vault, item_id: str) -> None:
    """Read an unverified item back: it becomes live, or leaves no trace."""
    row = vault.db.execute("SELECT blob FROM items WHERE id = ?", (item_id,)).fetchone()
    try:
        verify_blob(vault, item_id, row["blob"])
    except IntegrityError:
        with vault.transaction():
            rows.delete(vault, "items", "id = ?", (item_id,))
            vault.db.execute("DELETE FROM keys WHERE id = ?", (item_key_id(item_id),))
        files.remove_quietly(vault.blob_path(row["blob"]))
        raise
    with vault.transaction():
        rows.update(vault, "items", "id = ?", (item_id,), {"state": "live"})


def changed_since(original: Original) -> bool:
    """Whether the user's file is no longer what was read (the agent ingests again)."""
    now = current(original.path)
    return now is None or not original.identity.unchanged(now)
