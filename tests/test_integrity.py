"""Integrity under attack: one damaged row never bricks the vault, every deciding row is
authenticated, the receipt log cannot be cut unnoticed, and ``retention verify`` finds
what is wrong. Real vaults, real SQLite files edited the way an attacker would."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from retention_agent.cli import cli
from retention_agent.vault import catalog, receipts, recovery
from retention_agent.vault.adding import ingest_file
from retention_agent.vault.deletion import delete_items
from retention_agent.vault.records import DeletionRequest
from retention_agent.vault.vault import Vault
from retention_agent.verify import verify
from tests.support.memory_keyring import MemoryKeyring
from tests.support.vaults import NOW, PASSPHRASE, add_case

LATER = NOW + dt.timedelta(days=400)


@pytest.fixture
def home(vault_home: Path, tmp_path: Path) -> Path:
    """A vault with two cases: A with a match paper and two photos, B with a message."""
    with Vault.init(vault_home, PASSPHRASE, NOW) as vault:
        a, b = add_case(vault, "Barn A"), add_case(vault, "Barn B")
        for name, case, kind in [
            ("paper.pdf", a, "match_paper"),
            ("one.jpg", a, "photo"),
            ("two.jpg", a, "photo"),
            ("note.txt", b, "message"),
        ]:
            source = tmp_path / name
            source.write_bytes(name.encode() * 300)
            ingest_file(vault, case_id=case, kind=kind, source=source, now=NOW, keep_original=False)  # type: ignore[arg-type]
    return vault_home


def edit(home: Path, sql: str, *params: object) -> None:
    """Change the index behind the vault's back, as an attacker with the file would."""
    db = sqlite3.connect(home / "index.db")
    try:
        db.execute(sql, params)
        db.commit()
    finally:
        db.close()


def items(home: Path) -> dict[str, str]:
    db = sqlite3.connect(home / "index.db")
    try:
        return dict(db.execute("SELECT id, kind FROM items").fetchall())
    finally:
        db.close()


def opened(home: Path) -> Iterator[Vault]:
    with Vault.open(home, PASSPHRASE) as vault:
        yield vault


def flip_wrapped_key(home: Path, item_id: str) -> None:
    db = sqlite3.connect(home / "index.db")
    try:
        (wrapped,) = db.execute(
            "SELECT wrapped FROM keys WHERE id = ?", (f"item:{item_id}",)
        ).fetchone()
        damaged = bytearray(wrapped)
        damaged[20] ^= 0x01
        db.execute("UPDATE keys SET wrapped = ? WHERE id = ?", (bytes(damaged), f"item:{item_id}"))
        db.commit()
    finally:
        db.close()


def test_one_damaged_wrapped_key_does_not_brick_the_vault(
    home: Path, memory_keyring: MemoryKeyring
) -> None:
    kinds = items(home)
    photo = next(i for i, k in kinds.items() if k == "photo")
    paper = next(i for i, k in kinds.items() if k == "match_paper")
    flip_wrapped_key(home, photo)
    with Vault.open(home, PASSPHRASE) as vault:
        old_epoch = vault.epoch
        case_id = vault.db.execute("SELECT case_id FROM items WHERE id = ?", (paper,)).fetchone()[0]
        request = DeletionRequest(case_id, (paper,), ("R3",), "hjem-til-os", "2024-05")
        receipt = delete_items(vault, request, LATER)
        # The rotation went through for every other key; the damaged one is reported.
        assert receipt.body["keys_lost"] == [f"item:{photo}"]
        assert vault.epoch == old_epoch + 1
    entries = {user for (_service, user) in memory_keyring.secrets}
    assert not any(user.endswith(f"/kek/{old_epoch}") for user in entries)  # old KEK gone
    with Vault.open(home, PASSPHRASE) as vault:
        assert (photo, "key_lost") in recovery.problems(vault)
        listed = {item.id: item for item in catalog.list_items(vault)}
        assert listed[photo].damaged
        assert not any(item.damaged for i, item in listed.items() if i != photo)
    for command in (["status"], ["list"], ["plan"], ["receipts"]):
        shown = CliRunner().invoke(cli, command)
        assert shown.exit_code == 0, (command, shown.output)
        assert "Traceback" not in shown.output


