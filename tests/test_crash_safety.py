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
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from retention_agent.vault.records import item_key_id
from tests.support.processes import key_file_env, python_module

pytestmark = [
    pytest.mark.skipif(
        not hasattr(signal, "SIGKILL"), reason="needs POSIX signals to kill a process"
    ),
    pytest.mark.slow,  # real processes, killed and started again
]

STEPS = ["written", "committed", "verified", "overwriting", "removed"]
# Steps after which the index row is committed: the item must survive the crash, and
# the journaled removal of the original is finished by the next command.
KEPT_AFTER = {"committed", "verified", "overwriting", "removed"}


def retention(*args: str) -> subprocess.CompletedProcess[str]:
    done = python_module("retention_agent", *args, env=key_file_env())
    assert done.returncode == 0, (args, done.stderr)
    return done


def retention_json(*args: str) -> Any:
    return json.loads(retention(*args, "--json").stdout)


def interrupted_add(mode: str, step: str, source: Path, case_id: str) -> Outcome:
    """``retention add`` in its own process, interrupted right after ``step``."""
    done = python_module(
        "tests.support.crash_ingest", mode, step, str(source), case_id, env=key_file_env()
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def crash_ingest(step: str, source: Path, case_id: str) -> None:
    """Kill the ingest with SIGKILL right after ``step``, and check it died there."""
    outcome = interrupted_add("kill", step, source, case_id)
    assert outcome.returncode == -signal.SIGKILL, outcome


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


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


def assert_state_at_kill(step: str, home: Path, source: Path, content: bytes) -> None:
    """What the killed process left, before any recovery: proof that it died there."""
    blobs, found = names(home / "blobs"), rows(home)
    assert names(home / "tmp") == set()
    if step == "written":
        assert len(blobs) == 1
        assert found == []
    else:
        (row,) = found
        assert blobs == {row.blob}
        assert row.state == ("unverified" if step == "committed" else "live")
    if step == "overwriting":
        half = len(content) // 2
        assert source.read_bytes() == bytes(half) + content[half:]  # half overwritten
    elif step == "removed":
        assert not source.exists()
    else:
        assert source.read_bytes() == content


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
    assert_state_at_kill(step, vault_home, source, content)

    items = assert_recovered(vault_home, source, content, tmp_path / "out")

    assert len(items) == (1 if step in KEPT_AFTER else 0)
    # Once the copy is committed, the next command finishes removing the original
    # (never leaving it half overwritten); before that, the original is untouched.
    assert source.exists() == (step not in KEPT_AFTER)
    assert retention_json("status")["problems"] == []
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
    # Recovery verified the copy, then finished the journaled removal of the original.
    assert not source.exists()


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


@pytest.mark.parametrize("step", STEPS)
def test_ctrl_c_after_each_step_says_what_happened(
    step: str, case_id: str, vault_home: Path, source: Path, content: bytes, tmp_path: Path
) -> None:
    outcome = interrupted_add("int", step, source, case_id)

    assert outcome.returncode == 130, outcome
    assert "Traceback" not in outcome.stderr
    items = retention_json("list")
    if step == "written":
        # Before the commit: the message says nothing changed, and that is true.
        assert outcome.stderr.strip() == "Cancelled before anything was added; nothing was changed."
        assert outcome.stdout == ""
        assert items == []
        assert source.read_bytes() == content
        assert names(vault_home / "blobs") == set()
        return
    # From the commit on, Ctrl-C waits until the original is removed, then says so.
    (item,) = items
    lines = outcome.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"'{source}': added as item {item['id']} (photo, ")
    assert lines[1] == "  The original was overwritten and deleted."
    assert outcome.stderr.strip() == "Stopped by Ctrl-C after the files above were added."
    assert not source.exists()
    assert_recovered(vault_home, source, content, tmp_path / "out")


def test_ctrl_c_at_any_moment_of_a_big_add(case_id: str, vault_home: Path, tmp_path: Path) -> None:
    """Ctrl-C at arbitrary moments of a real ``retention add`` of a large file: whatever
    the moment, the message matches what happened and nothing is half done."""
    block = os.urandom(1 << 20)
    outcomes = []
    for delay in (0.3, 0.6, 0.9, 1.4):
        content = str(delay).encode() + block * 96  # 96 MiB, different each time
        source = tmp_path / f"big-{delay}.bin"
        source.write_bytes(content)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "retention_agent",
                "add",
                str(source),
                "--case",
                case_id,
                "--kind",
                "photo",
            ],
            env=key_file_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay)  # not waiting for a date: choosing the moment of the Ctrl-C
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
        assert "Traceback" not in stdout
        assert "Traceback" not in stderr
        added = [i for i in retention_json("list") if i["name"] == source.name]
        if process.returncode == 0:
            outcomes.append("finished")
            assert len(added) == 1
            assert not source.exists()
        elif not added:
            outcomes.append("before")
            # 130, or killed by the signal itself before Python set up its handler.
            assert process.returncode in (130, -signal.SIGINT)
            # Still loading (silent, as other Unix tools), or in the add itself.
            assert stderr.strip() in {
                "",
                "Cancelled; nothing was changed.",
                "Cancelled before anything was added; nothing was changed.",
            }
            assert source.read_bytes() == content
        else:
            outcomes.append("after")
            assert process.returncode == 130, stderr
            assert stderr.strip() in {
                "Stopped by Ctrl-C after the files above were added.",
                # the Ctrl-C came while the report was being printed
                "Stopped by Ctrl-C; the files were added ('retention list').",
                # after the report, as the program was ending: the report said it all
                "",
            }
            if not stderr.strip():
                assert f"'{source}': added as item " in stdout
            assert len(added) == 1
            assert not source.exists()
        assert names(vault_home / "blobs") == {r.blob for r in rows(vault_home)}
    assert "before" in outcomes  # the large file was interrupted while it was encrypted
