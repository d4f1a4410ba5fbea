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
from typing import Any

from retention_agent import clock, thumbnails
from retention_agent.vault import crypto, files, finality, index, receipts, rows, tombstones
from retention_agent.vault.cases import case_key_id
from retention_agent.vault.keystore import KeyMissing
from retention_agent.vault.records import DeletionRequest, item_key_id
from retention_agent.vault.vault import Vault

METHOD = "item-keys-destroyed+blobs-unlinked+kek-rotated"
# Added to the method where the disk may keep old copies of the destroyed key (finality).
OLD_COPIES = "+old-key-copies-may-survive-on-this-disk"
DAMAGED_JOURNAL = "damaged-journal"  # a receipt's reason when its journal row was damaged
StepHook = Callable[[str], None]


def _no_hook(step: str) -> None:
    """Production runs without step hooks."""


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
    with vault.transaction():
        found = vault.db.execute(
            f"SELECT id, kind, size, blob FROM items WHERE case_id = ? AND id IN ({placeholders})",  # noqa: S608
            (request.case_id, *request.item_ids),
        ).fetchall()
        items = [{"kind": r["kind"], "size": r["size"], "blob": r["blob"]} for r in found]
        # Copies outside the vault can still be recognised after this (retention scan).
        outside = tombstones.bury(vault, request.case_id, [r["id"] for r in found], now)
        for row in found:
            rows.delete(vault, "items", "id = ?", (row["id"],))
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
        journal_id = rows.insert(
            vault,
            "journal",
            {
                "body": json.dumps(body),
                "step": "keys_destroyed",
                "old_epoch": vault.epoch,
                "new_epoch": vault.epoch + 1,
            },
        )
    index.scrub(vault.db)
    thumbnails.remove(outside)
    return journal_id


def _anonymise_case(vault: Vault, case_id: str) -> bool:
    """Drop what could identify the child: alias, notes, hold reasons, the case key."""
    changed = rows.update(
        vault, "cases", "id = ? AND sealed IS NOT NULL", (case_id,), {"sealed": None}
    )
    rows.update(vault, "holds", "case_id = ?", (case_id,), {"sealed": None})
    vault.db.execute("DELETE FROM keys WHERE id = ?", (case_key_id(case_id),))
    return changed > 0


def _finish(vault: Vault, journal_id: int, on_step: StepHook) -> receipts.Receipt:
    row = vault.db.execute(
        "SELECT rowid AS row_id, * FROM journal WHERE id = ?", (journal_id,)
    ).fetchone()
    if not vault.damage.row_trusted("journal", row["row_id"]):
        return _finish_damaged(vault, journal_id, on_step)
    body: dict[str, Any] = json.loads(row["body"])
    if row["step"] == "keys_destroyed":
        for item in body["items"]:
            files.remove_quietly(vault.blob_path(item["blob"]))
        files.fsync_dir(vault.blobs)
        _set_step(vault, journal_id, "blobs_removed")
        on_step("blobs_removed")
    lost = _rotate(vault, row["old_epoch"], row["new_epoch"], journal_id, on_step)
    receipt_body = {key: value for key, value in body.items() if key != "items"} | {
        "kinds": _summary(body["items"]),
        "method": METHOD,
        "kek_epoch": row["new_epoch"],
    }
    return _receipt(vault, journal_id, receipt_body, lost, on_step)


def _finish_damaged(vault: Vault, journal_id: int, on_step: StepHook) -> receipts.Receipt:
    """A journal row that fails its MAC: its list of files and its epochs cannot be
    trusted. The files no item names are removed by recovery anyway; the rotation is
    finished from the vault's own epoch, which is always safe."""
    lost = _rotate(vault, vault.epoch, vault.epoch + 1, journal_id, on_step)
    body = {"type": "deletion", "date": clock.now().date().isoformat(), "reason": DAMAGED_JOURNAL}
    return _receipt(
        vault, journal_id, body | {"method": METHOD, "kek_epoch": vault.epoch}, lost, on_step
    )


def _receipt(
    vault: Vault, journal_id: int, body: dict[str, Any], lost: list[str], on_step: StepHook
) -> receipts.Receipt:
    if lost:
        # Keys that no longer opened: their items are gone for good with the old KEK.
        body["keys_lost"] = sorted(lost)
    honest = finality.assess(vault.home, vault.store.kind)
    body["finality"] = honest.as_json()
    if honest.old_copies_possible:
        body["method"] = f"{body['method']}{OLD_COPIES}"
    with vault.transaction():
        receipt = receipts.append(vault, body)
        rows.delete(vault, "journal", "id = ?", (journal_id,))
    index.scrub(vault.db)
    on_step("receipted")
    return receipt


def _rotate(vault: Vault, old: int, new: int, journal_id: int, on_step: StepHook) -> list[str]:
    """Store the new KEK, re-wrap every key under it and destroy the old one; returns
    the ids of the keys that did not open (damaged), which are dropped."""
    lost: list[str] = []
    if vault.epoch == old:
        _set_step(vault, journal_id, "rotating")
        try:
            new_kek = vault.store.load(new)  # stored before a crash: keep using it
        except KeyMissing:
            new_kek = crypto.new_key()
            vault.store.store(new, new_kek)
        on_step("rotating")
        lost = rewrap_all(vault, new, new_kek)
        on_step("rewrapped")
    vault.store.destroy(old)
    on_step("old_kek_destroyed")
    return lost


def rewrap_all(vault: Vault, new_epoch: int, new_kek: bytes) -> list[str]:
    """Re-wrap every data key and re-key every row MAC under ``new_kek`` in one
    transaction. A wrapped key that does not open is dropped (it could never open
    again once the old KEK is gone) and returned, so one damaged row never stops a
    rotation; its item then counts as damaged."""
    lost: list[str] = []
    items = {row["id"] for row in vault.db.execute("SELECT id FROM items")}
    with vault.transaction():
        for row in vault.db.execute("SELECT id FROM keys").fetchall():
            prefix, _, item = row["id"].partition(":")
            if prefix == "item" and item not in items:
                # Its item's row is gone (someone removed it): nothing to keep it for.
                lost.append(row["id"])
                vault.db.execute("DELETE FROM keys WHERE id = ?", (row["id"],))
                continue
            try:
                data_key = vault.unwrap(row["id"])
            except crypto.TamperedError:
                lost.append(row["id"])
                vault.db.execute("DELETE FROM keys WHERE id = ?", (row["id"],))
                continue
            wrapped = crypto.wrap_key(new_kek, data_key, vault.id, row["id"], new_epoch)
            vault.db.execute(
                "UPDATE keys SET wrapped = ?, epoch = ? WHERE id = ?",
                (wrapped, new_epoch, row["id"]),
            )
        rows.reseal_all(vault, rows.row_key(new_kek, vault.id))
        index.set_meta(vault.db, "kek_epoch", str(new_epoch))
    index.scrub(vault.db)
    vault.use_kek(new_epoch, new_kek)
    return lost


def _set_step(vault: Vault, journal_id: int, step: str) -> None:
    with vault.transaction():
        rows.update(vault, "journal", "id = ?", (journal_id,), {"step": step})


def _summary(items: Sequence[dict[str, Any]]) -> dict[str, dict[str, int]]:
    summary: dict[str, dict[str, int]] = {}
    for item in items:
        entry = summary.setdefault(item["kind"], {"count": 0, "bytes": 0})
        entry["count"] += 1
        entry["bytes"] += item["size"]
    return summary
