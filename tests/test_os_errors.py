"""What the operating system refuses, said in one translated line that tells what to do;
a read-only vault still answers the commands that only look; a closed pipe is silent."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention_agent import errors
from tests.support.processes import AS_USER, key_file_env, python_module


def retention(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = key_file_env(**({"RETENTION_HOME": str(home)} if home else {}))
    return python_module("retention_agent", *args, env=env)


@pytest.fixture
def case_id(vault_home: Path, tmp_path: Path) -> str:
    assert retention("init").returncode == 0
    created = retention("case", "new", "--child", "Barn A", "--start", "2026-03-01")
    case = created.stdout.strip()
    note = tmp_path / "note.txt"
    note.write_text("hej")
    assert retention("add", str(note), "--case", case, "--kind", "message").returncode == 0
    return case


@pytest.fixture
def read_only_view(vault_home: Path, tmp_path: Path, case_id: str) -> Iterator[Path]:
    """The vault through a read-only bind mount: what a read-only disk looks like."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a read-only bind mount needs root and mount(8)")
    view = tmp_path / "read-only-vault"
    view.mkdir()
    subprocess.run(["mount", "--bind", str(vault_home), str(view)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
        yield view
    finally:
        subprocess.run(["umount", str(view)], check=True)


@pytest.mark.parametrize(
    "command", [["status"], ["list"], ["plan"], ["receipts"], ["case", "list"]]
)
def test_looking_works_on_a_read_only_vault(read_only_view: Path, command: list[str]) -> None:
    done = retention(*command, home=read_only_view)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_changing_a_read_only_vault_says_so(read_only_view: Path, case_id: str) -> None:
    done = retention("case", "continue", "--case", case_id, home=read_only_view)
    assert done.returncode == errors.VaultReadOnly.exit_code
    assert done.stderr.strip() == (
        "Error: The vault is on a read-only disk or folder, so nothing can be changed in it. "
        "Commands that only look (status, list, plan, receipts) still work."
    )


def test_looking_does_not_wait_behind_a_writer(vault_home: Path, case_id: str) -> None:
    from retention_agent.vault.locking import FileLock

    with FileLock(vault_home / "vault.lock"):  # another command is busy writing
        looked = retention("list", "--json")
        changed = retention("case", "continue", "--case", case_id)
    assert looked.returncode == 0, looked.stderr
    assert '"kind": "message"' in looked.stdout
    assert changed.returncode == errors.VaultBusy.exit_code


def test_a_closed_pipe_is_silent(case_id: str) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader (`head -1`) has gone
    done = subprocess.run(
        [*python_module_args(), "status"],
        env=key_file_env(),
        stdout=write,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )
    os.close(write)
    assert done.stderr == ""
    assert done.returncode == errors.ExitCode.BROKEN_PIPE


def python_module_args() -> list[str]:
    return [sys.executable, "-m", "retention_agent"]


def _real_error(make: str, tmp_path: Path) -> OSError:
    """A real OSError from a real file operation."""
    try:
        if make == "missing":
            (tmp_path / "nothing-here").open()
        elif make == "folder":
            tmp_path.open("w")
    except OSError as error:
        return error
    raise AssertionError("the operation did not fail")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (errno.EACCES, errors.AccessDenied),
        (errno.EPERM, errors.AccessDenied),
        (errno.EROFS, errors.ReadOnlyDisk),
        (errno.ENOSPC, errors.NoSpaceLeft),
        (errno.EDQUOT, errors.NoSpaceLeft),
        (errno.ENOENT, errors.PathVanished),
        (errno.EISDIR, errors.FolderNotFile),
    ],
)
def test_common_refusals_have_their_own_words(code: int, expected: type) -> None:
    found = errors.from_os_error(OSError(code, os.strerror(code), "/home/x/Zebrafinke.jpg"))
    assert type(found) is expected
    assert found is not None
    assert "Zebrafinke" not in found.user_text()
    assert errors.from_os_error(OSError(errno.EBUSY, "busy")) is None


def test_real_refusals_are_mapped(tmp_path: Path) -> None:
    assert type(errors.from_os_error(_real_error("missing", tmp_path))) is errors.PathVanished
    assert type(errors.from_os_error(_real_error("folder", tmp_path))) is errors.FolderNotFile


def test_a_vault_of_another_user_says_whose_it_is(tmp_path: Path) -> None:
    """An unprivileged user runs the command on a vault that belongs to root: one line
    in words, no errno."""
    if os.geteuid() != 0:
        pytest.skip("needs root to make a vault that belongs to another user")
    import pwd
    import tempfile

    nobody = pwd.getpwnam("nobody")
    work = Path(tempfile.mkdtemp(prefix="retention-foreign-"))
    try:
        work.chmod(0o755)  # reachable by everybody; the vault inside is root's alone
        home = work / "vault"
        assert retention("init", home=home).returncode == 0
        done = subprocess.run(
            [sys.executable, "-c", AS_USER, str(nobody.pw_uid), str(nobody.pw_gid), "status"],
            env={**key_file_env(), "RETENTION_HOME": str(home), "HOME": str(work)},
            cwd=work,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        shutil.rmtree(work)
    assert done.stderr.strip() == "Error: " + errors.AccessDenied().user_text()
    assert done.returncode == errors.AccessDenied.exit_code
