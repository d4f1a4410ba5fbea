"""A really full disk: the vault on a small tmpfs filled to the last byte. Every command
gives one clear line, and once space is freed the vault works with nothing lost."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from retention_agent.cli import cli
from retention_agent.errors import ExitCode

pytestmark = pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0,
    reason="mounting a small tmpfs needs root (CI runs as root)",
)


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    mountpoint = tmp_path / "small"
    mountpoint.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mountpoint)], check=True)
    monkeypatch.setenv("RETENTION_HOME", str(mountpoint / "vault"))
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def run(*args: str, now: str = "2027-03-05") -> Result:
    return CliRunner().invoke(cli, list(args), env={"RETENTION_NOW": now})


def fill(disk: Path) -> Path:
    """Take every free byte of ``disk`` (unbuffered, halving the block at each refusal)."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        block = 1 << 20
        while block:
            try:
                os.write(fd, b"\0" * block)
            except OSError:
                block //= 2
    finally:
        os.close(fd)
    assert shutil.disk_usage(disk).free == 0
    return filler


def one_line_error(result: Result, code: ExitCode) -> None:
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if "RETENTION_NOW" not in line]
    assert len(lines) == 1
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output


def test_every_command_copes_with_a_full_disk(small_disk: Path, tmp_path: Path) -> None:
    assert run("init").exit_code == 0
    case_id = json.loads(
        run("case", "new", "--child", "Barn A", "--start", "2026-03-01", "--yes", "--json").stdout
    )["id"]
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"SYNTHETIC JPEG " * 1000)
    assert run("add", str(photo), "--case", case_id, "--kind", "photo", "--keep-original")
    run("case", "end", "--case", case_id, "--date", "2027-03-01")
    filler = fill(small_disk)

    second = tmp_path / "b.jpg"
    second.write_bytes(b"x" * 100_000)
    one_line_error(run("add", str(second), "--case", case_id, "--kind", "photo"), ExitCode.DISK)
    assert second.exists()
    one_line_error(run("case", "new", "--child", "Barn B", "--start", "2026-05-01"), ExitCode.DISK)
    one_line_error(run("apply"), ExitCode.DISK)
    # SQLite cannot even set up a reader without a few KiB: a clear line, not "damaged".
    one_line_error(run("list"), ExitCode.DISK)

    filler.unlink()
    listed = json.loads(run("list", "--json").stdout)
    assert [item["name"] for item in listed] == ["a.jpg"]  # nothing lost
    assert len(json.loads(run("case", "list", "--json").stdout)) == 1  # nothing half-made
    out = tmp_path / "out"
    out.mkdir()
    assert run("open", listed[0]["id"], "--to", str(out)).exit_code == 0
    assert (out / "a.jpg").read_bytes() == photo.read_bytes()
    assert run("apply", now="2027-04-15").exit_code == 0
    assert json.loads(run("list", "--json").stdout) == []
    assert json.loads(run("receipts", "--json").stdout)["intact"] is True
