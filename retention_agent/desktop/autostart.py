"""The login item that starts ``retention agent run``, from the templates in
``packaging/autostart/`` (shipped in the package as ``desktop/templates``):

- Linux and other XDG desktops: ``$XDG_CONFIG_HOME/autostart/retention-agent.desktop``,
  honoured by GNOME, KDE, XFCE, MATE, LXQt and Cinnamon alike. No systemd user unit:
  many desktops never start ``graphical-session.target``.
- macOS: a LaunchAgent, ``~/Library/LaunchAgents/dk.redbarnet.retention-agent.plist``.
- Windows: ``retention-agent.vbs`` in the Startup folder, which runs the agent with its
  window hidden (a console program started directly would show a console window).

Each runs the installed ``retention`` (a frozen build's own executable) and never
restarts it: a second agent exits at once with its own code, so nothing can loop. It
runs ``agent run --at-login``, which exits quietly where there is no vault (yet, or any
more). ``RETENTION_HOME`` is written into the entry when it is set at install; a
passphrase never is.

The Debian package installs a system-wide entry of the same name,
``/etc/xdg/autostart/retention-agent.desktop`` (any folder of ``$XDG_CONFIG_DIRS``). A
user's entry of that name replaces it (the XDG rules), so with a system-wide entry
``install`` writes nothing (and removes a user's own copy or a hiding override), and
``uninstall`` writes the override that hides it for this user: ``Hidden=true``.
"""

from __future__ import annotations

import os
import plistlib
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from retention_agent.launch import installed_command
from retention_agent.paths import HOME_ENV

DESKTOP_FILE = "retention-agent.desktop"
PLIST_FILE = "dk.redbarnet.retention-agent.plist"
VBS_FILE = "retention-agent.vbs"
ARGS = ("agent", "run", "--at-login")
HIDDEN = "[Desktop Entry]\nType=Application\nName=Hjem til Os\nHidden=true\n"


@dataclass(frozen=True)
class Where:
    """Where this platform keeps login items, for the home and environment given."""

    platform: str
    user_home: Path
    environ: Mapping[str, str]

    @classmethod
    def here(cls) -> Where:
        return cls(sys.platform, Path.home(), os.environ)

    @property
    def entry(self) -> Path:
        if self.platform == "darwin":
            return self.user_home / "Library" / "LaunchAgents" / PLIST_FILE
        if self.platform == "win32":
            appdata = Path(self.environ.get("APPDATA") or self.user_home / "AppData" / "Roaming")
            startup = appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
            return startup / VBS_FILE
        config = self.environ.get("XDG_CONFIG_HOME") or str(self.user_home / ".config")
        return Path(config) / "autostart" / DESKTOP_FILE

    @property
    def system_entry(self) -> Path | None:
        """The package's system-wide XDG entry, if one is installed."""
        if self.platform in ("darwin", "win32"):
            return None
        folders = self.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
        for folder in folders.split(os.pathsep):
            if folder:
                entry = Path(folder) / "autostart" / DESKTOP_FILE
                if entry.is_file():
                    return entry
        return None


def template(name: str) -> str:
    source = resources.files("retention_agent.desktop") / "templates" / name
    return source.read_text(encoding="utf-8")


def render(where: Where, command: Sequence[str]) -> bytes:
    """The entry's content for ``command`` (the program and its arguments)."""
    home = where.environ.get(HOME_ENV)
    if where.platform == "darwin":
        plist = plistlib.loads(template(PLIST_FILE).encode())
        plist["ProgramArguments"] = list(command)
        plist["EnvironmentVariables"] = {HOME_ENV: home} if home else {}
        return plistlib.dumps(plist)
    if where.platform == "win32":
        environment = (
            f'shell.Environment("Process")("{HOME_ENV}") = {_vbs_string(home)}' if home else ""
        )
        text = template(VBS_FILE).replace("@ENVIRONMENT@", environment)
        text = text.replace("@COMMAND@", _vbs_string(subprocess.list2cmdline(command)))
        return text.encode("utf-8")
    words = ["env", f"{HOME_ENV}={home}", *command] if home else list(command)
    exec_line = " ".join(_desktop_quote(word) for word in words)
    return template(DESKTOP_FILE).replace("@EXEC@", exec_line).encode("utf-8")


def install(where: Where | None = None, command: Sequence[str] | None = None) -> Path:
    """Make the agent start at login; returns the entry that does it. Where the package
    installed a system-wide entry that is the one: nothing is added beside it."""
    where = where or Where.here()
    entry = where.entry
    system = where.system_entry
    if system is not None:
        _remove(entry)  # a user's own copy or the override that hid it
        return system
    entry.parent.mkdir(parents=True, exist_ok=True)
    _write(entry, render(where, command or installed_command(*ARGS)))
    return entry


def uninstall(where: Where | None = None) -> Path | None:
    """Stop the agent starting at login: the user's entry removed, and a system-wide one
    hidden for this user. Returns the entry that no longer starts it, or None if none did."""
    where = where or Where.here()
    entry = where.entry
    system = where.system_entry
    if system is not None:
        if _is_hiding(entry):
            return None
        entry.parent.mkdir(parents=True, exist_ok=True)
        _write(entry, HIDDEN.encode("utf-8"))
        return system
    return entry if _remove(entry) else None


def installed(where: Where | None = None) -> bool:
    """Whether the agent starts at this user's login."""
    where = where or Where.here()
    if where.entry.is_file():
        return not _is_hiding(where.entry)
    return where.system_entry is not None


def _is_hiding(entry: Path) -> bool:
    """Whether ``entry`` is an override that hides the system-wide entry."""
    try:
        lines = entry.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    return "Hidden=true" in (line.strip() for line in lines)


def _write(entry: Path, content: bytes) -> None:
    part = entry.with_name(entry.name + ".part")
    part.write_bytes(content)
    os.replace(part, entry)


def _remove(entry: Path) -> bool:
    try:
        entry.unlink()
    except FileNotFoundError:
        return False
    return True


def _desktop_quote(word: str) -> str:
    """One argument of a .desktop ``Exec`` key: quoted where the specification asks,
    then escaped as a string value (backslashes doubled) and field codes as ``%%``."""
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    if word and not reserved & set(word):
        quoted = word
    else:
        inner = "".join("\\" + char if char in '"`$\\' else char for char in word)
        quoted = f'"{inner}"'
    return quoted.replace("\\", "\\\\").replace("%", "%%")


def _vbs_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'
