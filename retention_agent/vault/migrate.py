"""Upgrading a vault written by an older version, the first time a command that may
write opens it with its key.

Version 1 → 2: the authenticated rows (``rows``) and sealed records arrived. Columns and
tables are added, and every row gets its MAC and every case its digest. What version 1
held was never authenticated, so it is taken as it is: from then on it is protected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from retention_agent.vault import index, rows

if TYPE_CHECKING:
    from retention_agent.vault.vault import Vault


def upgrade(vault: Vault) -> None:
    if vault.schema != "1":
        return
    with index.transaction(vault.db):
        for statement in index.MIGRATE_FROM_1_TABLES:
            vault.db.execute(statement)
        for table in (*index.MAC_TABLES, "sealed"):
            columns = {row["name"] for row in vault.db.execute(f"PRAGMA table_info({table})")}
            if "mac" not in columns:
                vault.db.execute(f"ALTER TABLE {table} ADD COLUMN mac BLOB NOT NULL DEFAULT x''")
        vault.assume_undamaged()
        rows.reseal_all(vault, vault.row_key)
        index.set_meta(vault.db, "schema", index.SCHEMA_VERSION)
    vault.schema = index.SCHEMA_VERSION
