"""Cloud sync (C3): each client's own config and marker files, laid out the way the
client writes them in a temporary HOME, are recognised; a folder that is merely named
like a cloud is not. Windows' registry is the one edge faked (there is none on Linux):
a dict with the real key layout behind the same two read calls ``winreg`` answers."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from retention_agent.cli import cli
from retention_agent.scan.cloud import Where, synced_folder_of, synced_folders
from retention_agent.scan.cloud_clients import SHELL_FOLDERS

DEFAULT_ENV: dict[str, str] = {}


class DictRegistry:
    """HKEY_CURRENT_USER as {key: {value name: value}}; subkeys from the key paths."""

    def __init__(self, keys: dict[str, dict[str, str]]) -> None:
        self.keys = keys

    def subkeys(self, key: str) -> list[str]:
        prefix = key.casefold() + "\\"
        return sorted(
            {k[len(prefix) :].split("\\")[0] for k in self.keys if k.casefold().startswith(prefix)}
        )

    def value(self, key: str, name: str) -> str | None:
        values = next((v for k, v in self.keys.items() if k.casefold() == key.casefold()), {})
        return values.get(name)


def where(
    home: Path, env: dict[str, str] | None = None, registry: DictRegistry | None = None
) -> Where:
    return Where(home=home, env=env or DEFAULT_ENV, registry=registry)


def service_of(path: Path, place: Where) -> str | None:
    found = synced_folder_of(path, where=place)
    return None if found is None else found.service


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_dropbox_info_json(isolated_environment: Path) -> None:
    home = isolated_environment
    (home / "Dropbox (Personal)").mkdir()
    (home / "Dropbox (Work)").mkdir()
    info = {
        "personal": {"path": str(home / "Dropbox (Personal)"), "host": 1, "is_team": False},
        "business": {"path": str(home / "Dropbox (Work)"), "host": 2, "is_team": True},
    }
    write(home / ".dropbox" / "info.json", json.dumps(info))
    place = where(home)
    assert service_of(home / "Dropbox (Personal)" / "Billeder" / "a.jpg", place) == "Dropbox"
    assert service_of(home / "Dropbox (Work)", place) == "Dropbox"
    assert service_of(home / "Billeder", place) is None


def test_dropbox_on_windows_in_appdata(isolated_environment: Path) -> None:
    home = isolated_environment
    local = home / "AppData" / "Local"
    write(local / "Dropbox" / "info.json", json.dumps({"personal": {"path": str(home / "Db")}}))
    assert service_of(home / "Db" / "x.pdf", where(home, {"LOCALAPPDATA": str(local)})) == "Dropbox"


def test_a_folder_named_like_a_cloud_is_not_synced(isolated_environment: Path) -> None:
    home = isolated_environment
    for name in ("Dropbox", "OneDrive", "Nextcloud", "Sync", "MEGA", "iCloudDrive", "Google Drive"):
        (home / name).mkdir()
        assert service_of(home / name / "file.pdf", where(home)) is None


def test_onedrive_linux_client_config(isolated_environment: Path) -> None:
    home = isolated_environment
    write(home / ".config" / "onedrive" / "config", '# comment\nsync_dir = "~/Skyen"\n')
    assert service_of(home / "Skyen" / "a.jpg", where(home)) == "OneDrive"
    assert service_of(home / "OneDrive" / "a.jpg", where(home)) is None


def test_onedrive_linux_client_default_folder(isolated_environment: Path) -> None:
    home = isolated_environment
    write(home / ".config" / "onedrive" / "items.sqlite3", b"")
    assert service_of(home / "OneDrive" / "a.jpg", where(home)) == "OneDrive"


def test_onedrive_macos_file_provider(isolated_environment: Path) -> None:
    home = isolated_environment
    (home / "Library" / "CloudStorage" / "OneDrive-Personal").mkdir(parents=True)
    path = home / "Library" / "CloudStorage" / "OneDrive-Personal" / "Dokumenter" / "mp.pdf"
    assert service_of(path, where(home)) == "OneDrive"


def test_onedrive_windows_variable_and_registry_with_known_folder_move(
    isolated_environment: Path,
) -> None:
    home = isolated_environment
    profile, business = home / "OneDrive", home / "OneDrive - Red Barnet"
    registry = DictRegistry(
        {
            r"Software\Microsoft\OneDrive\Accounts\Personal": {"UserFolder": str(profile)},
            r"Software\Microsoft\OneDrive\Accounts\Business1": {"UserFolder": str(business)},
            SHELL_FOLDERS: {
                "Desktop": r"%USERPROFILE%\OneDrive\Desktop",
                "Personal": r"%USERPROFILE%\Documents",  # not moved
            },
        }
    )
    env = {"USERPROFILE": str(home), "OneDrive": str(profile)}
    place = where(home, env, registry)
    folders = synced_folders(place)
    assert {f.source for f in folders if "Known" not in f.source} >= {
        "%OneDrive%",
        r"HKCU\Software\Microsoft\OneDrive\Accounts\Business1",
    }
    moved = [f for f in folders if f.source.endswith(r"User Shell Folders\Desktop")]
    assert len(moved) == 1
    assert moved[0].service == "OneDrive"
    assert service_of(business / "x.docx", place) == "OneDrive"
    assert service_of(home / "Documents" / "x.docx", place) is None


def test_windows_navigation_pane_entries(isolated_environment: Path) -> None:
    home = isolated_environment
    clsid = "{04271989-C4D2-4B4C-9A8E-B9C0A2B0B0C1}"
    registry = DictRegistry(
        {
            rf"Software\Microsoft\Windows\CurrentVersion\Explorer\Desktop\NameSpace\{clsid}": {
                "": "MEGA"
            },
            rf"Software\Classes\CLSID\{clsid}\Instance\InitPropertyBag": {
                "TargetFolderPath": r"%USERPROFILE%/MEGA-sync"
            },
        }
    )
    place = where(home, {"USERPROFILE": str(home)}, registry)
    assert service_of(home / "MEGA-sync" / "a.jpg", place) == "MEGA"


def test_icloud_drive_and_desktop_documents(isolated_environment: Path) -> None:
    home = isolated_environment
    cloud_docs = home / "Library" / "Mobile Documents" / "com~apple~CloudDocs"
    (cloud_docs / "Desktop").mkdir(parents=True)
    (home / "Desktop").mkdir()
    (home / "Documents").mkdir()
    place = where(home)
    assert service_of(cloud_docs / "mp.pdf", place) == "iCloud Drive"
    assert service_of(home / "Desktop" / "mp.pdf", place) == "iCloud Drive"
    assert service_of(home / "Documents" / "mp.pdf", place) is None  # only Desktop is on


def test_icloud_desktop_as_a_link_into_icloud(isolated_environment: Path) -> None:
    home = isolated_environment
    cloud_docs = home / "Library" / "Mobile Documents" / "com~apple~CloudDocs"
    (cloud_docs / "Documents").mkdir(parents=True)
    (home / "Documents").symlink_to(cloud_docs / "Documents")
    assert service_of(home / "Documents" / "mp.pdf", where(home)) == "iCloud Drive"


def test_icloud_for_windows(isolated_environment: Path) -> None:
    home = isolated_environment
    local = home / "AppData" / "Local"
    (local / "Packages" / "AppleInc.iCloud_nzyj5cx40ttqa").mkdir(parents=True)
    (home / "iCloudDrive").mkdir()
    place = where(home, {"LOCALAPPDATA": str(local)})
    assert service_of(home / "iCloudDrive" / "a.jpg", place) == "iCloud Drive"
    assert service_of(home / "iCloudDrive" / "a.jpg", where(home)) is None


def _drivefs_database(path: Path, roots: list[str], mounts: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE roots (root_id INTEGER PRIMARY KEY, media_id TEXT, title TEXT, "
            "last_seen_absolute_path TEXT, sync_type INTEGER, destination INTEGER)"
        )
        db.execute(
            "CREATE TABLE media (media_id TEXT, name TEXT, last_mount_point TEXT, "
            "fs_type INTEGER, capacity INTEGER, ignored INTEGER)"
        )
        for number, root in enumerate(roots):
            db.execute(
                "INSERT INTO roots (media_id, title, last_seen_absolute_path, sync_type, "
                "destination) VALUES ('m', ?, ?, 1, 1)",
                (f"root {number}", root),
            )
        for mount in mounts:
            db.execute("INSERT INTO media VALUES ('m', 'Google Drive', ?, 10, 0, 0)", (mount,))
    db.close()


def test_google_drive_mirrored_folders_and_drive(isolated_environment: Path) -> None:
    home = isolated_environment
    database = home / "Library" / "Application Support" / "Google" / "DriveFS"
    _drivefs_database(
        database / "root_preference_sqlite.db",
        roots=["\\\\?\\" + str(home / "Billeder")],
        mounts=[str(home / "GoogleDriveMount")],
    )
    place = where(home)
    assert service_of(home / "Billeder" / "a.jpg", place) == "Google Drive"
    assert service_of(home / "GoogleDriveMount" / "My Drive" / "a.jpg", place) == "Google Drive"
    assert service_of(home / "Dokumenter" / "a.jpg", place) is None


def test_google_drive_on_windows_and_file_provider(isolated_environment: Path) -> None:
    home = isolated_environment
    local = home / "AppData" / "Local"
    _drivefs_database(
        local / "Google" / "DriveFS" / "root_preference_sqlite.db", [str(home / "Skrivebord")], []
    )
    (home / "Library" / "CloudStorage" / "GoogleDrive-someone@example.org").mkdir(parents=True)
    place = where(home, {"LOCALAPPDATA": str(local)})
    assert service_of(home / "Skrivebord" / "x", place) == "Google Drive"
    drive = home / "Library" / "CloudStorage" / "GoogleDrive-someone@example.org" / "x"
    assert service_of(drive, place) == "Google Drive"


NEXTCLOUD_CFG = """[General]
clientVersion=3.12.0

