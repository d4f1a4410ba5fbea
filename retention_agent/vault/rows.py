"""Authenticated rows: nobody who can edit ``index.db`` but lacks the key can move a
deletion date, relabel an item, undo a decision or drop a row unnoticed.

Every row of the tables that decide what is deleted when (``AUTHENTICATED``) carries a
``mac``: HMAC-SHA-256 under the *row key* over the table's name and every other column
of the row, in order (``canonical``). The rows are grouped in *scopes*, one per case
(the case row, its items, holds, checklist and sealed records) plus the vault's own
(``""``: sealed records of no case, the deletion journal, the receipts); each scope has
a digest, an
HMAC over its rows' MACs in sorted order, so a row removed, added or replaced by an
older version of itself (a roll-back) changes the digest.

The row key is derived from the KEK (HKDF, its own purpose label), so it changes at
every KEK rotation, when every MAC and digest is computed anew (``reseal_all``).

Damage is sticky: a row whose MAC fails keeps failing (its MAC is set to the empty
marker when it is written again or re-keyed) and a scope whose digest fails keeps
failing, so a later write can never bless what an attacker changed. What the damage
means for deletion is decided in ``enforce``: never a later date.

Writers use :func:`insert`, :func:`update` and :func:`delete` inside
``vault.transaction()``, which reseals the touched scopes before it commits.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

if TYPE_CHECKING:
    from retention_agent.vault.vault import Vault

# table -> the column naming the row's case (None: always the vault's own scope)
AUTHENTICATED: dict[str, str | None] = {
    "cases": "id",
    "items": "case_id",
    "holds": "case_id",
    "checklist": "case_id",
    "sealed": "case_id",
    "journal": None,
    "receipts": None,
}
VAULT_SCOPE = ""
DAMAGED = b""  # the MAC or digest of something known to be damaged: never matches


def row_key(kek: bytes, vault_id: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"retention-agent/v1/rows|" + vault_id.encode(),
    ).derive(kek)


def canonical(table: str, row: Mapping[str, Any]) -> bytes:
    """The row's columns (all but ``mac``), in table order, as unambiguous bytes."""

    def encode(value: Any) -> Any:
        return {"b": value.hex()} if isinstance(value, bytes) else value

    values = [[name, encode(value)] for name, value in dict(row).items() if name != "mac"]
    return json.dumps([table, values], separators=(",", ":")).encode("utf-8", "surrogatepass")


def mac(key: bytes, table: str, row: Mapping[str, Any]) -> bytes:
    return hmac.new(key, canonical(table, row), hashlib.sha256).digest()


def scope_of(table: str, row: Mapping[str, Any]) -> str:
    column = AUTHENTICATED[table]
    value = row[column] if column is not None else None
    return VAULT_SCOPE if value is None else str(value)


# --- writing ----------------------------------------------------------------------------


