"""The ``retention`` command, in-process through click's ``CliRunner`` (the KEK sits in the
tests' in-memory keyring) and as real processes (``python -m retention_agent``, which see
no keyring and use the passphrase-protected key file)."""

from __future__ import annotations

import datetime as dt
import os
import pwd
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from retention_agent import errors
from retention_agent.cli import cli
from retention_agent.vault.keystore import PassphraseNeeded, WrongPassphrase
from tests.conftest import TEST_PASSPHRASE
from tests.support.cli import (
    Env,
    Outcome,
    Runner,
    error_line,
    process_env,
    run_in_process,
    run_process,
)
from tests.support.memory_keyring import MemoryKeyring
from tests.support.processes import AS_USER
from tools import catalog

# In aliases, file names and folder names: it must never reach an error line.
SECRET = "Zebrafinke"
CONTENT = b"SYNTHETIC match paper of a synthetic child. " * 4000
START = dt.date(2026, 3, 1)
ITEM_FIELDS = {"id", "case", "kind", "name", "size", "added"}


@dataclass(frozen=True)
class Mode:
    run: Runner
    key_in: str  # what ``status`` must name as the place of the key


@pytest.fixture(params=["in-process", pytest.param("subprocess", marks=pytest.mark.slow)])
def mode(request: pytest.FixtureRequest, vault_home: Path) -> Mode:
    if request.param == "in-process":
        return Mode(run_in_process, "keyring")
    return Mode(run_process, str(vault_home / "kek.key"))


# --- checking the result ---------------------------------------------------------------


def vault_state(home: Path) -> dict[str, list[str]]:
    """The names in blobs/ and tmp/: what a failed command must not have changed."""
    return {
        folder: sorted(path.name for path in (home / folder).iterdir())
        for folder in ("blobs", "tmp")
    }


def tree_state(folder: Path) -> dict[str, tuple[Any, ...]]:
    """Every entry below ``folder`` as (mode, size, mtime, content or link target)."""
    state: dict[str, tuple[Any, ...]] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            detail: object = os.readlink(path)
        elif stat.S_ISREG(info.st_mode) and info.st_size < (1 << 20):
            detail = path.read_bytes()
        else:
            detail = None  # folders, and the sparse giant (its size and mtime suffice)
        state[str(path.relative_to(folder))] = (
            info.st_mode,
            info.st_size,
            info.st_mtime_ns,
            detail,
        )
    return state


def new_vault_with_case(run: Runner, alias: str = "Barn A") -> str:
    init = run("init")
    assert init.exit_code == 0, init.stderr
    created = run("case", "new", "--child", alias, "--start", START.isoformat(), "--json").json()
    assert set(created) == {"id"}
    return str(created["id"])


@pytest.fixture
def case_id() -> str:
    """An in-process vault (KEK in the in-memory keyring) with one case."""
    return new_vault_with_case(run_in_process)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """Where the user's files are; its name is private too."""
    folder = tmp_path / f"{SECRET}-inbox"
    folder.mkdir()
    return folder


# --- everyday use ------------------------------------------------------------------------


