"""Watching the inbox folders with watchdog. Every event only says "look at this path
again": the agent's loop decides, after the file has settled. A folder that is deleted
and comes back (a new inode) is watched anew, because a native watch dies with it; the
vault folder itself is watched too (not recursively, and only for the inbox's names),
so that the inbox being deleted or moved away is noticed at once."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from retention_agent.scan.places import skipped_name

ObserverKind = Literal["native", "polling"]
Hint = Callable[[Path], None]
POLL_SECONDS = 0.5


class _Forward(FileSystemEventHandler):
    def __init__(self, hint: Hint, only: Callable[[Path], bool] = lambda _path: True) -> None:
        self._hint = hint
        self._only = only

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # reading is not changing
        if event.is_directory and event.event_type == "modified":
            return  # a file inside changed: that file has its own event
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path and self._only(Path(_text(path))):
                self._hint(Path(_text(path)))


class _Arrivals(FileSystemEventHandler):
    """Downloads: a file that arrived (made, renamed into place, written and closed);
    partial downloads and the writes themselves are not worth waking up for."""

    def __init__(self, arrived: Callable[[], None]) -> None:
        self._arrived = arrived

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type not in ("created", "moved", "closed"):
            return
        path = _text(getattr(event, "dest_path", "") or event.src_path)
        if not skipped_name(Path(path).name):
            self._arrived()


def _text(path: str | bytes) -> str:
    return path.decode(errors="surrogateescape") if isinstance(path, bytes) else path


class Watcher:
    def __init__(self, hint: Hint, kind: ObserverKind = "native") -> None:
        self._hint = hint
        self._observer: BaseObserver = (
            PollingObserver(timeout=POLL_SECONDS) if kind == "polling" else Observer()
        )
        self._watches: dict[Path, tuple[ObservedWatch, tuple[int, int]]] = {}
        self._lock = threading.Lock()
        self._polling = kind == "polling"
        self._downloads: tuple[Path, ObservedWatch, tuple[int, int]] | None = None

    def start(self) -> None:
        self._observer.daemon = True
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)

    def follow(self, roots: list[Path], home: Path, names: set[str]) -> bool:
        """Watch exactly these folders (and ``home`` for entries called ``names``);
        re-watch one whose identity changed. Returns whether anything changed (the
        caller then rescans, as events may be lost)."""
        changed = False
        with self._lock:
            wanted: dict[Path, tuple[int, int]] = {}
            for root in roots:
                identity = _identity(root)
                if identity is not None:
                    wanted[root] = identity
            home_identity = _identity(home)
            if home_identity is not None:
                wanted[home] = home_identity
            for root, (watch, identity) in list(self._watches.items()):
                if wanted.get(root) != identity:
                    self._unschedule(watch)
                    del self._watches[root]
                    changed = True
            for root, identity in wanted.items():
                if root in self._watches:
                    continue
                if root == home:
                    handler = _Forward(self._hint, lambda path: path.name in names)
                    watch = self._observer.schedule(handler, str(root), recursive=False)
                else:
                    watch = self._observer.schedule(_Forward(self._hint), str(root), recursive=True)
                self._watches[root] = (watch, identity)
                changed = root != home or changed
        return changed

    def follow_downloads(self, folder: Path, arrived: Callable[[], None]) -> None:
        """Watch ``folder`` (not recursively) for files arriving; watched anew when it
        was made again. Not with the polling observer, which would read the folder
        every half second: the lookout's slow schedule finds those files too."""
        if self._polling:
            return
        identity = _identity(folder)
        with self._lock:
            if self._downloads is not None:
                path, watch, known = self._downloads
                if path == folder and known == identity:
                    return
                self._unschedule(watch)
                self._downloads = None
            if identity is None:
                return
            try:
                watch = self._observer.schedule(_Arrivals(arrived), str(folder), recursive=False)
            except OSError:  # no more watches allowed, or not readable: the schedule finds it
                return
            self._downloads = (folder, watch, identity)

    def _unschedule(self, watch: ObservedWatch) -> None:
        with contextlib.suppress(KeyError, OSError):  # the watch died with its folder
            self._observer.unschedule(watch)


def _identity(root: Path) -> tuple[int, int] | None:
    try:
        info = root.stat()
    except OSError:
        return None
    return (info.st_dev, info.st_ino)