[Accounts]
0\\Folders\\1\\ignoreHiddenFiles=false
0\\Folders\\1\\journalPath=.sync_0e03fe2b262e.db
0\\Folders\\1\\localPath={first}/
0\\Folders\\1\\paused=false
0\\Folders\\1\\targetPath=/
0\\FoldersWithPlaceholders\\2\\localPath="{second}"
0\\url=https://cloud.example.org
version=2
"""


@pytest.mark.parametrize(
    ("service", "relative"),
    [
        ("Nextcloud", ".config/Nextcloud/nextcloud.cfg"),
        ("ownCloud", ".config/ownCloud/owncloud.cfg"),
        ("Nextcloud", "Library/Preferences/Nextcloud/nextcloud.cfg"),
    ],
)
def test_nextcloud_and_owncloud_config(
    isolated_environment: Path, service: str, relative: str
) -> None:
    home = isolated_environment
    first, second = home / "Nextcloud", home / "Fælles mappe"
    write(home / relative, NEXTCLOUD_CFG.format(first=first, second=second))
    assert service_of(first / "a.jpg", where(home)) == service
    assert service_of(second / "a.jpg", where(home)) == service


def test_nextcloud_on_windows_appdata(isolated_environment: Path) -> None:
    home = isolated_environment
    appdata = home / "AppData" / "Roaming"
    cfg = NEXTCLOUD_CFG.format(first="C:/Users/x/Nextcloud", second=home / "Nc")
    write(appdata / "Nextcloud" / "nextcloud.cfg", cfg)
    assert service_of(home / "Nc" / "a", where(home, {"APPDATA": str(appdata)})) == "Nextcloud"


def test_nextcloud_journal_marker(isolated_environment: Path) -> None:
    home = isolated_environment
    write(home / "Sky" / ".sync_613999d9af8f.db", b"SQLite format 3\0")
    assert service_of(home / "Sky" / "Billeder" / "a.jpg", where(home)) == "Nextcloud"


SYNCTHING_XML = """<configuration version="37">
    <folder id="default" label="Default Folder" path="~/Sync" type="sendreceive">
        <device id="AAAA"></device>
    </folder>
    <folder id="photos" label="Photos" path="{photos}" type="sendonly"></folder>
    <device id="AAAA" name="laptop"></device>
