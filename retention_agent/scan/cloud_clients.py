"""Where cloud clients keep their synced folders, read from each client's own files (and,
on Windows, its own registry entries). Every location is tried on every system, since
a missing file simply finds nothing; Windows' folders come from ``APPDATA`` and
``LOCALAPPDATA``. A config file that is damaged, huge or of an unknown shape finds
nothing either: these readers never raise.

=================  =========================================================================
client             what is read
=================  =========================================================================
Dropbox            ``info.json`` in ``~/.dropbox``, ``%APPDATA%/Dropbox``,
                   ``%LOCALAPPDATA%/Dropbox``: ``{"personal"|"business": {"path": ...}}``;
                   macOS File Provider folders ``~/Library/CloudStorage/Dropbox*``
OneDrive           Windows: ``HKCU\\Software\\Microsoft\\OneDrive\\Accounts\\*\\UserFolder``,
                   the ``OneDrive*`` variables, and Known Folder Move (Desktop, Documents,
                   Pictures redirected into OneDrive in ``User Shell Folders``); macOS:
                   ``~/Library/CloudStorage/OneDrive-*``; Linux (abraunegg's client):
                   ``sync_dir`` in ``~/.config/onedrive/config``
iCloud Drive       macOS: ``~/Library/Mobile Documents/com~apple~CloudDocs``, and Desktop &
                   Documents when they are in iCloud (``Desktop``/``Documents`` in it);
                   Windows: ``~/iCloudDrive`` with the iCloud app installed
Google Drive       ``root_preference_sqlite.db`` of Drive for desktop (mirrored folders,
                   ``roots.last_seen_absolute_path``; the drive, ``media.last_mount_point``);
                   macOS File Provider folders ``~/Library/CloudStorage/GoogleDrive-*``
Nextcloud,         ``nextcloud.cfg`` / ``owncloud.cfg`` (Linux ``~/.config``, macOS
ownCloud           ``~/Library/Preferences``, Windows ``%APPDATA%``):
                   ``N\\Folders\\M\\localPath=...``
Syncthing          ``config.xml`` (``~/.local/state/syncthing``, ``~/.config/syncthing``,
                   ``~/Library/Application Support/Syncthing``, ``%LOCALAPPDATA%/Syncthing``):
                   ``<folder path="...">``
MEGA               MEGAsync's settings are encrypted, so its data folder (``Mega Limited/
                   MEGAsync``) only says it is installed; sync roots are found by the
                   ``.megaignore`` / ``.debris`` it keeps in each (see ``cloud``)
(Windows, any)     the Explorer navigation-pane entries clients register
                   (``Desktop\\NameSpace`` with ``Instance\\InitPropertyBag\\TargetFolderPath``)
=================  =========================================================================
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# Config files are small; anything larger is not one.
MAX_CONFIG_BYTES = 4 << 20
NAMESPACE = r"Software\Microsoft\Windows\CurrentVersion\Explorer\Desktop\NameSpace"
SHELL_FOLDERS = r"Software\Microsoft\Windows\CurrentVersion\Explorer\User Shell Folders"
# Known Folder Move redirects these (Desktop, Documents, Pictures).
KNOWN_FOLDERS = ("Desktop", "Personal", "My Pictures")
_NEXTCLOUD_KEY = re.compile(
    r"^\d+\\(?:Folders|FoldersWithPlaceholders|Multifolders)\\\d+\\localPath$"
)
_WINDOWS_VARIABLE = re.compile(r"%([^%]+)%")


@dataclass(frozen=True)
class SyncedFolder:
    service: str  # "OneDrive", "Dropbox", "iCloud Drive", "Google Drive", "Nextcloud", ...
    root: Path
    source: str  # the file or registry key that says so


class Registry(Protocol):
    """The current user's registry (``HKEY_CURRENT_USER``), read only."""

    def subkeys(self, key: str) -> list[str]: ...

    def value(self, key: str, name: str) -> str | None: ...


