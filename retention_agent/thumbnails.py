"""Removing the thumbnails file managers keep of a file (freedesktop.org Thumbnail
Managing Standard, used by GNOME, KDE, Xfce and most Linux file managers).

A thumbnail is ``$XDG_CACHE_HOME/thumbnails/<size>/<md5 of the file's URI>.png`` for
the sizes ``normal``, ``large``, ``x-large`` and ``xx-large``, plus
``fail/<program>/<md5>.png`` where a thumbnailer failed; removable media may carry a
shared repository ``<folder>/.sh_thumbnails/<size>/<md5 of the file name>.png``. A
thumbnail of a photo is a small copy of the photo, so it goes when the photo goes.

Programs escape the URI slightly differently (GLib keeps ``!$&'()*+,:=@`` in clear,
Python's ``Path.as_uri`` escapes them), so each spelling is tried.

Pure file-system code: no vault, no heavy imports. macOS (QuickLook) and Windows
(thumbcache) keep their caches in databases this module does not touch; see the README.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote_from_bytes

SIZES = ("normal", "large", "x-large", "xx-large")
_GLIB_SAFE = b"/!$&'()*+,:=@~-._"


def cache_folder() -> Path:
    """``$XDG_CACHE_HOME/thumbnails``, or ``~/.cache/thumbnails`` (the spec's default)."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    cache = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return cache / "thumbnails"


def uris(path: Path) -> set[str]:
    """The ``file://`` URIs programs write for ``path`` (absolute, not resolved:
    file managers name a file by the path they were shown)."""
    raw = os.fsencode(os.path.abspath(path))
    return {
        "file://" + quote_from_bytes(raw, safe=_GLIB_SAFE),
        "file://" + quote_from_bytes(raw, safe=b"/"),
    }


def _names(texts: Iterable[str]) -> set[str]:
    # MD5 because the standard names files by it; nothing here is a security use.
    return {
        hashlib.md5(text.encode(), usedforsecurity=False).hexdigest() + ".png" for text in texts
    }


def remove(paths: Iterable[Path], cache: Path | None = None) -> int:
    """Remove the thumbnails of ``paths``; returns how many were found and removed.
    Best effort: a thumbnail that cannot be removed is left (it is only a cache).

    Each folder that may hold thumbnails is listed once and only names found there are
    removed: a phone's photo dump is thousands of paths, each with a dozen candidates.
    """
    root = cache or cache_folder()
    central = _listed([root / size for size in SIZES] + _subfolders(root / "fail"))
    shared: dict[str, dict[Path, set[str]]] = {}
    removed = 0
    for path in paths:
        absolute = os.path.abspath(path)
        folder, name = os.path.split(absolute)
        if folder not in shared:
            repository = Path(folder) / ".sh_thumbnails"
            shared[folder] = _listed([repository / size for size in (*SIZES, "fail")])
        local = _names(quote_from_bytes(os.fsencode(name), safe=s) for s in (_GLIB_SAFE, b"/"))
        for listing, wanted in ((central, _names(uris(Path(absolute)))), (shared[folder], local)):
            for where, present in listing.items():
                for thumbnail in wanted & present:
                    with contextlib.suppress(FileNotFoundError, PermissionError):
                        (where / thumbnail).unlink()
                        removed += 1
    return removed


def _listed(folders: Iterable[Path]) -> dict[Path, set[str]]:
    """The names in each of ``folders`` that exists (most do not)."""
    found: dict[Path, set[str]] = {}
    for folder in folders:
        with contextlib.suppress(OSError):
            found[folder] = set(os.listdir(folder))
    return found


def _subfolders(folder: Path) -> list[Path]:
    try:
        return [entry for entry in folder.iterdir() if entry.is_dir()]
    except OSError:
        return []