def test_everyday_use(mode: Mode, vault_home: Path, tmp_path: Path) -> None:
    run = mode.run
    init = run("init")
    assert init.exit_code == 0, init.stderr
    assert str(vault_home) in init.stdout
    assert (vault_home / "index.db").is_file()
    created = run("case", "new", "--child", "Barn A", "--start", "2026-03-01", "--json").json()
    assert list(created) == ["id"]
    case_id = created["id"]
    assert re.fullmatch("[0-9a-f]{6}", case_id), case_id  # short enough to type

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    paper = inbox / "matchpapir.pdf"
    paper.write_bytes(CONTENT)
    added = run("add", str(paper), "--case", case_id, "--kind", "match_paper")
    assert added.exit_code == 0, added.stderr
    assert "The original was overwritten and deleted." in added.stdout
    assert not paper.exists()

    photo_bytes = os.urandom(70_000)
    photo = inbox / "photo.jpg"
    photo.write_bytes(photo_bytes)
    kept = run("add", str(photo), "--case", case_id, "--kind", "photo", "--keep-original")
    assert kept.exit_code == 0, kept.stderr
    assert "The original was kept" in kept.stdout
    assert "deleted" not in kept.stdout
    assert photo.read_bytes() == photo_bytes

    contact = run(
        "contact", "add", "--case", case_id, "--name", "Forælder B",
        "--phone", "+45 00 00 00 00", "--relation", "parent", "--json",
    ).json()  # fmt: skip
    assert isinstance(contact["id"], str)

    items = run("list", "--json").json()
    assert len(items) == 3
    for item in items:
        assert set(item) >= ITEM_FIELDS
        assert item["case"] == case_id
        dt.datetime.fromisoformat(item["added"])
    by_kind = {item["kind"]: item for item in items}
    assert set(by_kind) == {"match_paper", "photo", "contact"}
    assert (by_kind["match_paper"]["name"], by_kind["match_paper"]["size"]) == (
        "matchpapir.pdf",
        len(CONTENT),
    )
    assert (by_kind["photo"]["name"], by_kind["photo"]["size"]) == ("photo.jpg", 70_000)
    assert by_kind["contact"]["id"] == contact["id"]
    assert [item["id"] for item in run("list", "--kind", "photo", "--json").json()] == [
        by_kind["photo"]["id"]
    ]

    out = tmp_path / "out"
    out.mkdir()
    paper_id = by_kind["match_paper"]["id"]
    opened = run("open", paper_id, "--to", str(out))
    assert opened.exit_code == 0, opened.stderr
    assert (out / "matchpapir.pdf").read_bytes() == CONTENT
    assert "Warning: this is an unencrypted copy" in opened.stdout
    assert "delete it yourself" in opened.stdout
    (out / "matchpapir.pdf").write_bytes(b"the family's own edits")
    again = run("open", paper_id, "--to", str(out))
    error_line(again, errors.TargetExists, "matchpapir")
    assert (out / "matchpapir.pdf").read_bytes() == b"the family's own edits"
    assert sorted(path.name for path in out.iterdir()) == ["matchpapir.pdf"]

    report = run("status", "--json").json()
    (entry,) = report["cases"]
    assert entry["id"] == case_id
    assert entry["start"] == "2026-03-01"
    start = dt.date.fromisoformat(entry["start"])
    assert entry["year_end"] == start.replace(year=start.year + 1).isoformat() == "2027-03-01"
    assert entry["items"] == {"match_paper": 1, "contact": 1, "message": 0, "photo": 1}

    text = run("status")
    assert text.exit_code == 0, text.stderr
    (key_line,) = [line for line in text.stdout.splitlines() if "The key is kept in:" in line]
    assert mode.key_in in key_line
    assert case_id in text.stdout


def test_empty_file_is_allowed(case_id: str, inbox: Path, tmp_path: Path) -> None:
    empty = inbox / "empty.txt"
    empty.write_bytes(b"")
    added = run_in_process("add", str(empty), "--case", case_id, "--kind", "message", "--json")
    (result,) = added.json()
    assert result["size"] == 0
    assert result["original_removed"] is True
    assert not empty.exists()
    (item,) = run_in_process("list", "--json").json()
    assert (item["id"], item["size"], item["name"]) == (result["id"], 0, "empty.txt")
    out = tmp_path / "out"
    out.mkdir()
    assert run_in_process("open", item["id"], "--to", str(out)).exit_code == 0
    assert (out / "empty.txt").read_bytes() == b""


# --- errors: one line, the right exit code, nothing private, no damage --------------------


def _missing(inbox: Path) -> Path:
    return inbox / f"{SECRET}-matchpapir.pdf"


def _empty_folder(inbox: Path) -> Path:
    folder = inbox / f"{SECRET}-photos"
    (folder / "empty-subfolder").mkdir(parents=True)
    return folder


def _symlink(inbox: Path) -> Path:
    real = inbox / f"{SECRET}-real.jpg"
    real.write_bytes(b"the real photo")
    link = inbox / f"{SECRET}-link.jpg"
    link.symlink_to(real)
    return link


def _larger_than_the_disk(inbox: Path) -> Path:
    huge = inbox / f"{SECRET}-film.mp4"
    with huge.open("wb") as handle:  # sparse: costs no real space
        handle.truncate(shutil.disk_usage(inbox).free + (1 << 30))
    return huge


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (_missing, errors.SourceMissing),
        (_empty_folder, errors.SourceIsDirectory),
        (_symlink, errors.SourceIsSymlink),
        (_larger_than_the_disk, errors.DiskFull),
    ],
    ids=["missing", "empty-folder", "symlink", "disk-full"],
)
def test_add_refuses_bad_sources(
    case_id: str, vault_home: Path, inbox: Path, make: Any, error: type[errors.RetentionError]
) -> None:
    source = make(inbox)
    before_vault, before_inbox = vault_state(vault_home), tree_state(inbox)
    outcome = run_in_process("add", str(source), "--case", case_id, "--kind", "photo")
    line = error_line(outcome, error)
    if error is not errors.DiskFull:
        # A direct answer on the user's terminal names the file as it was typed.
        assert f"'{source}'" in line
    assert vault_state(vault_home) == before_vault
    assert tree_state(inbox) == before_inbox
    assert run_in_process("list", "--json").json() == []


