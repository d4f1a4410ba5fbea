"""Repairs what an interrupted command left behind, runs on every open of the vault that
may write, and lists what cannot be repaired.

Each step is idempotent, so a crash during recovery is repaired by the next open too.
"""

from __future__ import annotations

import contextlib

from retention_agent.errors import IntegrityError
from retention_agent.vault import backups, crypto, files, index, unlock
from retention_agent.vault.crypto import HEADER_SIZE
from retention_agent.vault.records import item_key_id
from retention_agent.vault.sealed import PENDING_REMOVAL
from retention_agent.vault.vault import Vault


def recover(vault: Vault) -> None:
    _repair_keys(vault)
    if not backups.excluded(vault.home):  # an older vault, or someone removed them
        backups.exclude(vault.home)
    # The machinery of each repair is loaded only when there is something to repair:
    # almost every open finds nothing, and `retention status` should not pay for it.
    if vault.db.execute("SELECT 1 FROM journal LIMIT 1").fetchone():
        from retention_agent.vault import deletion

        # A deletion cut short is finished first: its items must not come back.
        deletion.resume(vault)
    # Ciphertext of an ingest that never reached its rename.
    for part in vault.tmp.iterdir():
        files.remove_quietly(part)
    # Unverified rows: a crash hit between commit and read-back.
    unverified = vault.db.execute("SELECT id FROM items WHERE state = 'unverified'").fetchall()
    if unverified:
        from retention_agent.vault.ingest import settle_unverified

        for row in unverified:
            # If it does not verify, settle_unverified removes every trace; the original
            # is still where it was.
            with contextlib.suppress(IntegrityError):
                settle_unverified(vault, row["id"])
    # Originals whose removal was journaled: finished once their items are live.
    if vault.db.execute(
        "SELECT 1 FROM sealed WHERE topic = ? LIMIT 1", (PENDING_REMOVAL,)
    ).fetchone():
        from retention_agent.vault import originals

        originals.finish_pending(vault)
    # Blobs renamed into place whose index row was never committed.
    known = {row["blob"] for row in vault.db.execute("SELECT blob FROM items")}
    for blob in vault.blobs.iterdir():
        if blob.name not in known:
            files.remove_quietly(blob)


def _repair_keys(vault: Vault) -> None:
    """The index's epoch and check key, when ``unlock`` had to look past them."""
    if index.get_meta(vault.db, "kek_epoch") != str(vault.epoch):
        with vault.transaction():
            index.set_meta(vault.db, "kek_epoch", str(vault.epoch))
    if not vault.key_opens(unlock.CHECK_KEY_ID):
        with vault.transaction():
            vault.db.execute("DELETE FROM keys WHERE id = ?", (unlock.CHECK_KEY_ID,))
            vault.insert_key(unlock.CHECK_KEY_ID, crypto.new_key())


def problems(vault: Vault) -> list[tuple[str, str]]:
    """(item or case id, problem code) for what is damaged or missing. Reading only."""
    found: list[tuple[str, str]] = []
    damage = vault.damage
    for case_id in sorted(damage.cases):
        found.append((case_id, "case_row_damaged"))
    for scope in sorted(damage.scopes - damage.cases):
        found.append((scope or "vault", "rows_changed" if scope else "vault_rows_changed"))
    for table in sorted(set(damage.rows) - {"cases", "items"}):
        for _ in damage.rows[table]:
            found.append(("vault", f"{table}_row_damaged"))
    keys = {row["id"] for row in vault.db.execute("SELECT id FROM keys")}
    for row in vault.db.execute("SELECT id, blob, size FROM items WHERE state = 'live'"):
        item_id = row["id"]
        if item_id in damage.items:
            found.append((item_id, "item_row_damaged"))
        if item_key_id(item_id) not in keys:
            found.append((item_id, "key_lost"))
        path = vault.blob_path(row["blob"])
        if not path.exists():
            found.append((item_id, "blob_missing"))
        elif path.stat().st_size < HEADER_SIZE + row["size"]:
            found.append((item_id, "blob_truncated"))
    return found
