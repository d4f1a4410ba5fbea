"""The command lines the agent uses to start ``retention …``: the package with the
running interpreter from a normal install, the executable itself from a frozen build,
and the installed ``retention`` program for login items."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from retention_agent import launch


def test_a_normal_install_runs_the_package_with_this_interpreter() -> None:
    assert launch.retention_command("agent", "tray") == [
        sys.executable,
        "-m",
        "retention_agent",
        "agent",
        "tray",
    ]


def test_a_frozen_build_runs_itself(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    frozen = str(tmp_path / "Hjem til Os" / "retention.exe")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", frozen)
    assert launch.retention_command("wizard", "--case", "4f2a9b") == [
        frozen,
        "wizard",
        "--case",
        "4f2a9b",
    ]
    assert launch.installed_command("agent", "run") == [frozen, "agent", "run"]


def test_login_items_run_the_program_beside_the_interpreter(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "retention").write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python3"))
    assert launch.installed_command("agent", "run") == [str(bin_dir / "retention"), "agent", "run"]


def test_without_an_installed_program_the_package_is_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python3"))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert launch.installed_command("agent", "run") == [
        str(tmp_path / "python3"),
        "-m",
        "retention_agent",
        "agent",
        "run",
    ]
