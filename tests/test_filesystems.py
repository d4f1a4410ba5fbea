"""What file system a path is on, compared with what the system's own tools say: the
kind decides whether removing an original may claim "overwritten"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention_agent.vault import filesystems

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("findmnt") is None,
    reason="compares with util-linux's findmnt on Linux",
)


@pytest.fixture(autouse=True)
def nothing_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    """``detect`` remembers each device's answer for the process: start afresh."""
    monkeypatch.setattr(filesystems, "_by_device", {})
    filesystems._linux_ssd.cache_clear()


def findmnt(path: Path, column: str) -> str:
    done = subprocess.run(
        ["findmnt", "--noheadings", "--output", column, "--target", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_type_is_the_one_the_kernel_reports(tmp_path: Path) -> None:
    found = filesystems.detect(tmp_path)
    assert found.type == findmnt(tmp_path, "FSTYPE")
    assert found.read_only is False
    # A path that does not exist yet is on its nearest existing parent's file system.
    assert filesystems.detect(tmp_path / "not" / "there" / "yet") == found


def test_the_disk_kind_is_the_one_the_kernel_reports(tmp_path: Path) -> None:
    source = findmnt(tmp_path, "SOURCE")
    lsblk = shutil.which("lsblk")
    if not source.startswith("/dev/") or lsblk is None:
        pytest.skip(f"{source!r} is not a block device lsblk can describe")
    rotational = subprocess.run(
        [lsblk, "--noheadings", "--nodeps", "--output", "ROTA", source],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert filesystems.detect(tmp_path).ssd is (rotational == "0")


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Path]:
    """A small tmpfs mounted inside the test's folder, at a path with a space and a
    backslash in it (which /proc/self/mountinfo writes as octal escapes)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    point = tmp_path / "Barn A\\fotos" / "mnt"
    point.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(point)], check=True)
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def test_the_innermost_mount_wins(tmp_path: Path, mounted: Path) -> None:
    inner = filesystems.detect(mounted / "photo.jpg")
    assert (inner.type, inner.ssd, inner.read_only) == ("tmpfs", None, False)
    assert not inner.overwrite_reaches_old_blocks
    outer = filesystems.detect(mounted.parent)
    assert outer.type == findmnt(tmp_path, "FSTYPE") != "tmpfs"
    # A sibling whose name starts like the mount point is not inside it.
    beside = mounted.parent / "mnt-beside"
    beside.mkdir()
    assert filesystems.detect(beside).type == outer.type


def test_a_read_only_mount_is_seen(mounted: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(mounted)], check=True)
    found = filesystems.detect(mounted)
    assert (found.type, found.read_only) == ("tmpfs", True)
