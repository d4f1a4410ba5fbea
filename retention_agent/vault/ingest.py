"""Crash-safe ingest: an original is never removed before its encrypted copy is written,
synced, committed and read back.

Steps (``on_step`` is called after each, which is also where tests kill the process)::

    written    ciphertext in tmp/<random>.part, fsynced
    renamed    moved to blobs/<random>, folder fsynced
    committed  key and item row committed, state 'unverified'
    verified   blob decrypted end to end under the unwrapped key, state 'live'
    removed    original overwritten and unlinked (only when asked)

A crash before ``committed`` leaves ciphertext debris only, removed on the next open; a
crash after it leaves an 'unverified' row that the next open verifies (then it is a
complete item) or removes (then there is no trace). The original is untouched until
``verified``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from retention_agent.errors import IntegrityError
from retention_agent.formats.vcard import Contact, read_vcards, to_json, to_vcard
from retention_agent.vault import crypto, files, index
from retention_agent.vault.cases import require_case
from retention_agent.vault.records import Kind
from retention_agent.vault.vault import Vault

ITEM_ID_LENGTH = 8
StepHook = Callable[[str], None]


def _no_hook(step: str) -> None:
    """Production runs without step hooks."""


@dataclass(frozen=True)
class Ingested:
    item_id: str
    size: int
    original_removed: bool
    original_changed: bool = False
    # A .vcf read only in part: the numbers of the cards that could not be read (empty
    # when only lines outside any card were not understood); the original is kept.
    partly_read: bool = False
    unreadable_cards: tuple[int, ...] = ()


def item_key_id(item_id: str) -> str:
    return f"item:{item_id}"


def ingest_file(
    vault: Vault,
    *,
    case_id: str,
    kind: Kind,
    source: Path,
    position: int,
    now: dt.datetime,
    keep_original: bool,
    on_step: StepHook = _no_hook,
) -> Ingested:
    """Encrypt one of the user's files into the vault; ``position`` numbers it in errors."""
    require_case(vault, case_id)
    handle, size = files.open_source(source, position)
    with handle:
        before = os.fstat(handle.fileno())
        meta: dict[str, Any] = {"name": source.name, "original": str(source.absolute())}
        partly: tuple[int, ...] | None = None
        if kind == "contact":
            cards = read_vcards(handle.read(), position=position)
            handle.seek(0)
            meta["contacts"] = [to_json(contact) for contact in cards.contacts]
            if not cards.complete:
                # The vault takes the whole file; the original stays, so nothing is lost.
                partly = meta["unreadable_cards"] = cards.unreadable
        item_id = _ingest(vault, case_id, kind, handle, size, meta, now, on_step)
    if partly is not None:
        return Ingested(
            item_id, size, original_removed=False, partly_read=True, unreadable_cards=partly
        )
    if keep_original:
        return Ingested(item_id, size, original_removed=False)
    # Someone changed the original while it was being encrypted: our copy is not the
    # newest version, so the original stays.
    after = source.lstat()
    if (after.st_ino, after.st_size, after.st_mtime_ns) != (
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    ):
        return Ingested(item_id, size, original_removed=False, original_changed=True)
    files.overwrite_and_unlink(source)
    on_step("removed")
    return Ingested(item_id, size, original_removed=True)


def ingest_contact(
    vault: Vault, *, case_id: str, contact: Contact, now: dt.datetime, on_step: StepHook = _no_hook
) -> Ingested:
    """A contact typed in by hand, stored as a vCard item like an imported one."""
    require_case(vault, case_id)
    card = to_vcard(contact)
    meta = {"name": f"{contact.name}.vcf", "original": None, "contacts": [to_json(contact)]}
    item_id = _ingest(vault, case_id, "contact", io.BytesIO(card), len(card), meta, now, on_step)
    return Ingested(item_id, len(card), original_removed=False)


def _ingest(
    vault: Vault,
    case_id: str,
    kind: Kind,
    source: BinaryIO,
    size: int,
    meta: dict[str, Any],
    now: dt.datetime,
    on_step: StepHook,
) -> str:
    files.ensure_free_space(vault.home, size + size // 1000 + 4096)
    item_id = vault.new_id("items", ITEM_ID_LENGTH)
    data_key = crypto.new_key()
    blob = secrets.token_hex(16)
    part = vault.tmp / f"{blob}.part"
    fingerprint = vault.fingerprinter()
    try:
        with files.open_private_new(part) as target:
            writer = files.EarlySyncWriter(target)
            try:
                written = crypto.encrypt_stream(
                    source, writer, data_key, vault.id, item_id, fingerprint
                )
            finally:
                writer.finish()
    except OSError as error:
        files.remove_quietly(part)
        if files.is_disk_full(error):
            raise files.disk_full(vault.home, size) from None
        raise
    on_step("written")
    os.replace(part, vault.blob_path(blob))
    files.fsync_dir(vault.blobs)
    on_step("renamed")
    meta["fingerprint"] = fingerprint.hexdigest()
    key_id = item_key_id(item_id)
    with index.transaction(vault.db):
        vault.insert_key(key_id, data_key)
        vault.db.execute(
            "INSERT INTO items (id, case_id, kind, blob, size, added, state, sealed)"
            " VALUES (?, ?, ?, ?, ?, ?, 'unverified', ?)",
            (
                item_id,
                case_id,
                kind,
                blob,
                written,
                now.isoformat(),
                crypto.seal(data_key, vault.id, key_id, meta),
            ),
        )
    on_step("committed")
    settle_unverified(vault, item_id)
    on_step("verified")
    return item_id


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
        with index.transaction(vault.db):
            vault.db.execute("DELETE FROM items WHERE id = ?", (item_id,))
            vault.db.execute("DELETE FROM keys WHERE id = ?", (item_key_id(item_id),))
        files.remove_quietly(vault.blob_path(row["blob"]))
        raise
    with index.transaction(vault.db):
        vault.db.execute("UPDATE items SET state = 'live' WHERE id = ?", (item_id,))