@dataclass(frozen=True)
class Where:
    """The user's home, environment and (on Windows) registry to look in."""

    home: Path
    env: Mapping[str, str]
    registry: Registry | None = None

    def env_path(self, name: str) -> Path | None:
        value = self.env.get(name, "")
        return Path(value) if value else None

    def config_homes(self) -> list[Path]:
        """``$XDG_CONFIG_HOME`` and ``~/.config`` (both, in case they differ)."""
        return _unique([self.env_path("XDG_CONFIG_HOME"), self.home / ".config"])

    def state_homes(self) -> list[Path]:
        return _unique([self.env_path("XDG_STATE_HOME"), self.home / ".local" / "state"])

    def app_support(self) -> Path:
        return self.home / "Library" / "Application Support"

    def cloud_storage(self, prefix: str) -> list[Path]:
        """macOS File Provider folders the system makes for a client."""
        folder = self.home / "Library" / "CloudStorage"
        with contextlib.suppress(OSError):
            return sorted(p for p in folder.iterdir() if p.name.startswith(prefix) and p.is_dir())
        return []


def _unique(paths: list[Path | None]) -> list[Path]:
    return list(dict.fromkeys(p for p in paths if p is not None))


def read_small(path: Path) -> bytes | None:
    """A config file's bytes, or None if it is missing, unreadable or too large."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError:
        return None
    return data if len(data) <= MAX_CONFIG_BYTES else None


# --- Dropbox -------------------------------------------------------------------------


def dropbox(where: Where) -> Iterator[SyncedFolder]:
    folders = [where.home / ".dropbox"]
    folders += [
        base / "Dropbox"
        for base in _unique([where.env_path("APPDATA"), where.env_path("LOCALAPPDATA")])
    ]
    for folder in folders:
        info = folder / "info.json"
        for root in dropbox_info_paths(read_small(info)):
            yield SyncedFolder("Dropbox", root, str(info))
    for root in where.cloud_storage("Dropbox"):
        yield SyncedFolder("Dropbox", root, "File Provider")


def dropbox_info_paths(data: bytes | None) -> list[Path]:
    """``info.json``: one object per account type, each with its folder's ``path``."""
    if data is None:
        return []
    try:
        info = json.loads(data)
    except (ValueError, RecursionError):
        return []
    if not isinstance(info, dict):
        return []
    return [
        Path(account["path"])
        for account in info.values()
        if isinstance(account, dict) and isinstance(account.get("path"), str) and account["path"]
    ]


# --- OneDrive ------------------------------------------------------------------------


def onedrive(where: Where) -> Iterator[SyncedFolder]:
    roots: list[SyncedFolder] = []
    for name in ("OneDrive", "OneDriveConsumer", "OneDriveCommercial"):
        root = where.env_path(name)
        if root is not None:
            roots.append(SyncedFolder("OneDrive", root, f"%{name}%"))
    if where.registry is not None:
        accounts = r"Software\Microsoft\OneDrive\Accounts"
        for account in where.registry.subkeys(accounts):
            user_folder = where.registry.value(rf"{accounts}\{account}", "UserFolder")
            if user_folder:
                source = rf"HKCU\{accounts}\{account}"
                roots.append(SyncedFolder("OneDrive", Path(user_folder), source))
        roots += _known_folder_moves(where, [r.root for r in roots])
    for root in where.cloud_storage("OneDrive"):
        roots.append(SyncedFolder("OneDrive", root, "File Provider"))
    for config_home in where.config_homes():
        folder = config_home / "onedrive"
        root = onedrive_linux_sync_dir(read_small(folder / "config"), where.home)
        if root is None and (folder / "items.sqlite3").exists():
            root = where.home / "OneDrive"  # the client's default when config leaves it out
        if root is not None:
            roots.append(SyncedFolder("OneDrive", root, str(folder)))
    yield from roots


def onedrive_linux_sync_dir(data: bytes | None, home: Path) -> Path | None:
    """``sync_dir = "~/OneDrive"`` in the Linux client's config (comments start with #)."""
    if data is None:
        return None
    for line in data.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "sync_dir" and value.strip():
            return _expand_home(value.strip().strip('"'), home)
    return None


