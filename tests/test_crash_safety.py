"""A real process is killed (SIGKILL) right after each ingest step; the next command
repairs the vault, and the file is then either fully in the vault or untouched outside
it, never lost and never half there.

The vault is made by the CLI in a subprocess, so that it uses the passphrase-protected
key file which the crash script and the later commands can open too (the tests'
in-memory keyring exists only inside the pytest process).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from retention_agent.vault.ingest import item_key_id
from tests.support.processes import key_file_env, python_module

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGKILL"), reason="needs POSIX signals to kill a process"
)

STEPS = ["written", "renamed", "committed", "verified", "removed"]
# Steps after which the index row is committed: the item must survive the crash.
KEPT_AFTER = {"committed", "verified", "removed"}


def retention(*args: str) -> subprocess.CompletedProcess[str]:
    done = python_module("retention_agent", *args, env=key_file_env())
    assert done.returncode == 0, (args, done.stderr)
    return done


def retention_json(*args: str) -> Any:
    return json.loads(retention(*args, "--json").stdout)


def crash_ingest(step: str, source: Path, case_id: str) -> None:
    """Run the ingest in its own process and check that it died at ``step``."""
    done = python_module(
        "tests.support.crash_ingest", step, str(source), case_id, env=key_file_env()
    )
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stderr)


@dataclass(frozen=True)
class Row:
    id: str
    blob: str
    state: str


def rows(home: Path) -> list[Row]:
    """The index's item rows, read directly (the index itself is plain SQLite)."""
    connection = sqlite3.connect(home / "index.db")
    try:
        found = connection.execute("SELECT id, blob, state FROM items").fetchall()
    finally:
        connection.close()
    return [Row(*row) for row in found]


def item_key_ids(home: Path) -> set[str]:
    connection = sqlite3.connect(home / "index.db")
    try:
        found = connection.execute("SELECT id FROM keys WHERE id LIKE 'item:%'").fetchall()
    finally:
        connection.close()
    return {key_id for (key_id,) in found}


def names(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}


@pytest.fixture
def case_id() -> str:
    retention("init")
    created = retention_json("case", "new", "--child", "Barn A", "--start", "2026-03-01")
    return str(created["id"])


@pytest.fixture
def content() -> bytes:
    return os.urandom(3 * 65_536 + 1234)  # several encryption chunks and a short last one


@pytest.fixture
def source(tmp_path: Path, content: bytes) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = inbox / "photo.jpg"
    path.write_bytes(content)
    return path


def assert_state_at_kill(step: str, home: Path, source: Path) -> None:
    """What the killed process left, before any recovery: proof that it died there."""
    parts, blobs, found = names(home / "tmp"), names(home / "blobs"), rows(home)
    if step == "written":
        assert len(parts) == 1
        assert next(iter(parts)).endswith(".part")
        assert (blobs, found) == (set(), [])
    elif step == "renamed":
        assert (parts, found) == (set(), [])
        assert len(blobs) == 1
    else:
        assert parts == set()
        (row,) = found
        assert blobs == {row.blob}
        assert row.state == ("unverified" if step == "committed" else "live")
    assert source.exists() == (step != "removed")


def assert_recovered(home: Path, source: Path, content: bytes, out: Path) -> list[Any]:
    """The invariants after the next command has run recovery; returns the items."""
    items: list[Any] = retention_json("list")
    assert names(home / "tmp") == set()
    found = rows(home)
    assert all(row.state == "live" for row in found)
    assert {row.id for row in found} == {item["id"] for item in items}
    assert names(home / "blobs") == {row.blob for row in found}  # no orphan blobs
    assert item_key_ids(home) == {item_key_id(row.id) for row in found}  # no orphan keys
    assert len(items) <= 1
    if not items:
        assert source.read_bytes() == content  # untouched
        return items
    (item,) = items
    assert (item["name"], item["size"], item["kind"]) == (source.name, len(content), "photo")
    out.mkdir()
    retention("open", item["id"], "--to", str(out))
    assert (out / source.name).read_bytes() == content
    if source.exists():
        assert source.read_bytes() == content
    return items


@pytest.mark.parametrize("step", STEPS)
def test_kill_after_each_ingest_step(
    step: str, case_id: str, vault_home: Path, source: Path, content: bytes, tmp_path: Path
) -> None:
    crash_ingest(step, source, case_id)
    assert_state_at_kill(step, vault_home, source)

    items = assert_recovered(vault_home, source, content, tmp_path / "out")

    assert len(items) == (1 if step in KEPT_AFTER else 0)
    # The original goes only after its copy is verified, and only at "removed".
    assert source.exists() == (step != "removed")
    # Recovery is done once: a second open finds nothing more to change.
    repaired = rows(vault_home), names(vault_home / "blobs")
    assert retention_json("list") == items
    assert (rows(vault_home), names(vault_home / "blobs")) == repaired


def test_kill_after_commit_then_recovery_makes_the_item_live(
    case_id: str, vault_home: Path, source: Path, content: bytes, tmp_path: Path
) -> None:
    crash_ingest("committed", source, case_id)
    (row,) = rows(vault_home)
    assert row.state == "unverified"

    report = retention_json("status")  # any command that opens the vault recovers it

    assert report["cases"][0]["items"]["photo"] == 1
    assert rows(vault_home) == [Row(row.id, row.blob, "live")]
    (item,) = assert_recovered(vault_home, source, content, tmp_path / "out")
    assert item["id"] == row.id
    # Recovery verifies; it never removes the original, which stays where it was.
    assert source.read_bytes() == content


def test_unverified_item_with_a_damaged_blob_leaves_no_trace(
    case_id: str, vault_home: Path, source: Path, content: bytes, tmp_path: Path
) -> None:
    crash_ingest("committed", source, case_id)
    (row,) = rows(vault_home)
    assert row.state == "unverified"
    blob = vault_home / "blobs" / row.blob
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01
    blob.write_bytes(bytes(data))

    items = assert_recovered(vault_home, source, content, tmp_path / "out")

    assert items == []
    assert rows(vault_home) == []
    assert names(vault_home / "blobs") == set()
    assert item_key_ids(vault_home) == set()
    assert source.read_bytes() == content
    report = retention_json("status")
    assert report["cases"][0]["items"]["photo"] == 0
    assert report["problems"] == []