</configuration>
"""


@pytest.mark.parametrize("base", [".local/state/syncthing", ".config/syncthing"])
def test_syncthing_config(isolated_environment: Path, base: str) -> None:
    home = isolated_environment
    write(home / base / "config.xml", SYNCTHING_XML.format(photos=home / "Billeder"))
    assert service_of(home / "Sync" / "a.jpg", where(home)) == "Syncthing"
    assert service_of(home / "Billeder" / "a.jpg", where(home)) == "Syncthing"


def test_syncthing_marker(isolated_environment: Path) -> None:
    home = isolated_environment
    (home / "Delt" / ".stfolder").mkdir(parents=True)
    assert service_of(home / "Delt" / "sub" / "a.jpg", where(home)) == "Syncthing"


def test_dropbox_marker_files(isolated_environment: Path) -> None:
    home = isolated_environment
    write(home / "Kasse" / ".dropbox", "{}")
    assert service_of(home / "Kasse" / "a.jpg", where(home)) is None  # needs the cache too
    (home / "Kasse" / ".dropbox.cache").mkdir()
    assert service_of(home / "Kasse" / "a.jpg", where(home)) == "Dropbox"


def test_mega_markers(isolated_environment: Path) -> None:
    home = isolated_environment
    (home / "Backup" / ".debris").mkdir(parents=True)
    assert service_of(home / "Backup" / "a.jpg", where(home)) is None  # MEGAsync not installed
    write(home / ".local/share/data/Mega Limited/MEGAsync/MEGAsync.cfg", "[General]\n")
    assert service_of(home / "Backup" / "a.jpg", where(home)) == "MEGA"
    write(home / "Andet" / ".megaignore", "-s:*\n")
    assert service_of(home / "Andet" / "a.jpg", where(home)) == "MEGA"


def test_damaged_configs_detect_nothing(isolated_environment: Path) -> None:
    home = isolated_environment
    write(home / ".dropbox" / "info.json", b"\xff{not json")
    write(home / ".config" / "syncthing" / "config.xml", "<configuration><folder path=")
    write(home / ".config" / "Nextcloud" / "nextcloud.cfg", b"\x00\xff[Accounts\n=\n")
    db = home / "Library" / "Application Support" / "Google" / "DriveFS"
    write(db / "root_preference_sqlite.db", b"not a database at all")
    assert synced_folders(where(home)) == []


def test_init_refuses_a_synced_vault_home(
    isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = isolated_environment
    write(
        home / ".dropbox" / "info.json", json.dumps({"personal": {"path": str(home / "Dropbox")}})
    )
    monkeypatch.setenv("RETENTION_HOME", str(home / "Dropbox" / "boks"))
    refused = CliRunner().invoke(cli, ["init"])
    assert refused.exit_code == 10
    assert "Dropbox" in refused.stderr
    assert "--allow-synced" in refused.stderr
    assert not (home / "Dropbox" / "boks").exists()

    allowed = CliRunner().invoke(cli, ["init", "--allow-synced"])
    assert allowed.exit_code == 0, allowed.output
    status = CliRunner().invoke(cli, ["status"])
    assert status.exit_code == 0
    assert "Warning: the vault is in a folder that Dropbox copies to the cloud" in status.stderr
    synced = json.loads(CliRunner().invoke(cli, ["status", "--json"]).stdout)["synced"]
    assert synced == [{"what": "vault", "service": "Dropbox", "folder": str(home / "Dropbox")}]


def test_status_warns_about_a_synced_inbox(vault_home: Path) -> None:
    assert CliRunner().invoke(cli, ["init"]).exit_code == 0
    assert "Warning" not in CliRunner().invoke(cli, ["status"]).stderr
    (vault_home / "Indbakke" / ".stfolder").mkdir(parents=True)
    status = CliRunner().invoke(cli, ["status", "--lang", "da"])
    assert "indbakken ligger i en mappe, som Syncthing" in status.stderr
