"""Schema 3 added the closing of a continued case (``cases.closed_on``, ``offer_on_close``):
a version 2 vault is read before its upgrade, upgraded by the first command that opens
it with its key, and what had been changed without the key stays damaged."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from retention_agent.enforce import case_facts, read_timelines
from retention_agent.lifecycle import record_close, record_continue
from retention_agent.vault import index, rows
from retention_agent.vault.vault import INDEX, Vault
from tests.support.vaults import NOW, PASSPHRASE, add_case


def as_version_2(vault: Vault) -> None:
    """What a version 2 vault looked like: no closing columns, every MAC over the rest."""
    with index.transaction(vault.db):
        for column in index.CLOSING_COLUMNS:
            vault.db.execute(f"ALTER TABLE cases DROP COLUMN {column}")
        index.set_meta(vault.db, "schema", "2")
        vault.assume_undamaged()
        rows.reseal_all(vault, vault.row_key)


def test_a_version_2_vault_is_upgraded_and_keeps_its_damage(vault_home: Path) -> None:
    with Vault.init(vault_home, PASSPHRASE, NOW) as vault:
        kept = add_case(vault, alias="Barn A")
        edited = add_case(vault, alias="Barn B")
        record_continue(vault, kept, dt.date(2026, 6, 1))
        as_version_2(vault)
    raw = sqlite3.connect(vault_home / INDEX)
    with raw:  # changed by someone without the key: it must not be blessed by the upgrade
        raw.execute("UPDATE cases SET start = '2020-01-01' WHERE id = ?", (edited,))
    raw.close()

    today = dt.date(2027, 4, 1)
    before = {t.facts.id: t.facts for t in read_timelines(vault_home, today)}  # keyless
    assert before[kept].decision == "continue"
    assert before[kept].closed_on is None

    with Vault.open(vault_home, PASSPHRASE) as vault:
        assert index.get_meta(vault.db, "schema") == index.SCHEMA_VERSION == "3"
        assert vault.damage.cases == {edited}
        record_close(vault, kept, today, offer_photos=False)
        assert case_facts(vault, kept).closed_on == today
        assert case_facts(vault, kept).offer_on_close is False
    with Vault.open(vault_home, PASSPHRASE) as vault:
        assert vault.damage.cases == {edited}  # the closing wrote a good MAC for its own row
    (closed,) = [t for t in read_timelines(vault_home, today) if t.facts.id == kept]
    assert closed.facts.closed_on == today
