"""Final deletion: journaled, resumable, and followed by a KEK rotation.

Steps of one deletion (``on_step`` is called after each; tests kill the process there)::

    keys_destroyed   one transaction: journal row written, item rows and wrapped keys
                     deleted (secure_delete), the case anonymised if it has no items
                     left; WAL checkpointed and truncated. From here on the items are
                     gone for every reader and cannot be decrypted with the current KEK.
    blobs_removed    the encrypted files unlinked, folder synced.
    rotating         a new KEK stored (epoch n+1) next to the old one.
    rewrapped        one transaction: every surviving wrapped key re-wrapped under the
                     new KEK, the vault's epoch set to n+1.
    old_kek_destroyed  the old KEK removed from the keyring or key file: stale copies of
                     wrapped keys (SSD remnants, snapshots, backups) are now useless.
    receipted        one transaction: receipt appended, journal row deleted.

The old KEK is destroyed only after the transaction that stops every key depending on it
has committed. ``resume`` runs on every open and finishes whatever a crash interrupted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from retention_agent import thumbnails
from retention_agent.vault import crypto, files, index, receipts, tombstones
from retention_agent.vault.cases import case_key_id
from retention_agent.vault.ingest import item_key_id
from retention_agent.vault.keystore import KeyMissing
from retention_agent.vault.vault import Vault

METHOD = "item-keys-destroyed+blobs-unlinked+kek-rotated"
StepHook = Callable[[str], None]


def _no_hook(step: str) -> None:
    """Production runs without step hooks."""


@dataclass(frozen=True)
class DeletionRequest:
    case_id: str
    item_ids: tuple[str, ...]
    rules: tuple[str, ...]
    policy_id: str
    policy_version: str
    # Why, when no policy rule is the cause: "closed-by-family", "added-by-mistake".
    reason: str | None = None


def delete_items(
    vault: Vault, request: DeletionRequest, now: dt.datetime, on_step: StepHook = _no_hook
) -> receipts.Receipt:
    """Delete ``request.item_ids`` for good and return the receipt."""
    journal_id = _destroy_keys(vault, request, now)
    on_step("keys_destroyed")
    return _finish(vault, journal_id, on_step)


def resume(vault: Vault, on_step: StepHook = _no_hook) -> None:
    """Finish every deletion a crash interrupted (called when the vault is opened)."""
    for row in vault.db.execute("SELECT id FROM journal ORDER BY id").fetchall():
        _finish(vault, row["id"], on_step)


def _destroy_keys(vault: Vault, request: DeletionRequest, now: dt.datetime) -> int:
    placeholders = ",".join("?" * len(request.item_ids))
    with index.transaction(vault.db):
        rows = vault.db.execute(
            f"SELECT id, kind, size, blob FROM items WHERE case_id = ? AND id IN ({placeholders})",  # noqa: S608
            (request.case_id, *request.item_ids),
        ).fetchall()
        items = [{"kind": r["kind"], "size": r["size"], "blob": r["blob"]} for r in rows]
        # Copies outside the vault can still be recognised after this (retention scan).
        outside = tombstones.bury(vault, request.case_id, [r["id"] for r in rows], now)
        for row in rows:
            vault.db.execute("DELETE FROM items WHERE id = ?", (row["id"],))
            vault.db.execute("DELETE FROM keys WHERE id = ?", (item_key_id(row["id"]),))
        remaining = vault.db.execute(
            "SELECT COUNT(*) FROM items WHERE case_id = ?", (request.case_id,)
        ).fetchone()[0]
        anonymised = remaining == 0 and _anonymise_case(vault, request.case_id)
        body = {
            "type": "deletion",
            "date": now.date().isoformat(),
            "case": request.case_id,
            "rules": sorted(request.rules),
            "policy": {"id": request.policy_id, "version": request.policy_version},
            "items": items,
            "case_anonymised": anonymised,
        }
        if request.reason is not None:
            body["reason"] = request.reason
        cursor = vault.db.execute(
            "INSERT INTO journal (body, step, old_epoch, new_epoch) VALUES (?, ?, ?, ?)",
            (json.dumps(body), "keys_destroyed", vault.epoch, vault.epoch + 1),
        )
    index.scrub(vault.db)
    thumbnails.remove(outside)
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _anonymise_case(vault: Vault, case_id: str) -> bool:
    """Drop what could identify the child: alias, notes, hold reasons, the case key."""
    changed = vault.db.execute(
        "UPDATE cases SET sealed = NULL WHERE id = ? AND sealed IS NOT NULL", (case_id,)
    ).rowcount
    vault.db.execute("UPDATE holds SET sealed = NULL WHERE case_id = ?", (case_id,))
    vault.db.execute("DELETE FROM keys WHERE id = ?", (case_key_id(case_id),))
    return changed > 0


def _finish(vault: Vault, journal_id: int, on_step: StepHook) -> receipts.Receipt:
    row = vault.db.execute("SELECT * FROM journal WHERE id = ?", (journal_id,)).fetchone()
    body: dict[str, Any] = json.loads(row["body"])
    if row["step"] == "keys_destroyed":
        for item in body["items"]:
            files.remove_quietly(vault.blob_path(item["blob"]))
        files.fsync_dir(vault.blobs)
        _set_step(vault, journal_id, "blobs_removed")
        on_step("blobs_removed")
    _rotate(vault, row["old_epoch"], row["new_epoch"], journal_id, on_step)
    summary = _summary(body["items"])
    receipt_body = {key: value for key, value in body.items() if key != "items"} | {
        "kinds": summary,
        "method": METHOD,
        "kek_epoch": row["new_epoch"],
    }
    with index.transaction(vault.db):
        receipt = receipts.append(vault.db, receipt_body)
        vault.db.execute("DELETE FROM journal WHERE id = ?", (journal_id,))
    index.scrub(vault.db)
    on_step("receipted")
    return receipt


def _rotate(vault: Vault, old: int, new: int, journal_id: int, on_step: StepHook) -> None:
    if vault.epoch == old:
        _set_step(vault, journal_id, "rotating")
        try:
            new_kek = vault.store.load(new)  # stored before a crash: keep using it
        except KeyMissing:
            new_kek = crypto.new_key()
            vault.store.store(new, new_kek)
        on_step("rotating")
        _rewrap_all(vault, new, new_kek)
        on_step("rewrapped")
    vault.store.destroy(old)
    on_step("old_kek_destroyed")


def _rewrap_all(vault: Vault, new_epoch: int, new_kek: bytes) -> None:
    with index.transaction(vault.db):
        for row in vault.db.execute("SELECT id FROM keys").fetchall():
            data_key = vault.unwrap(row["id"])
            wrapped = crypto.wrap_key(new_kek, data_key, vault.id, row["id"], new_epoch)
            vault.db.execute(
                "UPDATE keys SET wrapped = ?, epoch = ? WHERE id = ?",
                (wrapped, new_epoch, row["id"]),
            )
        index.set_meta(vault.db, "kek_epoch", str(new_epoch))
    index.scrub(vault.db)
    vault.use_kek(new_epoch, new_kek)


def _set_step(vault: Vault, journal_id: int, step: str) -> None:
    with index.transaction(vault.db):
        vault.db.execute("UPDATE journal SET step = ? WHERE id = ?", (step, journal_id))


def _summary(items: Sequence[dict[str, Any]]) -> dict[str, dict[str, int]]:
    summary: dict[str, dict[str, int]] = {}
    for item in items:
        entry = summary.setdefault(item["kind"], {"count": 0, "bytes": 0})
        entry["count"] += 1
        entry["bytes"] += item["size"]
    return summary
