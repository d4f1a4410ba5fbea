"""A destination that fills up: refused before anything is written when it is clearly too
small, and, when it fills up during the export, every file of the export is removed
again (no half-written zip, no untracked copies) with one clear line."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from retention_agent.cli import cli
from retention_agent.errors import ExitCode
from retention_agent.export import records, run
from retention_agent.export.errors import ExportDiskFull, NoRoomForExport
from retention_agent.vault.vault import Vault
from tests.support.exports import NOW, ended_case_with_photos
from tests.support.photos import noisy_jpeg
from tests.support.vaults import NOW as CREATED
from tests.support.vaults import PASSPHRASE
from tests.test_full_disk import fill

pytestmark = pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0,
    reason="mounting a small tmpfs needs root (CI runs as root)",
)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mountpoint = tmp_path / "usb"
    mountpoint.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mountpoint)], check=True)
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


@pytest.fixture
def vault(vault_home: Path) -> Iterator[Vault]:
    with Vault.init(vault_home, PASSPHRASE, CREATED) as opened:
        yield opened


@pytest.mark.parametrize("as_zip", [False, True], ids=["folder", "zip"])
def test_disk_full_during_the_export_removes_everything(
    vault: Vault, tmp_path: Path, small_disk: Path, as_zip: bool
) -> None:
    photos = [(f"{n}.jpg", noisy_jpeg((400, 300), seed=n)) for n in range(6)]
    case_id, _ = ended_case_with_photos(vault, tmp_path / "inbox", photos)
    filled: list[Path] = []

    def someone_fills_the_disk(done: int, total: int) -> None:
        if done == 1:
            filled.append(fill(small_disk))

    options = run.ExportOptions(small_disk, as_zip=as_zip)
    with pytest.raises(ExportDiskFull):
        run.export_photos(vault, case_id, options, NOW, someone_fills_the_disk)
    assert [path.name for path in small_disk.iterdir()] == ["filler"]
    assert records.exports(vault, case_id) == []
    filled[0].unlink()
    result = run.export_photos(vault, case_id, options, NOW)  # with room again, it works
    assert result.folder.name == "Hjem-til-Os-billeder"


def test_too_little_room_is_refused_before_anything_is_written(
    vault: Vault, tmp_path: Path, small_disk: Path
) -> None:
    photos = [(f"{n}.jpg", noisy_jpeg((800, 600), seed=n)) for n in range(12)]
    case_id, _ = ended_case_with_photos(vault, tmp_path / "inbox", photos)
    with pytest.raises(NoRoomForExport):
        run.export_photos(vault, case_id, run.ExportOptions(small_disk), NOW)
    assert list(small_disk.iterdir()) == []


def test_the_cli_says_it_in_one_line(tmp_path: Path, small_disk: Path) -> None:
    env = {"RETENTION_NOW": "2027-03-05"}
    runner = CliRunner()
    assert runner.invoke(cli, ["init"], env=env).exit_code == 0
    with Vault.open(Path(os.environ["RETENTION_HOME"]), PASSPHRASE) as vault:
        photos = [(f"{n}.jpg", noisy_jpeg((800, 600), seed=n)) for n in range(12)]
        case_id, _ = ended_case_with_photos(vault, tmp_path / "inbox", photos)
    result = runner.invoke(
        cli, ["export", "photos", "--case", case_id, "--to", str(small_disk)], env=env
    )
    assert result.exit_code == ExitCode.DISK
    lines = [line for line in result.stderr.splitlines() if "RETENTION_NOW" not in line]
    assert len(lines) == 1
    assert lines[0].startswith("Error: Not enough free space in the destination")