def _known_folder_moves(where: Where, onedrive_roots: list[Path]) -> list[SyncedFolder]:
    """Desktop, Documents and Pictures redirected into a OneDrive folder."""
    assert where.registry is not None
    moved = []
    for name in KNOWN_FOLDERS:
        value = where.registry.value(SHELL_FOLDERS, name)
        if not value:
            continue
        folder = Path(_expand_windows(value, where.env))
        if any(_is_within(folder, root) for root in onedrive_roots):
            moved.append(SyncedFolder("OneDrive", folder, rf"HKCU\{SHELL_FOLDERS}\{name}"))
    return moved


def _expand_windows(value: str, env: Mapping[str, str]) -> str:
    return _WINDOWS_VARIABLE.sub(lambda m: env.get(m.group(1), m.group(0)), value)


# --- iCloud Drive --------------------------------------------------------------------


def icloud(where: Where) -> Iterator[SyncedFolder]:
    cloud_docs = where.home / "Library" / "Mobile Documents" / "com~apple~CloudDocs"
    if cloud_docs.is_dir():
        yield SyncedFolder("iCloud Drive", cloud_docs, str(cloud_docs))
        for name in ("Desktop", "Documents"):
            # With "Desktop & Documents Folders" on, both live in iCloud Drive.
            if (cloud_docs / name).is_dir():
                yield SyncedFolder("iCloud Drive", where.home / name, str(cloud_docs / name))
    packages = where.env_path("LOCALAPPDATA")
    windows_drive = where.home / "iCloudDrive"
    if packages is not None and windows_drive.is_dir():
        with contextlib.suppress(OSError):
            if any(p.name.startswith("AppleInc.iCloud") for p in (packages / "Packages").iterdir()):
                yield SyncedFolder("iCloud Drive", windows_drive, str(packages / "Packages"))


# --- Google Drive --------------------------------------------------------------------


def google_drive(where: Where) -> Iterator[SyncedFolder]:
    bases = [where.app_support() / "Google" / "DriveFS"]
    local = where.env_path("LOCALAPPDATA")
    if local is not None:
        bases.append(local / "Google" / "DriveFS")
    for base in bases:
        database = base / "root_preference_sqlite.db"
        for root in drivefs_roots(database):
            yield SyncedFolder("Google Drive", root, str(database))
    for root in where.cloud_storage("GoogleDrive"):
        yield SyncedFolder("Google Drive", root, "File Provider")


def drivefs_roots(database: Path) -> list[Path]:
    """Mirrored folders and the drive's mount point from Drive for desktop's database."""
    if not database.is_file():
        return []
    found: list[Path] = []
    # Read only, without taking locks or touching the client's WAL.
    uri = database.absolute().as_uri() + "?mode=ro&immutable=1"
    queries = (
        "SELECT last_seen_absolute_path FROM roots",
        "SELECT last_mount_point FROM media",
    )
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error:
        return []
    try:
        for query in queries:
            with contextlib.suppress(sqlite3.Error):
                for (value,) in connection.execute(query):
                    if isinstance(value, str) and value.strip():
                        found.append(Path(value.removeprefix("\\\\?\\")))
    finally:
        connection.close()
    return found


# --- Nextcloud and ownCloud ----------------------------------------------------------


def nextcloud(where: Where) -> Iterator[SyncedFolder]:
    bases = [*where.config_homes(), where.home / "Library" / "Preferences"]
    bases += [where.home / ".local" / "share" / "data"]
    appdata = where.env_path("APPDATA")
    if appdata is not None:
        bases.append(appdata)
    for base in bases:
        for service, relative in (
            ("Nextcloud", "Nextcloud/nextcloud.cfg"),
            ("ownCloud", "ownCloud/owncloud.cfg"),
        ):
            config = base / relative
            for root in qt_sync_folders(read_small(config)):
                yield SyncedFolder(service, root, str(config))


def qt_sync_folders(data: bytes | None) -> list[Path]:
    """``0\\Folders\\1\\localPath=/home/me/Nextcloud/`` lines of the [Accounts] section."""
    if data is None:
        return []
    found = []
    section = ""
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, equals, value = line.partition("=")
        if section == "Accounts" and equals and _NEXTCLOUD_KEY.match(key.strip()):
            path = _qt_value(value.strip())
            if path:
                found.append(Path(path))
    return found