def test_add_a_folder_asks_then_adds_every_file_inside(case_id: str, inbox: Path) -> None:
    folder = inbox / "photos"
    (folder / "sub").mkdir(parents=True)
    for index, name in enumerate(["a.jpg", "b.jpg", "sub/c.jpg"]):
        (folder / name).write_bytes(f"photo {index}".encode() * 100)
    (folder / "link.jpg").symlink_to(folder / "a.jpg")  # links are not followed
    args = ["add", str(folder), "--case", case_id, "--kind", "photo"]

    declined = CliRunner().invoke(cli, args, input="n\n")
    assert declined.exit_code == 1
    assert "holds 3 files (in it and its subfolders). Add them all?" in declined.stderr
    assert run_in_process("list", "--json").json() == []

    added = run_in_process(*args, "--yes")
    assert added.exit_code == 0, added.stderr
    names = sorted(item["name"] for item in run_in_process("list", "--json").json())
    assert names == ["a.jpg", "b.jpg", "c.jpg"]
    assert sorted(p.name for p in folder.rglob("*") if not p.is_dir()) == ["link.jpg"]


def _chown_tree(folder: Path, uid: int, gid: int) -> None:
    os.chown(folder, uid, gid)
    for path in folder.rglob("*"):
        os.lchown(path, uid, gid)


