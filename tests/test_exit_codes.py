"""Every row of the README's exit-code table, produced through the command line: one
test per code, named ``test_exit_<code>_...``, each checking the code and the one line
a person reads. In-process (CliRunner) wherever that behaves like a real process; real
processes where a terminal, a signal or a second command is the point."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from retention_agent import errors
from retention_agent.agent import lock as agent_lock
from retention_agent.errors import ExitCode
from retention_agent.policy import errors as policy_errors
from retention_agent.policy import loader
from retention_agent.vault import vault as vault_module
from retention_agent.vault.keystore import KeyMissing
from tests.conftest import TEST_PASSPHRASE
from tests.support.cli import (
    error_line,
    init_with_key_file,
    process_env,
    run_in_process,
    with_passphrase,
    without_now_note,
)
from tests.support.memory_keyring import MemoryKeyring
from tests.support.processes import ROOT

README = ROOT / "README.md"
START = "2026-03-01"


def readme_codes() -> set[int]:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| code | meaning | errors |") :].split("\n\n")[0]
    return {int(m) for m in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)}


def test_every_row_of_the_table_has_a_test() -> None:
    tested = {
        int(name.split("_")[2]) for name in globals() if re.fullmatch(r"test_exit_\d+_\w+", name)
    }
    assert readme_codes() == tested == {code.value for code in ExitCode}


@pytest.fixture
def case_id() -> str:
    """An in-process vault (its key in the tests' in-memory keyring) with one case."""
    assert run_in_process("init").exit_code == 0
    created = run_in_process("case", "new", "--child", "Barn A", "--start", START, "--json")
    return str(created.json()["id"])


def test_exit_0_done(case_id: str) -> None:
    done = run_in_process("status", "--json")
    assert (done.exit_code, done.stderr) == (0, "")
    assert [case["id"] for case in done.json()["cases"]] == [case_id]


def test_exit_1_an_operating_system_refusal(tmp_path: Path) -> None:
    """The OS refuses in a way the program has no words of its own for: the errno, never
    the OS's message (it carries the path, which may name the child)."""
    (tmp_path / "Zebrafinke").write_text("a file where a folder should be")
    home = tmp_path / "Zebrafinke" / "vault"
    done = run_in_process("init", env={"RETENTION_HOME": str(home)})
    line = error_line(done, errors.OsRefused, "Zebrafinke")
    assert line == f"Error: {errors.OsRefused(code=20).user_text()}"


def test_exit_2_the_command_line_was_wrong(case_id: str) -> None:
    """One line, in the language asked for, with the hint where the help is."""
    english = run_in_process("status", "--colour")
    assert english.exit_code == ExitCode.USAGE
    assert re.fullmatch(
        r"Error: No such option '--colour'\. '\S+ status --help' shows how to use it\.\n",
        english.stderr,
    ), english.stderr
    danish = run_in_process("status", "--colour", "--lang", "da")
    assert danish.exit_code == ExitCode.USAGE
    (line,) = danish.stderr.splitlines()
    assert line.startswith("Fejl: ")
    assert "'--colour'" in line
    assert "status --help'" in line
    assert "No such option" not in line


def test_exit_3_no_such_case(case_id: str) -> None:
    line = error_line(run_in_process("case", "continue", "--case", "nope00"), errors.UnknownCase)
    assert line == f"Error: {errors.UnknownCase(case='nope00').user_text()}"


def test_exit_4_a_changed_receipt_log(case_id: str, vault_home: Path, tmp_path: Path) -> None:
    """``retention receipts`` still shows the log, then says from where it can no longer
    be trusted, and exits 4; so does ``--json`` (with ``intact: false``)."""
    note = tmp_path / "note.txt"
    note.write_text("hej")
    env = {"RETENTION_NOW": "2026-09-02"}
    added = run_in_process("add", str(note), "--case", case_id, "--kind", "message", env=env)
    assert added.exit_code == 0, added.stderr
    assert run_in_process("case", "end", "--case", case_id, env=env).exit_code == 0
    assert run_in_process("apply", env=env).exit_code == 0
    marked = run_in_process("checklist", "--case", case_id, "--done", "email", env=env)
    assert marked.exit_code == 0
    assert run_in_process("receipts").exit_code == 0
    # Someone edits the first receipt: one message deleted becomes none.
    with closing(sqlite3.connect(vault_home / "index.db")) as db, db:
        (body,) = db.execute("SELECT body FROM receipts WHERE seq = 1").fetchone()
        assert '"count":1' in body
        db.execute("UPDATE receipts SET body = ? WHERE seq = 1", (body.replace(":1", ":0"),))
    expected = f"Error: {errors.ReceiptsBroken(seq=1).user_text()}"
    shown = run_in_process("receipts")
    assert error_line(shown, errors.ReceiptsBroken) == expected
    assert [line[:3] for line in shown.stdout.splitlines()] == ["#1 ", "#2 "]
    as_json = run_in_process("receipts", "--json")
    assert error_line(as_json, errors.ReceiptsBroken) == expected
    assert json.loads(as_json.stdout)["intact"] is False


def test_exit_5_the_vault_key_is_gone(case_id: str, memory_keyring: MemoryKeyring) -> None:
    memory_keyring.secrets.clear()
    line = error_line(run_in_process("status"), KeyMissing)
    assert line == f"Error: {KeyMissing(epoch=1).user_text()}"


def test_exit_6_the_disk_is_full(case_id: str, tmp_path: Path) -> None:
    film = tmp_path / "film.mp4"
    with film.open("wb") as handle:  # sparse: costs no real space
        handle.truncate(shutil.disk_usage(tmp_path).free + (1 << 30))
    added = run_in_process("add", str(film), "--case", case_id, "--kind", "photo")
    assert error_line(added, errors.DiskFull).startswith("Error: Not enough free disk space")
    assert film.exists()


def read_until(stream: int, text: str, process: subprocess.Popen[bytes]) -> str:
    """What ``process`` wrote to ``stream`` up to and including ``text`` (which a prompt
    writes without a newline, so lines cannot be waited for)."""
    seen = b""
    while text.encode() not in seen:
        ready, _, _ = select.select([stream], [], [], 120)
        assert ready, f"no {text!r} within two minutes; got {seen!r}"
        chunk = os.read(stream, 4096)
        assert chunk, f"{process.args!r} ended before {text!r}: {seen!r}"
        seen += chunk
    return seen.decode()


@pytest.mark.slow  # waits for the vault's lock
@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_exit_7_two_commands_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first command holds the vault while it waits for its passphrase at a terminal.
    A second command that changes the vault waits, then says the vault is in use; one
    that only looks does not wait. The first then finishes as if alone."""
    import pty

    init_with_key_file()  # the processes share the key file
    case_id = run_in_process(
        "case", "new", "--child", "Barn A", "--start", START, "--json", env=with_passphrase()
    ).json()["id"]
    controller, terminal = pty.openpty()
    first = subprocess.Popen(
        [sys.executable, "-m", "retention_agent", "case", "continue", "--case", case_id],
        env=process_env({"RETENTION_PASSPHRASE": None, "RETENTION_NOW": "2027-01-15"}),
        cwd=ROOT,
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # no controlling terminal: the prompt goes to stderr
    )
    os.close(terminal)
    try:
        assert first.stderr is not None
        read_until(first.stderr.fileno(), "Passphrase for the vault's key file", first)
        # The vault's lock is held from before the prompt: a second command waits.
        monkeypatch.setattr(vault_module, "LOCK_TIMEOUT_SECONDS", 1)
        with_key = with_passphrase({"RETENTION_NOW": "2027-01-15"})
        second = without_now_note(run_in_process("case", "end", "--case", case_id, env=with_key))
        assert error_line(second, errors.VaultBusy) == (f"Error: {errors.VaultBusy().user_text()}")
        looked = run_in_process("status", "--json", env=with_key)
        assert looked.exit_code == 0, looked.stderr
        assert looked.json()["cases"][0]["decision"] is None
        os.write(controller, f"{TEST_PASSPHRASE}\n".encode())
        stdout, _ = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        os.close(controller)
    assert first.returncode == 0
    assert stdout.decode().startswith(f"Recorded: case {case_id} continues privately (R1).")
    (case,) = run_in_process("status", "--json", env=with_key).json()["cases"]
    assert (case["decision"], case["decided_on"]) == ("continue", "2027-01-15")


@pytest.fixture
def broken_shipped_policy(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The policy file shipped with the program, damaged (a bad install or a bad edit):
    the second rule's duration is not a duration."""
    text = loader.default_policy_text()
    assert text.count('year = "P1Y"') == 1
    damaged = text.replace('year = "P1Y"', 'year = "one year"')
    monkeypatch.setattr(loader, "default_policy_text", lambda: damaged)
    loader.default_policy.cache_clear()
    yield damaged
    loader.default_policy.cache_clear()


def test_exit_8_a_malformed_policy(case_id: str, broken_shipped_policy: str) -> None:
    """A new case takes the installed policy: a damaged one stops the command with the
    file and line, and nothing is created."""
    created = run_in_process("case", "new", "--child", "Barn B", "--start", START)
    line = error_line(created, policy_errors.BadDuration, "Barn B")
    number = next(
        n for n, text in enumerate(broken_shipped_policy.splitlines(), 1) if "one year" in text
    )
    assert "retention_agent/policies/hjem-til-os.toml" in line
    assert f"line {number}" in line
    loader.default_policy.cache_clear()
    assert [case["id"] for case in run_in_process("case", "list", "--json").json()] == [case_id]


def test_exit_9_a_value_that_is_not_valid(case_id: str) -> None:
    created = run_in_process("case", "new", "--child", "Barn B", "--start", "2026-02-30")
    assert error_line(created, errors.BadDate) == (
        f"Error: {errors.BadDate(value='2026-02-30').user_text()}"
    )


def test_exit_10_refused_to_protect_data(case_id: str, tmp_path: Path) -> None:
    """A link is not followed: the file behind it stays where it is, untouched."""
    real = tmp_path / "photo.jpg"
    real.write_bytes(b"the real photo")
    link = tmp_path / "link.jpg"
    link.symlink_to(real)
    added = run_in_process("add", str(link), "--case", case_id, "--kind", "photo")
    line = error_line(added, errors.SourceIsSymlink)
    assert line == f"Error: {errors.SourceIsSymlink(name=str(link)).user_text()}"
    assert real.read_bytes() == b"the real photo"
    assert link.is_symlink()


def test_exit_11_the_agent_already_runs(
    case_id: str, vault_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second agent for the same vault stops at once: the first holds its lock."""
    monkeypatch.setattr(agent_lock, "START_WAIT_SECONDS", 0.1)
    first = agent_lock.AgentLock(vault_home)
    first.acquire()
    try:
        second = run_in_process("agent", "run", "--no-tray", "--polling")
    finally:
        first.release()
    assert error_line(second, agent_lock.AgentAlreadyRunning) == (
        f"Error: {agent_lock.AgentAlreadyRunning().user_text()}"
    )


def test_exit_130_ctrl_c_at_a_question(tmp_path: Path) -> None:
    """Ctrl-C while ``add`` asks whether to add a whole folder: nothing changed, 130."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("a.jpg", "b.jpg"):
        (folder / name).write_bytes(name.encode() * 100)
    command = ["add", str(folder), "--case", "4f2a9b", "--kind", "photo"]
    process = subprocess.Popen(
        [sys.executable, "-m", "retention_agent", *command],
        env=process_env(),
        cwd=ROOT,
        stdin=subprocess.PIPE,  # left open: the question waits for an answer
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        read_until(process.stderr.fileno(), "Add them all?", process)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == ExitCode.INTERRUPTED
    assert stdout == b""
    assert stderr.decode().strip().splitlines()[-1] == "Cancelled; nothing was changed."
    assert sorted(p.name for p in folder.iterdir()) == ["a.jpg", "b.jpg"]


def test_exit_141_the_reader_went_away() -> None:
    """``retention status | head -1`` where head has already gone: silent, 141."""
    init_with_key_file()
    read, write = os.pipe()
    os.close(read)
    done = subprocess.run(
        [sys.executable, "-m", "retention_agent", "status"],
        env=process_env(),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=write,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )
    os.close(write)
    assert done.stderr == ""
    assert done.returncode == ExitCode.BROKEN_PIPE


def test_now_with_a_time_of_day(case_id: str, tmp_path: Path) -> None:
    """``RETENTION_NOW`` with a time: the item is added at that moment (local time), the
    note names the day, and "today" is that day to the last minute."""
    note = tmp_path / "note.txt"
    note.write_text("hej")
    at_nine = {"RETENTION_NOW": "2026-03-01T09:00"}
    added = run_in_process("add", str(note), "--case", case_id, "--kind", "message", env=at_nine)
    assert added.exit_code == 0, added.stderr
    assert added.stderr == "Note: RETENTION_NOW is set; today is taken to be 1 March 2026.\n"
    (item,) = run_in_process("list", "--json").json()
    assert dt.datetime.fromisoformat(item["added"]) == dt.datetime(2026, 3, 1, 9, 0).astimezone()
    late = run_in_process("status", "--json", env={"RETENTION_NOW": "2027-02-28T23:59"})
    (case,) = late.json()["cases"]
    assert (late.json()["today"], case["days_left"]) == ("2027-02-28", 1)
    danish = run_in_process("status", "--lang", "da", env=at_nine)
    assert "RETENTION_NOW" in danish.stderr
    assert "1. marts 2026" in danish.stderr
