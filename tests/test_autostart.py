"""The login items, installed into a temporary HOME and checked by each platform's own
rules: ``desktop-file-validate`` for the XDG entry, ``plistlib`` for the LaunchAgent,
and the Startup script's command line; ``uninstall`` removes what ``install`` wrote."""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
from pathlib import Path

import pytest

from retention_agent.desktop.autostart import Where, install, installed, uninstall
from tests.support.processes import ROOT, python_module

COMMAND = ["/opt/Hjem til Os/bin/retention", "agent", "run"]


def where(platform: str, home: Path, **environ: str) -> Where:
    """Where, with no system-wide entry unless the test names the folders."""
    return Where(platform, home, {"XDG_CONFIG_DIRS": str(home / "no-system"), **environ})


def test_xdg_entry_is_valid_and_runs_the_installed_program(tmp_path: Path) -> None:
    if shutil.which("desktop-file-validate") is None:
        pytest.skip("desktop-file-validate not installed: apt-get install desktop-file-utils")
    here = where("linux", tmp_path, XDG_CONFIG_HOME=str(tmp_path / "config"))
    entry = install(here, COMMAND)
    assert entry == tmp_path / "config" / "autostart" / "retention-agent.desktop"
    checked = subprocess.run(
        ["desktop-file-validate", str(entry)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout == ""  # not even a hint
    text = entry.read_text(encoding="utf-8")
    assert 'Exec="/opt/Hjem til Os/bin/retention" agent run\n' in text
    assert "Name[da]=Hjem til Os-boks" in text
    assert uninstall(here) == entry
    assert not entry.exists()
    assert uninstall(here) is None


def test_xdg_entry_keeps_a_custom_vault_folder_and_quotes_it(tmp_path: Path) -> None:
    if shutil.which("desktop-file-validate") is None:
        pytest.skip("desktop-file-validate not installed: apt-get install desktop-file-utils")
    odd = '/home/a b/100% "vault"'
    here = where("linux", tmp_path, RETENTION_HOME=odd)
    entry = install(here, COMMAND)
    assert entry.parent == tmp_path / ".config" / "autostart"
    checked = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    assert exec_line == (
        'Exec=env "RETENTION_HOME=/home/a b/100%% \\\\"vault\\\\"" '
        '"/opt/Hjem til Os/bin/retention" agent run'
    )


def test_launch_agent_is_a_valid_plist_that_never_restarts(tmp_path: Path) -> None:
    here = where("darwin", tmp_path, RETENTION_HOME="/Users/a/vault")
    entry = install(here, COMMAND)
    assert entry == tmp_path / "Library" / "LaunchAgents" / "dk.redbarnet.retention-agent.plist"
    plist = plistlib.loads(entry.read_bytes())
    assert plist["Label"] == "dk.redbarnet.retention-agent"
    assert plist["ProgramArguments"] == COMMAND
    assert plist["EnvironmentVariables"] == {"RETENTION_HOME": "/Users/a/vault"}
    assert plist["RunAtLoad"] is True
    assert plist["KeepAlive"] is False
    assert "RETENTION_PASSPHRASE" not in entry.read_text()
    assert installed(here)
    uninstall(here)
    assert not installed(here)
    assert list((tmp_path / "Library" / "LaunchAgents").iterdir()) == []


def test_windows_startup_script_hides_the_console(tmp_path: Path) -> None:
    appdata = tmp_path / "AppData" / "Roaming"
    here = where("win32", tmp_path, APPDATA=str(appdata))
    command = [r"C:\Users\Familie\AppData\Local\Programs\retention\retention.exe", "agent", "run"]
    entry = install(here, command)
    startup = appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
    assert entry == startup / "retention-agent.vbs"
    lines = entry.read_bytes().decode().splitlines()
    assert lines[-1] == (
        'shell.Run "C:\\Users\\Familie\\AppData\\Local\\Programs\\retention\\retention.exe '
        'agent run", 0, False'
    )
    assert 'CreateObject("WScript.Shell")' in lines[2]
    uninstall(here)
    assert list(startup.iterdir()) == []


def test_install_and_uninstall_commands(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    done = python_module("retention_agent", "agent", "install", env=env)
    assert done.returncode == 0, done.stderr
    entry = tmp_path / "cfg" / "autostart" / "retention-agent.desktop"
    assert entry.is_file()
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    assert exec_line.endswith(" agent run --at-login")
    status = python_module("retention_agent", "agent", "status", "--json", env=env)
    assert '"starts_at_login": true' in status.stdout
    removed = python_module("retention_agent", "agent", "uninstall", env=env)
    assert removed.returncode == 0, removed.stderr
    assert not entry.exists()


def system_wide(tmp_path: Path) -> Path:
    """The Debian package's entry, in a folder of XDG_CONFIG_DIRS."""
    entry = tmp_path / "etc-xdg" / "autostart" / "retention-agent.desktop"
    entry.parent.mkdir(parents=True)
    shutil.copyfile(ROOT / "packaging" / "linux" / "retention-agent-autostart.desktop", entry)
    return entry


def test_a_system_wide_entry_is_not_doubled_and_is_hidden_per_user(tmp_path: Path) -> None:
    system = system_wide(tmp_path)
    here = where(
        "linux",
        tmp_path,
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CONFIG_DIRS=f"{tmp_path / 'nothing'}:{system.parent.parent}",
    )
    user_entry = tmp_path / "config" / "autostart" / "retention-agent.desktop"
    assert installed(here)
    assert install(here, COMMAND) == system
    assert not user_entry.exists()  # nothing beside the package's entry
    assert uninstall(here) == system
    assert not installed(here)
    assert user_entry.read_text() == (
        "[Desktop Entry]\nType=Application\nName=Hjem til Os\nHidden=true\n"
    )
    if shutil.which("desktop-file-validate"):
        checked = subprocess.run(["desktop-file-validate", str(user_entry)], capture_output=True)
        assert checked.returncode == 0, checked.stdout
    assert uninstall(here) is None  # already hidden
    assert install(here, COMMAND) == system
    assert not user_entry.exists()
    assert installed(here)
    assert system.is_file()  # the package's file is dpkg's: never touched


def test_a_users_own_entry_gives_way_to_the_system_wide_one(tmp_path: Path) -> None:
    here = where("linux", tmp_path, XDG_CONFIG_HOME=str(tmp_path / "config"))
    user_entry = install(here, COMMAND)
    system = system_wide(tmp_path)
    packaged = Where(
        "linux", tmp_path, {**here.environ, "XDG_CONFIG_DIRS": str(system.parent.parent)}
    )
    assert install(packaged, COMMAND) == system
    assert not user_entry.exists()


def test_the_commands_say_which_entry_starts_the_agent(tmp_path: Path) -> None:
    system = system_wide(tmp_path)
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_CONFIG_DIRS": str(system.parent.parent),
    }
    done = python_module("retention_agent", "agent", "install", "--lang", "en", env=env)
    assert done.returncode == 0, done.stderr
    assert "already starts at every login, for every user of this computer" in done.stdout
    assert not (tmp_path / "cfg" / "autostart").exists()
    removed = python_module("retention_agent", "agent", "uninstall", "--lang", "en", env=env)
    assert "is hidden for you" in removed.stdout
    status = python_module("retention_agent", "agent", "status", "--json", env=env)
    assert '"starts_at_login": false' in status.stdout


def test_the_login_item_does_nothing_without_a_vault(tmp_path: Path) -> None:
    quiet = python_module("retention_agent", "agent", "run", "--no-tray", "--at-login")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert not (tmp_path / "vault").exists()
    loud = python_module("retention_agent", "agent", "run", "--no-tray")
    assert loud.returncode == 7
    assert "retention init" in loud.stderr