def test_unreadable_file_is_refused(vault_home: Path, inbox: Path) -> None:
    if os.geteuid() != 0:
        case_id = new_vault_with_case(run_in_process)
        source = inbox / f"{SECRET}.jpg"
        source.write_bytes(CONTENT)
        source.chmod(0)
        try:
            before_vault = vault_state(vault_home)
            outcome = run_in_process("add", str(source), "--case", case_id, "--kind", "photo")
            assert f"'{source}'" in error_line(outcome, errors.SourceUnreadable)
            assert vault_state(vault_home) == before_vault
            assert stat.S_IMODE(source.stat().st_mode) == 0
        finally:
            source.chmod(0o600)
        assert source.read_bytes() == CONTENT
        return

    # Root reads any file: run the command as an unprivileged user, on a vault and a file
    # of its own in a folder it can reach (pytest's tmp_path is private to root).
    nobody = pwd.getpwnam("nobody")
    work = Path(tempfile.mkdtemp(prefix="retention-unreadable-"))
    try:
        home, user_home = work / "vault", work / "home"
        user_home.mkdir()
        there: dict[str, str | None] = {"RETENTION_HOME": str(home), "HOME": str(user_home)}
        there.update({name: None for name in os.environ if name.startswith("XDG_")})

        def run_there(*args: str, env: Env | None = None) -> Outcome:
            return run_process(*args, env={**there, **(env or {})})

        case_id = new_vault_with_case(run_there)
        source = work / f"{SECRET}.jpg"
        source.write_bytes(CONTENT)
        source.chmod(0)
        _chown_tree(work, nobody.pw_uid, nobody.pw_gid)
        before_vault, before_source = vault_state(home), source.lstat()
        command = ["add", str(source), "--case", case_id, "--kind", "photo"]
        done = subprocess.run(
            [sys.executable, "-c", AS_USER, str(nobody.pw_uid), str(nobody.pw_gid), *command],
            env=process_env(there),
            cwd=work,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        outcome = Outcome(done.returncode, done.stdout, done.stderr)
        assert f"'{source}'" in error_line(outcome, errors.SourceUnreadable)
        assert vault_state(home) == before_vault
        after = source.lstat()
        assert (after.st_mode, after.st_mtime_ns) == (
            before_source.st_mode,
            before_source.st_mtime_ns,
        )
        assert source.read_bytes() == CONTENT  # root can still look inside
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_unknown_case(case_id: str, vault_home: Path, inbox: Path) -> None:
    source = inbox / f"{SECRET}.jpg"
    source.write_bytes(CONTENT)
    before = vault_state(vault_home)
    added = run_in_process("add", str(source), "--case", "nope00", "--kind", "photo")
    assert "nope00" in error_line(added, errors.UnknownCase, SECRET, str(inbox))
    assert source.read_bytes() == CONTENT
    contact = run_in_process("contact", "add", "--case", "nope00", "--name", SECRET)
    error_line(contact, errors.UnknownCase, SECRET)
    assert vault_state(vault_home) == before
    assert run_in_process("list", "--json").json() == []


def test_the_same_contact_may_be_typed_twice(case_id: str, tmp_path: Path) -> None:
    """Two people can share a name; a typed contact is never refused as a duplicate."""
    first, second = (
        run_in_process("contact", "add", "--case", case_id, "--name", "Far B", "--json").json()
        for _ in range(2)
    )
    assert first["id"] != second["id"]
    assert [item["kind"] for item in run_in_process("list", "--json").json()] == ["contact"] * 2
    out = tmp_path / "out"
    out.mkdir()
    assert run_in_process("open", first["id"], "--to", str(out)).exit_code == 0
    card = (out / "Far B.vcf").read_text(encoding="utf-8")
    assert card.startswith("BEGIN:VCARD")
    assert "FN:Far B" in card


@pytest.mark.parametrize("name", ["../x", "../../x", "{tmp}/x", "..\\x"])
def test_open_never_writes_outside_the_chosen_folder(
    case_id: str, tmp_path: Path, name: str
) -> None:
    """A stored name such as ``../x`` (here a contact's name, stored as ``../x.vcf``)
    is written as ``x.vcf`` inside the folder given to ``open``, and nowhere else."""
    name = name.format(tmp=tmp_path)  # an absolute name, kept inside the test's folder
    added = run_in_process("contact", "add", "--case", case_id, "--name", name, "--json").json()
    out = tmp_path / "a" / "b" / "out"
    out.mkdir(parents=True)
    before = {p for p in tmp_path.rglob("*") if "vault" not in p.parts}
    opened = run_in_process("open", added["id"], "--to", str(out))
    assert opened.exit_code == 0, opened.stderr
    assert [p.name for p in out.iterdir()] == ["x.vcf"]
    after = {p for p in tmp_path.rglob("*") if "vault" not in p.parts}
    assert after - before == {out / "x.vcf"}


def test_unknown_item(case_id: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    outcome = run_in_process("open", "deadbeef", "--to", str(out))
    assert "deadbeef" in error_line(outcome, errors.UnknownItem)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_damaged_blob_is_an_integrity_error_naming_the_item(
    case_id: str, vault_home: Path, inbox: Path, tmp_path: Path, damage: str
) -> None:
    source = inbox / f"{SECRET}.jpg"
    source.write_bytes(CONTENT)
    (added,) = run_in_process(
        "add", str(source), "--case", case_id, "--kind", "photo", "--json"
    ).json()
    (blob,) = (vault_home / "blobs").iterdir()
    data = bytearray(blob.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    else:
        del data[-100:]
    blob.write_bytes(bytes(data))
    out = tmp_path / "out"
    out.mkdir()
    outcome = run_in_process("open", added["id"], "--to", str(out))
    line = error_line(outcome, errors.IntegrityError, SECRET)
    assert added["id"] in line
    assert list(out.iterdir()) == []  # no partial plaintext


def test_bad_date(case_id: str) -> None:
    outcome = run_in_process("case", "new", "--child", SECRET, "--start", "2026-13-45")
    assert "2026-13-45" in error_line(outcome, errors.BadDate, SECRET)
    assert [case["id"] for case in run_in_process("case", "list", "--json").json()] == [case_id]


def test_bad_retention_now(case_id: str, vault_home: Path, inbox: Path) -> None:
    source = inbox / f"{SECRET}.jpg"
    source.write_bytes(CONTENT)
    before = vault_state(vault_home)
    outcome = run_in_process(
        "add", str(source), "--case", case_id, "--kind", "photo", env={"RETENTION_NOW": "soon"}
    )
    assert "RETENTION_NOW='soon'" in error_line(outcome, errors.BadNow, SECRET, str(inbox))
    assert source.read_bytes() == CONTENT
    assert vault_state(vault_home) == before
    created = run_in_process(
        "case", "new", "--child", SECRET, "--start", "2026-03-01", env={"RETENTION_NOW": "x"}
    )
    error_line(created, errors.BadNow, SECRET)
    assert len(run_in_process("case", "list", "--json").json()) == 1


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["status"],
        ["case", "list"],
        ["add", "FILE", "--case", "abc123", "--kind", "photo"],
    ],
    ids=["list", "status", "case-list", "add"],
)
def test_vault_not_initialised(command: list[str], vault_home: Path, inbox: Path) -> None:
    source = inbox / f"{SECRET}.jpg"
    source.write_bytes(CONTENT)
    args = [str(source) if arg == "FILE" else arg for arg in command]
    error_line(run_in_process(*args), errors.VaultNotInitialised, SECRET, str(inbox))
    assert not vault_home.exists()
    assert source.read_bytes() == CONTENT


def test_vault_already_initialised(
    case_id: str, vault_home: Path, memory_keyring: MemoryKeyring
) -> None:
    index_before = (vault_home / "index.db").read_bytes()
    secrets_before = dict(memory_keyring.secrets)
    error_line(run_in_process("init"), errors.VaultAlreadyInitialised)
    assert (vault_home / "index.db").read_bytes() == index_before
    assert memory_keyring.secrets == secrets_before
    assert [case["id"] for case in run_in_process("case", "list", "--json").json()] == [case_id]


@pytest.mark.parametrize(
    "command",
    [["list"], ["status"], ["init"], ["add", "FILE", "--case", "abc123", "--kind", "photo"]],
    ids=["list", "status", "init", "add"],
)
def test_corrupt_index(command: list[str], case_id: str, vault_home: Path, inbox: Path) -> None:
    kept = inbox / "kept.jpg"
    kept.write_bytes(CONTENT)
    assert run_in_process("add", str(kept), "--case", case_id, "--kind", "photo").exit_code == 0
    garbage = b"this is not a retention-agent index " * 200
    (vault_home / "index.db").write_bytes(garbage)
    for journal in ("index.db-wal", "index.db-shm"):
        (vault_home / journal).unlink(missing_ok=True)
    before = vault_state(vault_home)
    source = inbox / f"{SECRET}.jpg"
    source.write_bytes(CONTENT)
    args = [str(source) if arg == "FILE" else arg for arg in command]
    error_line(run_in_process(*args), errors.VaultUnreadable, SECRET, str(inbox))
    assert (vault_home / "index.db").read_bytes() == garbage
    assert vault_state(vault_home) == before
    assert source.read_bytes() == CONTENT


@pytest.mark.parametrize("table", ["keys", "cases", "items"])
def test_corrupt_page_inside_the_index(
    table: str, case_id: str, vault_home: Path, inbox: Path
) -> None:
    """The file still starts like SQLite and names a vault, but one table is damaged."""
    kept = inbox / "kept.jpg"
    kept.write_bytes(CONTENT)
    assert run_in_process("add", str(kept), "--case", case_id, "--kind", "photo").exit_code == 0
    index = vault_home / "index.db"
    connection = sqlite3.connect(index)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (page_size,) = connection.execute("PRAGMA page_size").fetchone()
        (root,) = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
    finally:
        connection.close()
    data = bytearray(index.read_bytes())
    offset = (root - 1) * page_size
    data[offset : offset + page_size] = b"\xa5" * page_size
    index.write_bytes(bytes(data))
    before = vault_state(vault_home)
    # ``status`` reads every one of these tables.
    error_line(run_in_process("status"), errors.VaultUnreadable, SECRET)
    assert index.read_bytes() == bytes(data)
    assert vault_state(vault_home) == before


def test_wrong_passphrase(vault_home: Path, inbox: Path) -> None:
    case_id = new_vault_with_case(run_process)
    key_file = (vault_home / "kek.key").read_bytes()
    source = inbox / f"{SECRET}.jpg"
    source.write_bytes(CONTENT)
    before = vault_state(vault_home)
    wrong = {"RETENTION_PASSPHRASE": "Zebrafinke is not the passphrase"}
    for command in (
        ["list"],
        ["add", str(source), "--case", case_id, "--kind", "photo"],
    ):
        line = error_line(run_process(*command, env=wrong), WrongPassphrase, SECRET, str(inbox))
        assert TEST_PASSPHRASE not in line
    assert source.read_bytes() == CONTENT
    assert vault_state(vault_home) == before
    assert (vault_home / "kek.key").read_bytes() == key_file
    assert run_process("list", "--json").json() == []  # the right one still works


def test_missing_passphrase_without_a_terminal() -> None:
    new_vault_with_case(run_process)
    outcome = run_process("status", env={"RETENTION_PASSPHRASE": None})
    assert "RETENTION_PASSPHRASE" in error_line(outcome, PassphraseNeeded)
    assert outcome.stdout == ""


def test_status_names_the_key_file(vault_home: Path) -> None:
    new_vault_with_case(run_process)
    report = run_process("status", "--json").json()
    assert report["key"]["kind"] == "keyfile"
    assert str(vault_home / "kek.key") in report["key"]["location"]


# --- languages, --debug, help --------------------------------------------------------------


def test_errors_in_danish_with_lang(case_id: str, inbox: Path) -> None:
    missing = str(inbox / f"{SECRET}.jpg")
    args = ["add", missing, "--case", case_id, "--kind", "photo"]
    english = error_line(run_in_process(*args), errors.SourceMissing)
    danish = error_line(run_in_process(*args, "--lang", "da"), errors.SourceMissing)
    assert english == f"Error: '{missing}' does not exist. Nothing was changed."
    assert danish == f"Fejl: '{missing}' findes ikke. Intet er ændret."
    # --lang on ``retention`` itself works too
    assert error_line(run_in_process("--lang", "da", *args), errors.SourceMissing) == danish


def test_errors_in_danish_under_a_danish_locale(vault_home: Path) -> None:
    """The locale alone (no --lang) makes the error line Danish, word for word the
    catalog's; English stays the default elsewhere."""
    english = error_line(run_in_process("list"), errors.VaultNotInitialised)
    danish = error_line(
        run_in_process("list", env={"LANG": "da_DK.UTF-8"}), errors.VaultNotInitialised
    )
    expected = danish_text("Error: {message}").format(
        message=danish_text(errors.VaultNotInitialised.message)
    )
    assert danish == expected
    assert english == f"Error: {errors.VaultNotInitialised.message}"
    assert not vault_home.exists()


@pytest.mark.parametrize(
    "args", [["--debug", "list"], ["list", "--debug"]], ids=["on-group", "on-command"]
)
def test_debug_shows_the_traceback(args: list[str]) -> None:
    outcome = run_process(*args)
    assert outcome.exit_code != 0
    assert "Traceback (most recent call last)" in outcome.stderr
    assert "VaultNotInitialised" in outcome.stderr
    assert len(outcome.stderr.splitlines()) > 1


def _command_paths(
    command: click.Command, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    yield prefix
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            assert sub is not None, name
            yield from _command_paths(sub, (*prefix, name))


def test_every_command_has_help_with_an_example() -> None:
    paths = list(_command_paths(cli))
    for expected in [(), ("init",), ("case", "new"), ("add",), ("contact", "add"), ("status",)]:
        assert expected in paths
    without_example = []
    for path in paths:
        shown = run_in_process(*path, "--help")
        assert shown.exit_code == 0, (path, shown.stderr)
        assert "Usage:" in shown.stdout
        if "Example" not in shown.stdout:
            without_example.append(" ".join(("retention", *path)))
    assert without_example == [], "--help without an example"


def danish_text(msgid: str) -> str:
    """The Danish catalog's text for ``msgid``."""
    entry = catalog.load("da").get(msgid)
    assert entry is not None, msgid
    assert isinstance(entry.string, str)
    return entry.string


def _first_paragraph(text: str) -> str:
    return " ".join(text.split("\n\n")[0].split())


@pytest.mark.parametrize("order", ["lang-first", "help-first"])
def test_every_command_has_danish_help(order: str) -> None:
    """``--help`` in Danish, whichever of ``--lang da`` and ``--help`` comes first: click's
    headings, the options, and the command's own text as the Danish catalog has it
    (compared with the whitespace that click's rewrapping changes taken out)."""
    for path in _command_paths(cli):
        command: click.Command = cli
        for name in path:
            assert isinstance(command, click.Group)
            found = command.get_command(click.Context(command), name)
            assert found is not None
            command = found
        args = ["--lang", "da", "--help"] if order == "lang-first" else ["--help", "--lang", "da"]
        shown = run_in_process(*path, *args)
        assert shown.exit_code == 0, (path, shown.stderr)
        words = " ".join(shown.stdout.split())
        assert shown.stdout.startswith("Brug: "), (path, shown.stdout[:200])
        assert "Tilvalg:" in shown.stdout
        lang_help = "Language of the output: da or en (default: from the locale)."
        assert " ".join(danish_text(lang_help).split()) in words
        assert lang_help not in words
        assert command.help is not None
        danish_help = danish_text(command.help)
        assert danish_help, path
        assert danish_help != command.help, path
        assert _first_paragraph(danish_help) in words, (path, shown.stdout)
