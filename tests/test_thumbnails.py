"""Freedesktop thumbnails of originals and of files ``open`` wrote go at ingest and at
deletion, named as the standard names them (MD5 of the file URI), in
``$XDG_CACHE_HOME/thumbnails``."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from retention_agent import thumbnails
from retention_agent.vault import catalog, copies
from retention_agent.vault.adding import ingest_file
from retention_agent.vault.deletion import delete_items
from retention_agent.vault.records import DeletionRequest
from retention_agent.vault.vault import Vault
from tests.support.vaults import NOW, PASSPHRASE, add_case

SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.fixture
def vault(vault_home: Path) -> Iterator[Vault]:
    with Vault.init(vault_home, PASSPHRASE, NOW) as opened:
        yield opened


def plant(path: Path, cache: Path, size: str = "normal") -> Path:
    """A thumbnail of ``path`` where a GLib file manager would have put it."""
    uri = "file://" + quote(str(path), safe="/!$&'()*+,:=@~")
    thumbnail = cache / size / (hashlib.md5(uri.encode()).hexdigest() + ".png")
    thumbnail.parent.mkdir(parents=True, exist_ok=True)
    thumbnail.write_bytes(b"\x89PNG synthetic thumbnail")
    return thumbnail


def test_the_standards_example(tmp_path: Path) -> None:
    """The spec: file:///home/jens/photos/me.png -> c6ee772d9e49320e97ec29a7eb5b1697.png"""
    thumbnail = tmp_path / "normal" / "c6ee772d9e49320e97ec29a7eb5b1697.png"
    thumbnail.parent.mkdir()
    thumbnail.write_bytes(b"\x89PNG")
    assert thumbnails.remove([Path("/home/jens/photos/me.png")], tmp_path) == 1
    assert not thumbnail.exists()


@pytest.mark.skipif(
    not Path(SYSTEM_PYTHON).exists()
    or subprocess.run([SYSTEM_PYTHON, "-c", "import gi"], check=False).returncode != 0,
    reason="Debian's python3-gi is not installed",
)
def test_uris_match_glib_for_awkward_names(tmp_path: Path) -> None:
    names = ["Barn Æ & (sommer) 2026!.jpg", "a+b=c;d,e'f@g$h.png", "100% ~ny.jpg"]
    for name in names:
        path = tmp_path / name
        glib = subprocess.run(
            [
                SYSTEM_PYTHON,
                "-c",
                "import sys; from gi.repository import GLib; "
                "print(GLib.filename_to_uri(sys.argv[1], None))",
                str(path),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert glib in thumbnails.uris(path), name


def test_honours_xdg_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "elsewhere"))
    assert thumbnails.cache_folder() == tmp_path / "elsewhere" / "thumbnails"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    assert thumbnails.cache_folder() == Path.home() / ".cache" / "thumbnails"


def test_every_size_fail_folders_and_shared_repository_go(tmp_path: Path) -> None:
    photo = tmp_path / "photos" / "a b.jpg"
    photo.parent.mkdir()
    cache = thumbnails.cache_folder()
    planted = [
        plant(photo, cache, size) for size in (*thumbnails.SIZES, "fail/gnome-thumbnail-factory")
    ]
    shared = (
        photo.parent / ".sh_thumbnails" / "large" / (hashlib.md5(b"a%20b.jpg").hexdigest() + ".png")
    )
    shared.parent.mkdir(parents=True)
    shared.write_bytes(b"png")
    other = plant(tmp_path / "photos" / "other.jpg", cache)

    assert thumbnails.remove([photo]) == len(planted) + 1
    assert not any(p.exists() for p in [*planted, shared])
    assert other.exists()


def test_ingest_and_deletion_remove_thumbnails(vault: Vault, tmp_path: Path) -> None:
    cache = thumbnails.cache_folder()
    case_id = add_case(vault)
    removed, kept = tmp_path / "removed.jpg", tmp_path / "kept.jpg"
    for path in (removed, kept):
        path.write_bytes(b"synthetic " + path.name.encode())
    thumb_removed, thumb_kept = plant(removed, cache), plant(kept, cache, "large")
    ids = [
        ingest_file(
            vault,
            case_id=case_id,
            kind="photo",
            source=path,
            now=NOW,
            keep_original=keep,
        ).item_id
        for path, keep in ((removed, False), (kept, True))
    ]
    assert not thumb_removed.exists()
    assert not thumb_kept.exists()

    out = tmp_path / "out"
    out.mkdir()
    opened = catalog.export_item(vault, ids[1], out)
    copies.track_open(vault, catalog.get_item(vault, ids[1]), opened, NOW)
    thumbs = [plant(opened, cache), plant(kept, cache), plant(removed, cache)]
    later = NOW + dt.timedelta(days=400)
    delete_items(vault, DeletionRequest(case_id, tuple(ids), ("R2a",), "hjem-til-os", "1"), later)
    assert not any(t.exists() for t in thumbs)
