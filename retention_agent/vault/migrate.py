"""Upgrading a vault written by an older version, the first time a command that may
write opens it with its key.

Version 1 → 2: the authenticated rows (``rows``) and sealed records arrived. Columns and
tables are added, and every row gets its MAC and every case its digest. What version 1
held was never authenticated, so it is taken as it is: from then on it is protected.

Version 2 → 3: a continued case can be closed (``cases.closed_on``, ``offer_on_close``).
Version 2's rows were authenticated, so they are checked under its columns first: what
failed then stays damaged after the columns are added and every MAC is computed anew.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retention_agent.vault import index, rows

if TYPE_CHECKING:
    from retention_agent.vault.vault import Vault


def upgrade(vault: Vault) -> None:
    if vault.schema == index.SCHEMA_VERSION:
        return
    with index.transaction(vault.db):
        if vault.schema == "1":
            _from_1(vault)
            vault.assume_undamaged()
        else:
            vault.keep_damage(rows.verify(vault.db, vault.row_key))
        present = _columns(vault, "cases")
        for column, definition in index.CLOSING_COLUMNS.items():
            if column not in present:
                vault.db.execute(f"ALTER TABLE cases ADD COLUMN {column} {definition}")
        rows.reseal_all(vault, vault.row_key)
        index.set_meta(vault.db, "schema", index.SCHEMA_VERSION)
    vault.schema = index.SCHEMA_VERSION


def _from_1(vault: Vault) -> None:
    for statement in index.MIGRATE_FROM_1_TABLES:
        vault.db.execute(statement)
    for table in (*index.MAC_TABLES, "sealed"):
        if "mac" not in _columns(vault, table):
            vault.db.execute(f"ALTER TABLE {table} ADD COLUMN mac BLOB NOT NULL DEFAULT x''")


def _columns(vault: Vault, table: str) -> set[str]:
    return {row["name"] for row in vault.db.execute(f"PRAGMA table_info({table})")}