def test_a_damaged_sealed_row_is_listed_as_damaged(home: Path) -> None:
    photo = next(i for i, k in items(home).items() if k == "photo")
    db = sqlite3.connect(home / "index.db")
    (sealed,) = db.execute("SELECT sealed FROM items WHERE id = ?", (photo,)).fetchone()
    db.close()
    edit(home, "UPDATE items SET sealed = ? WHERE id = ?", sealed[:-1] + b"\0", photo)
    listed = CliRunner().invoke(cli, ["list"])
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert len(lines) == 4  # every item still listed
    assert next(line for line in lines if "[damaged" in line).startswith(photo)
    with Vault.open(home, PASSPHRASE) as vault:
        assert {(photo, "item_row_damaged")} <= set(recovery.problems(vault))


def test_the_epoch_and_check_key_are_found_past_damage(home: Path) -> None:
    edit(home, "UPDATE meta SET value = '7' WHERE key = 'kek_epoch'")
    edit(home, "UPDATE keys SET wrapped = zeroblob(60) WHERE id = 'vault:check'")
    with Vault.open(home, PASSPHRASE) as vault:
        assert vault.epoch == 1
        assert vault.key_opens("vault:check")  # replaced on open
        assert not vault.damage.any
    db = sqlite3.connect(home / "index.db")
    try:
        assert db.execute("SELECT value FROM meta WHERE key = 'kek_epoch'").fetchone()[0] == "1"
    finally:
        db.close()


def test_removing_the_last_receipt_is_noticed(home: Path) -> None:
    with Vault.open(home, PASSPHRASE) as vault:
        paper = next(i.id for i in catalog.list_items(vault) if i.kind == "match_paper")
        case_id = next(i.case_id for i in catalog.list_items(vault) if i.id == paper)
        receipt = delete_items(
            vault, DeletionRequest(case_id, (paper,), ("R3",), "hjem-til-os", "2024-05"), LATER
        )
        code = receipts.anchor(receipt)
    shown = CliRunner().invoke(cli, ["receipts", "--check", code])
    assert shown.exit_code == 0, shown.output
    edit(home, "DELETE FROM receipts")
    listed = CliRunner().invoke(cli, ["receipts"])
    assert listed.exit_code == 4
    assert "can no longer be trusted" in listed.stderr
    checked = CliRunner().invoke(cli, ["receipts", "--check", code])
    assert checked.exit_code == 4


def test_a_recomputed_receipt_chain_is_noticed(home: Path) -> None:
    with Vault.open(home, PASSPHRASE) as vault:
        paper = next(i for i in catalog.list_items(vault) if i.kind == "match_paper")
        delete_items(
            vault,
            DeletionRequest(paper.case_id, (paper.id,), ("R3",), "hjem-til-os", "2024-05"),
            LATER,
        )
    db = sqlite3.connect(home / "index.db")
    try:
        (body,) = db.execute("SELECT body FROM receipts WHERE seq = 1").fetchone()
        forged = body.replace('"R3"', '"R1"')
        digest = receipts.chain_hash(receipts.GENESIS, forged)  # the unkeyed chain, redone
        db.execute("UPDATE receipts SET body = ?, hash = ? WHERE seq = 1", (forged, digest))
        db.commit()
    finally:
        db.close()
    listed = CliRunner().invoke(cli, ["receipts", "--json"])
    assert listed.exit_code == 4


def test_verify_passes_a_sound_vault_and_names_every_problem(home: Path) -> None:
    with Vault.open(home, PASSPHRASE) as vault:
        clean = verify(vault)
    assert clean.ok, clean.findings
    assert clean.blobs == 4
    photo = next(i for i, k in items(home).items() if k == "photo")
    db = sqlite3.connect(home / "index.db")
    (blob,) = db.execute("SELECT blob FROM items WHERE id = ?", (photo,)).fetchone()
    db.close()
    path = home / "blobs" / blob
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x40
    path.write_bytes(bytes(data))
    (home / "blobs" / "stray").write_bytes(b"x")
    (home / "index.db").chmod(0o644)
    shown = CliRunner().invoke(cli, ["verify", "--json"])
    assert shown.exit_code == 4
    import json

    problems = {(p["subject"], p["problem"]) for p in json.loads(shown.output)["problems"]}
    assert (photo, "blob_damaged") in problems
    assert ("blobs/stray", "orphan_blob") in problems
    assert ("index.db", "permissions") in problems