def insert(vault: Vault, table: str, values: Mapping[str, Any]) -> int:
    """Insert a row with its MAC; returns its rowid. An integer ``id``/``seq`` key the
    caller leaves out is chosen here, since the MAC covers it."""
    columns = _columns(vault, table)
    row = {name: values.get(name) for name in columns if name != "mac"}
    key = columns[0]
    if row[key] is None and key in ("id", "seq"):
        row[key] = vault.db.execute(
            f"SELECT COALESCE(MAX({key}), 0) + 1 FROM {table}"  # noqa: S608 - our names
        ).fetchone()[0]
    vault.touched.add(scope_of(table, row))
    names = ", ".join(row)
    marks = ", ".join("?" * len(row))
    cursor = vault.db.execute(
        f"INSERT INTO {table} ({names}, mac) VALUES ({marks}, ?)",  # noqa: S608 - our names
        (*row.values(), mac(vault.row_key, table, row)),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def update(
    vault: Vault, table: str, where: str, params: Iterable[Any], changes: Mapping[str, Any]
) -> int:
    """Change ``changes`` in the rows ``WHERE where``; returns how many changed. A row
    that was damaged stays marked damaged: a write never blesses it."""
    found = vault.db.execute(
        f"SELECT rowid AS row_id, * FROM {table} WHERE {where}",  # noqa: S608 - our names
        tuple(params),
    ).fetchall()
    assignments = ", ".join(f"{name} = ?" for name in changes)
    for old in found:
        row = _fields(old) | dict(changes)
        vault.touched.add(scope_of(table, old))
        vault.touched.add(scope_of(table, row))
        trusted = vault.damage.row_trusted(table, old["row_id"])
        value = mac(vault.row_key, table, row) if trusted else DAMAGED
        vault.db.execute(
            f"UPDATE {table} SET {assignments}, mac = ? WHERE rowid = ?",  # noqa: S608
            (*changes.values(), value, old["row_id"]),
        )
    return len(found)


def delete(vault: Vault, table: str, where: str, params: Iterable[Any]) -> int:
    """Delete the rows ``WHERE where``; their scopes are resealed without them."""
    found = vault.db.execute(
        f"SELECT * FROM {table} WHERE {where}",  # noqa: S608 - our names
        tuple(params),
    ).fetchall()
    for row in found:
        vault.touched.add(scope_of(table, row))
    vault.db.execute(
        f"DELETE FROM {table} WHERE {where}",  # noqa: S608 - our names
        tuple(params),
    )
    return len(found)


def _fields(row: sqlite3.Row) -> dict[str, Any]:
    """A row read with ``SELECT rowid AS row_id, *`` as its own columns (MAC included)."""
    fields = dict(row)
    del fields["row_id"]
    return fields


def _columns(vault: Vault, table: str) -> list[str]:
    """The table's columns in their order (what ``SELECT *`` and the MAC use)."""
    return [row["name"] for row in vault.db.execute(f"PRAGMA table_info({table})")]


def reseal_scopes(vault: Vault, scopes: Iterable[str]) -> None:
    """Recompute the digests of ``scopes`` (a scope damaged before stays damaged)."""
    for scope in scopes:
        digest = DAMAGED
        if scope not in vault.damage.scopes:
            digest = _digest(vault.row_key, scope, _scope_macs(vault.db, scope))
        vault.db.execute(
            "INSERT INTO digests (scope, digest) VALUES (?, ?) "
            "ON CONFLICT(scope) DO UPDATE SET digest = excluded.digest",
            (scope, digest),
        )


def reseal_all(vault: Vault, new_key: bytes) -> None:
    """Every MAC and digest under ``new_key`` (a KEK rotation), keeping damage damaged;
    call inside the transaction that re-wraps the keys."""
    damage = vault.damage
    for table in AUTHENTICATED:
        for row in vault.db.execute(f"SELECT rowid AS row_id, * FROM {table}").fetchall():  # noqa: S608
            trusted = damage.row_trusted(table, row["row_id"])
            value = mac(new_key, table, _fields(row)) if trusted else DAMAGED
            vault.db.execute(
                f"UPDATE {table} SET mac = ? WHERE rowid = ?",  # noqa: S608
                (value, row["row_id"]),
            )
    for scope in _all_scopes(vault.db):
        digest = DAMAGED
        if scope not in damage.scopes:
            digest = _digest(new_key, scope, _scope_macs(vault.db, scope))
        vault.db.execute(
            "INSERT INTO digests (scope, digest) VALUES (?, ?) "
            "ON CONFLICT(scope) DO UPDATE SET digest = excluded.digest",
            (scope, digest),
        )


# --- checking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Damage:
    """What failed authentication when the vault was opened."""

    rows: dict[str, set[int]] = field(default_factory=dict)  # table -> rowids
    scopes: set[str] = field(default_factory=set)  # case ids ("" the vault's own)
    cases: set[str] = field(default_factory=set)  # ids of cases whose own row is damaged
    items: set[str] = field(default_factory=set)  # ids of items whose row is damaged

    def case_trusted(self, case_id: str) -> bool:
        """Whether every row of the case, and the set of them, is as it was written."""
        return case_id not in self.scopes and case_id not in self.cases

    def row_trusted(self, table: str, rowid: int) -> bool:
        return rowid not in self.rows.get(table, set())

    @property
    def any(self) -> bool:
        return bool(self.scopes or any(self.rows.values()))


def verify(db: sqlite3.Connection, key: bytes) -> Damage:
    """Check every authenticated row and every scope's digest."""
    damage = Damage()
    for table in AUTHENTICATED:
        for row in db.execute(f"SELECT rowid AS row_id, * FROM {table}").fetchall():  # noqa: S608
            if not hmac.compare_digest(bytes(row["mac"] or b""), mac(key, table, _fields(row))):
                damage.rows.setdefault(table, set()).add(row["row_id"])
                if table == "items":
                    damage.items.add(str(row["id"]))
                if table == "cases":
                    damage.cases.add(str(row["id"]))
    stored = {row["scope"]: bytes(row["digest"]) for row in db.execute("SELECT * FROM digests")}
    for scope in _all_scopes(db) | set(stored):
        expected = _digest(key, scope, _scope_macs(db, scope))
        if not hmac.compare_digest(stored.get(scope, DAMAGED), expected):
            damage.scopes.add(scope)
    return damage


def _digest(key: bytes, scope: str, macs: list[bytes]) -> bytes:
    body = scope.encode() + b"\0" + b"".join(sorted(macs))
    return hmac.new(key, b"retention-agent/v1/scope|" + body, hashlib.sha256).digest()


def _scope_macs(db: sqlite3.Connection, scope: str) -> list[bytes]:
    macs: list[bytes] = []
    for table, column in AUTHENTICATED.items():
        if column is None:
            if scope == VAULT_SCOPE:
                macs += [bytes(r[0] or b"") for r in db.execute(f"SELECT mac FROM {table}")]  # noqa: S608
            continue
        if scope == VAULT_SCOPE:
            query = f"SELECT mac FROM {table} WHERE {column} IS NULL"  # noqa: S608
            macs += [bytes(r[0] or b"") for r in db.execute(query)]
        else:
            query = f"SELECT mac FROM {table} WHERE {column} = ?"  # noqa: S608
            macs += [bytes(r[0] or b"") for r in db.execute(query, (scope,))]
    return macs


def _all_scopes(db: sqlite3.Connection) -> set[str]:
    scopes = {VAULT_SCOPE}
    for table, column in AUTHENTICATED.items():
        if column is not None:
            query = f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608
            scopes |= {str(r[0]) for r in db.execute(query)}
    return scopes
