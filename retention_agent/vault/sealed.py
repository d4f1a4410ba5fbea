"""Sealed records: small encrypted facts that are not items, e.g. where a photo export
went, copies the product left outside the vault, tombstones of deleted items' keyed
fingerprints, the family's Red Barnet contact person.

Each record has a ``topic`` (a short constant of the module that writes it), an optional
case, a creation time and a JSON value sealed under the record's own data key
(``sealed:<id>``). Destroying a record destroys its key first, so its value is
unrecoverable even where the row's old bytes survive on disk.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retention_agent.vault import crypto, index, rows
from retention_agent.vault.cases import require_case
from retention_agent.vault.vault import INDEX, Vault

# The journaled removal of an original (``originals``); named here so that recovery can
# see whether there is any without loading the removal machinery.
PENDING_REMOVAL = "pending-removal"


@dataclass(frozen=True)
class SealedRecord:
    id: int
    topic: str
    case_id: str | None
    created: dt.datetime
    value: dict[str, Any]


def record_key_id(record_id: int) -> str:
    return f"sealed:{record_id}"


def add(
    vault: Vault,
    topic: str,
    value: dict[str, Any],
    now: dt.datetime,
    *,
    case_id: str | None = None,
) -> int:
    """Store ``value`` (JSON-serialisable) sealed; returns the record's id."""
    if case_id is not None:
        require_case(vault, case_id)
    with vault.transaction():
        return insert(vault, topic, value, now, case_id=case_id)


def insert(
    vault: Vault,
    topic: str,
    value: dict[str, Any],
    now: dt.datetime,
    *,
    case_id: str | None = None,
) -> int:
    """:func:`add` inside a transaction the caller holds (``vault.transaction()``)."""
    data_key = crypto.new_key()
    record_id = _next_id(vault)
    key_id = record_key_id(record_id)
    vault.insert_key(key_id, data_key)
    rows.insert(
        vault,
        "sealed",
        {
            "id": record_id,
            "topic": topic,
            "case_id": case_id,
            "created": now.isoformat(),
            "sealed": crypto.seal(data_key, vault.id, key_id, value),
        },
    )
    return record_id


def _next_id(vault: Vault) -> int:
    row = vault.db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM sealed").fetchone()
    return int(row[0])


def find(vault: Vault, topic: str, *, case_id: str | None = None) -> list[SealedRecord]:
    """The records of ``topic`` (of one case, if given), oldest first."""
    query = "SELECT rowid AS row_id, * FROM sealed WHERE topic = ?"
    params: list[str] = [topic]
    if case_id is not None:
        query += " AND case_id = ?"
        params.append(case_id)
    found = vault.db.execute(query + " ORDER BY id", params).fetchall()
    # A damaged record is left out (``retention status`` and ``verify`` report it).
    records = (_record(vault, row) for row in found)
    return [record for record in records if record is not None]


def record_ids(vault: Vault, topic: str) -> list[int]:
    """The ids of every record of ``topic``, damaged ones included (to destroy them)."""
    found = vault.db.execute("SELECT id FROM sealed WHERE topic = ? ORDER BY id", (topic,))
    return [int(row["id"]) for row in found]


def latest_by_case(home: Path, topic: str) -> dict[str, dt.datetime]:
    """Per case, when its latest record of ``topic`` was made, from the readable columns
    without the key or the vault's lock (the agent's schedule; a reminder, never a
    deletion, rests on it). Empty where the vault cannot be read."""
    try:
        with closing(index.connect_reader(home / INDEX, immutable=False)) as db:
            found = db.execute(
                "SELECT case_id, MAX(created) AS latest FROM sealed "
                "WHERE topic = ? AND case_id IS NOT NULL GROUP BY case_id",
                (topic,),
            ).fetchall()
    except sqlite3.DatabaseError:
        return {}
    return {str(row["case_id"]): dt.datetime.fromisoformat(row["latest"]) for row in found}


def get(vault: Vault, record_id: int) -> SealedRecord:
    row = vault.db.execute(
        "SELECT rowid AS row_id, * FROM sealed WHERE id = ?", (record_id,)
    ).fetchone()
    record = None if row is None else _record(vault, row)
    if record is None:
        raise KeyError(record_id)
    return record


def replace(vault: Vault, record_id: int, value: dict[str, Any]) -> None:
    """Seal a new value into an existing record (same key)."""
    key_id = record_key_id(record_id)
    sealed = crypto.seal(vault.unwrap(key_id), vault.id, key_id, value)
    with vault.transaction():
        rows.update(vault, "sealed", "id = ?", (record_id,), {"sealed": sealed})


def destroy(vault: Vault, *record_ids: int) -> None:
    """Remove records for good: their keys and rows, then scrub the WAL."""
    with vault.transaction():
        for record_id in record_ids:
            vault.db.execute("DELETE FROM keys WHERE id = ?", (record_key_id(record_id),))
            rows.delete(vault, "sealed", "id = ?", (record_id,))
    index.scrub(vault.db)


def _record(vault: Vault, row: Any) -> SealedRecord | None:
    """The record, or None if its row or its sealed value is damaged."""
    if not vault.damage.row_trusted("sealed", row["row_id"]):
        return None
    key_id = record_key_id(row["id"])
    try:
        value = crypto.unseal(vault.unwrap(key_id), vault.id, key_id, row["sealed"])
    except crypto.TamperedError:
        return None
    return SealedRecord(
        id=row["id"],
        topic=row["topic"],
        case_id=row["case_id"],
        created=dt.datetime.fromisoformat(row["created"]),
        value=value,
    )
