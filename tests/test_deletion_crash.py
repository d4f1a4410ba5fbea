"""A deletion killed at any step is finished by the next start: never a half-deleted item
that looks alive, never a KEK destroyed while a key still depends on it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from retention_agent.vault.keyfile import KeyFileStore
from retention_agent.vault.keystore import PassphraseSource
from tests.conftest import TEST_PASSPHRASE
from tests.support.processes import key_file_env, python_module
from tests.support.vaults import all_bytes_under

pytestmark = pytest.mark.slow  # real processes, killed and started again

ROOT = Path(__file__).resolve().parent.parent
STEPS = [
    "keys_destroyed",
    "blobs_removed",
    "rotating",
    "rewrapped",
    "old_kek_destroyed",
    "receipted",
]


def _cli(env: dict[str, str], *args: str) -> str:
    result = python_module("retention_agent", *args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def env(vault_home: Path) -> dict[str, str]:
    return key_file_env(RETENTION_HOME=str(vault_home))


@pytest.mark.parametrize("step", STEPS)
def test_killed_deletion_is_finished_on_next_start(
    step: str,
    env: dict[str, str],
    vault_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _cli(env, "init")
    case_id = json.loads(
        _cli(env, "case", "new", "--child", "Barn A", "--start", "2026-03-01", "--json")
    )["id"]
    (tmp_path / "paper.pdf").write_bytes(b"SYNTHETIC PAPER " * 100)
    (tmp_path / "photo.jpg").write_bytes(b"SYNTHETIC PHOTO " * 100)
    _cli(env, "add", str(tmp_path / "paper.pdf"), "--case", case_id, "--kind", "match_paper")
    _cli(env, "add", str(tmp_path / "photo.jpg"), "--case", case_id, "--kind", "photo")
    items = {i["kind"]: i["id"] for i in json.loads(_cli(env, "list", "--json"))}
    with sqlite3.connect(vault_home / "index.db") as db:
        (wrapped,) = db.execute(
            "SELECT wrapped FROM keys WHERE id = ?", (f"item:{items['match_paper']}",)
        ).fetchone()

    crashed = python_module(
        "tests.support.crash_delete", step, case_id, items["match_paper"], env=env
    )
    assert crashed.returncode == -9, crashed.stderr

    listed = json.loads(_cli(env, "list", "--json"))  # opening the vault runs recovery
    assert [i["id"] for i in listed] == [items["photo"]]
    out = tmp_path / "out"
    out.mkdir()
    _cli(env, "open", items["photo"], "--to", str(out))
    assert (out / "photo.jpg").read_bytes() == b"SYNTHETIC PHOTO " * 100
    assert len(list((vault_home / "blobs").iterdir())) == 1
    with sqlite3.connect(vault_home / "index.db") as db:
        assert db.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0] == 1
        epoch = int(db.execute("SELECT value FROM meta WHERE key = 'kek_epoch'").fetchone()[0])
        vault_id = db.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()[0]
    assert epoch == 2
    monkeypatch.setenv("RETENTION_PASSPHRASE", TEST_PASSPHRASE)
    store = KeyFileStore(vault_home / "kek.key", vault_id, PassphraseSource())
    assert store.epochs_present([1, 2, 3]) == {2}  # old KEK destroyed, new one kept
    assert wrapped not in all_bytes_under(vault_home)
    receipts = json.loads(_cli(env, "receipts", "--json"))
    assert receipts["intact"] is True
    assert receipts["receipts"][0]["kinds"] == {"match_paper": {"count": 1, "bytes": 1600}}
