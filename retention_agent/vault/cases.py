"""Cases: one Hjem til Os relationship each. The alias and notes are sealed under the
case's own key, so they can be destroyed on their own once the case has no items left."""

from __future__ import annotations

import datetime as dt
import sqlite3

from retention_agent.errors import UnknownCase
from retention_agent.vault import crypto, rows
from retention_agent.vault.records import CaseRecord
from retention_agent.vault.vault import Vault

CASE_ID_LENGTH = 6


def case_key_id(case_id: str) -> str:
    return f"case:{case_id}"


def new_case(
    vault: Vault,
    *,
    alias: str,
    start: dt.date,
    policy_id: str,
    policy_version: str,
    policy_text: str,
    now: dt.datetime,
) -> str:
    case_id = vault.new_id("cases", CASE_ID_LENGTH)
    data_key = crypto.new_key()
    sealed = crypto.seal(data_key, vault.id, case_key_id(case_id), {"alias": alias, "notes": None})
    with vault.transaction():
        vault.insert_key(case_key_id(case_id), data_key)
        rows.insert(
            vault,
            "cases",
            {
                "id": case_id,
                "start": start.isoformat(),
                "created": now.isoformat(),
                "policy_id": policy_id,
                "policy_version": policy_version,
                "policy_text": policy_text,
                "sealed": sealed,
            },
        )
    return case_id


def require_case(vault: Vault, case_id: str) -> None:
    """Check that the case exists, without unwrapping its key."""
    policy_text(vault, case_id)


def policy_text(vault: Vault, case_id: str) -> str:
    """The policy the case was created under, without unwrapping its key."""
    row = vault.db.execute("SELECT policy_text FROM cases WHERE id = ?", (case_id,)).fetchone()
    if row is None:
        raise UnknownCase(case=case_id)
    return str(row["policy_text"])


def get_case(vault: Vault, case_id: str) -> CaseRecord:
    row = vault.db.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
    if row is None:
        raise UnknownCase(case=case_id)
    return _record(vault, row)


def list_cases(vault: Vault) -> list[CaseRecord]:
    rows = vault.db.execute("SELECT * FROM cases ORDER BY start, id").fetchall()
    return [_record(vault, row) for row in rows]


def _record(vault: Vault, row: sqlite3.Row) -> CaseRecord:
    """The case with its alias; a damaged alias (or key) leaves it without one, marked
    damaged, so every command can still show the case by its id."""
    alias = notes = None
    damaged = not vault.damage.case_trusted(row["id"])
    if row["sealed"] is not None:
        key_id = case_key_id(row["id"])
        try:
            fields = crypto.unseal(vault.unwrap(key_id), vault.id, key_id, row["sealed"])
            alias, notes = fields["alias"], fields["notes"]
        except crypto.TamperedError:
            damaged = True
    return CaseRecord(
        id=row["id"],
        start=dt.date.fromisoformat(row["start"]),
        created=dt.datetime.fromisoformat(row["created"]),
        policy_id=row["policy_id"],
        policy_version=row["policy_version"],
        policy_text=row["policy_text"],
        alias=alias,
        notes=notes,
        damaged=damaged,
    )
