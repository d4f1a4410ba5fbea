"""Reading the vault: items with their decrypted metadata, and decrypting one item to a
folder the user chose."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path, PurePath

from retention_agent.errors import (
    BlobMissing,
    IntegrityError,
    TargetExists,
    TargetNotDirectory,
    UnknownItem,
)
from retention_agent.vault import crypto, files
from retention_agent.vault.records import ItemRecord, Kind, item_key_id
from retention_agent.vault.vault import Vault


def list_items(
    vault: Vault, *, case_id: str | None = None, kind: Kind | None = None
) -> list[ItemRecord]:
    query = "SELECT * FROM items WHERE state = 'live'"
    params: list[str] = []
    if case_id is not None:
        query += " AND case_id = ?"
        params.append(case_id)
    if kind is not None:
        query += " AND kind = ?"
        params.append(kind)
    rows = vault.db.execute(query + " ORDER BY added, rowid", params).fetchall()
    return [_record(vault, row, strict=False) for row in rows]


def get_item(vault: Vault, item_id: str) -> ItemRecord:
    row = _row(vault, item_id)
    return _record(vault, row)


def fingerprint_of(vault: Vault, item_id: str) -> str | None:
    """The keyed fingerprint of an item's content (None where its metadata is damaged)."""
    key_id = item_key_id(item_id)
    row = vault.db.execute("SELECT sealed FROM items WHERE id = ?", (item_id,)).fetchone()
    try:
        meta = crypto.unseal(vault.unwrap(key_id), vault.id, key_id, row["sealed"])
    except crypto.TamperedError:
        return None
    fingerprint = meta.get("fingerprint")
    return fingerprint if isinstance(fingerprint, str) else None


def export_item(vault: Vault, item_id: str, folder: Path) -> Path:
    """Decrypt one item into ``folder`` under its original name; never overwrites.

    The name comes from the vault, which got it from a file on some other machine: only
    its last component is used, so it can never point outside ``folder``.
    """
    row = _row(vault, item_id)
    record = _record(vault, row)
    if not folder.is_dir():
        raise TargetNotDirectory()
    target = folder / safe_name(record.name, fallback=f"{item_id}.bin")
    blob = vault.blob_path(row["blob"])
    if not blob.exists():
        raise BlobMissing(item=item_id)
    try:
        out = files.open_private_new(target)
    except FileExistsError:
        raise TargetExists() from None
    try:
        with out, blob.open("rb") as handle:
            data_key = vault.unwrap(item_key_id(item_id))
            writer = files.EarlySyncWriter(out)
            try:
                for chunk in crypto.decrypt_stream(handle, data_key, vault.id, item_id):
                    writer.write(chunk)
            finally:
                writer.finish()
    except crypto.TamperedError:
        files.remove_quietly(target)
        raise IntegrityError(item=item_id) from None
    except OSError as error:
        files.remove_quietly(target)
        if files.is_disk_full(error):
            raise files.disk_full(folder, record.size) from None
        raise
    return target


def decrypted_chunks(vault: Vault, item_id: str) -> Iterator[bytes]:
    """An item's plaintext, in authenticated chunks, never written anywhere.

    Raises :class:`IntegrityError` if the blob does not authenticate; a truncated blob is
    only detected at the end, so a caller must discard what it received on error.
    """
    row = _row(vault, item_id)
    blob = vault.blob_path(row["blob"])
    if not blob.exists():
        raise BlobMissing(item=item_id)
    try:
        data_key = vault.unwrap(item_key_id(item_id))
        with blob.open("rb") as handle:
            yield from crypto.decrypt_stream(handle, data_key, vault.id, item_id)
    except crypto.TamperedError:
        raise IntegrityError(item=item_id) from None


def read_item(vault: Vault, item_id: str) -> bytes:
    """An item's whole plaintext in memory (for photos shown or exported one at a time)."""
    return b"".join(decrypted_chunks(vault, item_id))


# Most file systems allow 255 bytes per name (ext4, APFS, NTFS in UTF-16 units).
MAX_NAME_BYTES = 255


def safe_name(name: str, *, fallback: str) -> str:
    """The last path component of ``name`` (either separator), if it is a usable name,
    shortened to fit the platform's limit (keeping its extension)."""
    candidate = PurePath(name.replace("\\", "/")).name
    if candidate in ("", ".", "..") or candidate.startswith(".") or "\0" in candidate:
        return fallback
    return _shortened(candidate)


def _shortened(name: str) -> str:
    def size(text: str) -> int:
        return len(text.encode("utf-8", "surrogateescape"))

    if size(name) <= MAX_NAME_BYTES:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or size(suffix) > 16:
        stem, suffix = name, ""
    tail = f"…{dot}{suffix}" if suffix else "…"
    while size(stem) + size(tail) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + tail


def _row(vault: Vault, item_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = vault.db.execute(
        "SELECT * FROM items WHERE id = ? AND state = 'live'", (item_id,)
    ).fetchone()
    if row is None:
        raise UnknownItem(item=item_id)
    return row


def _record(vault: Vault, row: sqlite3.Row, *, strict: bool = True) -> ItemRecord:
    """The item with its metadata; a damaged one raises IntegrityError, or with
    ``strict=False`` (listings) is returned marked damaged, so the others still show."""
    key_id = item_key_id(row["id"])
    unreadable = False
    try:
        meta = crypto.unseal(vault.unwrap(key_id), vault.id, key_id, row["sealed"])
    except crypto.TamperedError:
        if strict:
            raise IntegrityError(item=row["id"]) from None
        meta, unreadable = {"name": ""}, True
    damaged = unreadable or row["id"] in vault.damage.items
    return ItemRecord(
        id=row["id"],
        case_id=row["case_id"],
        kind=row["kind"],
        name=meta["name"],
        size=row["size"],
        added=dt.datetime.fromisoformat(row["added"]),
        original=meta.get("original"),
        fingerprint=meta.get("fingerprint"),
        contacts=tuple(meta.get("contacts", ())),
        origin=meta.get("origin"),
        unreadable_cards=tuple(meta.get("unreadable_cards", ())),
        perceptual=meta.get("perceptual"),
        damaged=damaged,
    )
