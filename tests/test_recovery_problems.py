"""What ``recovery.problems`` reports for each kind of damage to the index, in-process:
the same codes ``status`` and the agent show, one change at a time on a fresh vault
(the tamper matrix covers every column, in a slow run; these name each code)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from retention_agent import lifecycle
from retention_agent.vault import recovery
from retention_agent.vault.adding import ingest_file
from retention_agent.vault.records import item_key_id
from retention_agent.vault.vault import Vault
from tests.support.vaults import NOW, PASSPHRASE, add_case


def build(home: Path, tmp_path: Path) -> tuple[str, str, str]:
    """A vault with two cases, a photo in the first, a hold and a checklist place (with
    its receipt) in the second: (first case, second case, item)."""
    with Vault.init(home, PASSPHRASE, NOW) as vault:
        first = add_case(vault, "Barn A")
        second = add_case(vault, "Barn B")
        source = tmp_path / "IMG_0001.jpg"
        source.write_bytes(b"SYNTHETIC photo")
        item = ingest_file(
            vault, case_id=first, kind="photo", source=source, now=NOW, keep_original=False
        ).item_id
        lifecycle.place_hold(vault, second, NOW.date(), dt.date(2026, 4, 1), "a concern")
        lifecycle.mark_checklist(vault, second, NOW.date(), ["email"])
    return first, second, item


def tamper(home: Path, statement: str, *args: object) -> None:
    """Change the index behind the vault's back, as an attacker or a bad disk would."""
    db = sqlite3.connect(home / "index.db")
    try:
        with db:
            db.execute(statement, args)
    finally:
        db.close()


def problems_after(home: Path) -> list[tuple[str, str]]:
    with Vault.open(home, PASSPHRASE) as vault:
        return recovery.problems(vault)


@pytest.fixture
def world(vault_home: Path, tmp_path: Path) -> tuple[Path, str, str, str]:
    return (vault_home, *build(vault_home, tmp_path))


def test_an_untouched_vault_has_no_problems(world: tuple[Path, str, str, str]) -> None:
    home, *_ = world
    assert problems_after(home) == []


def test_a_changed_case_row(world: tuple[Path, str, str, str]) -> None:
    home, first, _second, _item = world
    tamper(home, "UPDATE cases SET start = '2020-01-01' WHERE id = ?", first)
    assert problems_after(home) == [(first, "case_row_damaged")]


def test_a_case_both_changed_and_short_of_a_row_is_told_once(
    world: tuple[Path, str, str, str],
) -> None:
    """A damaged case row already says that nothing in the case can be trusted."""
    home, _first, second, _item = world
    tamper(home, "UPDATE cases SET start = '2020-01-01' WHERE id = ?", second)
    tamper(home, "DELETE FROM holds WHERE case_id = ?", second)
    assert problems_after(home) == [(second, "case_row_damaged")]


def test_a_changed_item_row(world: tuple[Path, str, str, str]) -> None:
    home, _first, _second, item = world
    tamper(home, "UPDATE items SET kind = 'message' WHERE id = ?", item)
    # Only the item: the case's own row is intact, and items are not "another table".
    assert problems_after(home) == [(item, "item_row_damaged")]


@pytest.mark.parametrize(
    ("table", "change"),
    [
        ("holds", "UPDATE holds SET until = '2099-01-01' WHERE case_id = ?"),
        ("checklist", "UPDATE checklist SET place = 'sms-chat' WHERE case_id = ?"),
    ],
)
def test_a_changed_row_of_another_table(
    world: tuple[Path, str, str, str], table: str, change: str
) -> None:
    home, _first, second, _item = world
    tamper(home, change, second)
    assert problems_after(home) == [("vault", f"{table}_row_damaged")]


def test_a_removed_row_changes_its_case(world: tuple[Path, str, str, str]) -> None:
    """A deleted row has no MAC left to fail: the case's digest notices it."""
    home, _first, second, _item = world
    tamper(home, "DELETE FROM holds WHERE case_id = ?", second)
    assert problems_after(home) == [(second, "rows_changed")]


def test_a_removed_receipt_changes_the_vault(world: tuple[Path, str, str, str]) -> None:
    home, _first, _second, _item = world
    tamper(home, "DELETE FROM receipts")
    assert problems_after(home) == [("vault", "vault_rows_changed")]


def test_a_lost_key(world: tuple[Path, str, str, str]) -> None:
    home, _first, _second, item = world
    tamper(home, "DELETE FROM keys WHERE id = ?", item_key_id(item))
    assert problems_after(home) == [(item, "key_lost")]


@pytest.mark.parametrize(
    ("damage", "code"),
    [
        (lambda path: path.unlink(), "blob_missing"),
        (lambda path: path.write_bytes(path.read_bytes()[:10]), "blob_truncated"),
    ],
)
def test_a_damaged_blob(
    world: tuple[Path, str, str, str], damage: Callable[[Path], object], code: str
) -> None:
    home, _first, _second, item = world
    with Vault.open(home, PASSPHRASE) as vault:
        blob = vault.db.execute("SELECT blob FROM items WHERE id = ?", (item,)).fetchone()[0]
        damage(vault.blob_path(blob))
    assert problems_after(home) == [(item, code)]