def _qt_value(value: str) -> str:
    """Undo QSettings' quoting: surrounding quotes, ``\\\\``, ``\\"`` and ``\\xHHHH``."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return re.sub(
        r"\\x([0-9a-fA-F]{1,4})|\\(.)",
        lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2),
        value,
    )


# --- Syncthing -----------------------------------------------------------------------


def syncthing(where: Where) -> Iterator[SyncedFolder]:
    bases = [*where.state_homes(), *where.config_homes(), where.app_support()]
    local = where.env_path("LOCALAPPDATA")
    if local is not None:
        bases.append(local)
    for base in bases:
        for name in ("syncthing", "Syncthing"):
            config = base / name / "config.xml"
            for root in syncthing_folders(read_small(config), where.home):
                yield SyncedFolder("Syncthing", root, str(config))


def syncthing_folders(data: bytes | None, home: Path) -> list[Path]:
    """The ``path`` of every ``<folder>`` of Syncthing's ``config.xml``."""
    if data is None:
        return []
    import xml.etree.ElementTree as ET  # only where a Syncthing config exists

    try:
        root = ET.fromstring(data)  # noqa: S314 — the user's own config; expat limits entity expansion
    except (ET.ParseError, ValueError, RecursionError):
        return []
    return [
        _expand_home(folder.attrib["path"], home)
        for folder in root.iter("folder")
        if folder.attrib.get("path", "").strip()
    ]


# --- MEGA ----------------------------------------------------------------------------


def mega_installed(where: Where) -> Path | None:
    """MEGAsync's data folder, if the client has ever run."""
    bases = [where.home / ".local" / "share" / "data", where.app_support()]
    local = where.env_path("LOCALAPPDATA")
    if local is not None:
        bases.append(local)
    for base in bases:
        folder = base / "Mega Limited" / "MEGAsync"
        if (folder / "MEGAsync.cfg").is_file():
            return folder
    return None


# --- Explorer's navigation pane (Windows) --------------------------------------------

_NAMESPACE_SERVICES = (
    ("OneDrive", "OneDrive"),
    ("Dropbox", "Dropbox"),
    ("iCloudDrive", "iCloud Drive"),
    ("iCloud Drive", "iCloud Drive"),
    ("Google Drive", "Google Drive"),
    ("Nextcloud", "Nextcloud"),
    ("ownCloud", "ownCloud"),
    ("MEGA", "MEGA"),
)


def windows_namespace(where: Where) -> Iterator[SyncedFolder]:
    """The folders sync clients pin into Explorer, with their target folder."""
    registry = where.registry
    if registry is None:
        return
    for clsid in registry.subkeys(NAMESPACE):
        name = registry.value(rf"{NAMESPACE}\{clsid}", "") or ""
        service = next((s for prefix, s in _NAMESPACE_SERVICES if name.startswith(prefix)), None)
        bag = rf"Software\Classes\CLSID\{clsid}\Instance\InitPropertyBag"
        target = registry.value(bag, "TargetFolderPath")
        if service is not None and target:
            yield SyncedFolder(service, Path(_expand_windows(target, where.env)), rf"HKCU\{bag}")


# --- all of them ---------------------------------------------------------------------

READERS = (dropbox, onedrive, icloud, google_drive, nextcloud, syncthing, windows_namespace)


def configured(where: Where) -> list[SyncedFolder]:
    """Every synced folder the clients' own files name (duplicates removed)."""
    found: dict[tuple[str, Path], SyncedFolder] = {}
    for reader in READERS:
        for folder in reader(where):
            found.setdefault((folder.service, folder.root), folder)
    return list(found.values())


def _expand_home(value: str, home: Path) -> Path:
    if value == "~" or value.startswith(("~/", "~\\")):
        return home / value[2:]
    return Path(value)


def _is_within(path: Path, root: Path) -> bool:
    folded = [str(p).replace("\\", "/").rstrip("/").casefold() for p in (path, root)]
    return folded[0] == folded[1] or folded[0].startswith(folded[1] + "/")


def windows_registry() -> Registry | None:
    """The real registry on Windows; None elsewhere."""
    if sys.platform == "win32":
        from retention_agent.scan.winreg_reader import WinRegistry

        return WinRegistry()
    return None
