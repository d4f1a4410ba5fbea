"""Repairs what an interrupted command left behind; runs on every open of the vault.

Each step is idempotent, so a crash during recovery is repaired by the next open too.
"""

from __future__ import annotations

import contextlib

from retention_agent.errors import IntegrityError
from retention_agent.vault import deletion, files, originals
from retention_agent.vault.crypto import HEADER_SIZE
from retention_agent.vault.ingest import settle_unverified
from retention_agent.vault.vault import Vault


def recover(vault: Vault) -> None:
    # A deletion cut short is finished first: its items must not come back.
    deletion.resume(vault)
    # Ciphertext of an ingest that never reached its rename.
    for part in vault.tmp.iterdir():
        files.remove_quietly(part)
    # Unverified rows: a crash hit between commit and read-back.
    unverified = vault.db.execute("SELECT id FROM items WHERE state = 'unverified'").fetchall()
    for row in unverified:
        # If it does not verify, settle_unverified removes every trace; the original is
        # still where it was.
        with contextlib.suppress(IntegrityError):
            settle_unverified(vault, row["id"])
    # Originals whose removal was journaled: finished once their items are live.
    originals.finish_pending(vault)
    # Blobs renamed into place whose index row was never committed.
    known = {row["blob"] for row in vault.db.execute("SELECT blob FROM items")}
    for blob in vault.blobs.iterdir():
        if blob.name not in known:
            files.remove_quietly(blob)


def problems(vault: Vault) -> list[tuple[str, str]]:
    """(item id, problem code) for items whose encrypted file is missing or cut short."""
    found: list[tuple[str, str]] = []
    for row in vault.db.execute("SELECT id, blob, size FROM items WHERE state = 'live'"):
        path = vault.blob_path(row["blob"])
        if not path.exists():
            found.append((row["id"], "blob_missing"))
        elif path.stat().st_size < HEADER_SIZE + row["size"]:
            found.append((row["id"], "blob_truncated"))
    return found
