"""What one run of the wizard remembers: the person's choices, the vault (opened briefly
for each request, so the agent and other commands are not locked out meanwhile), the
thumbnails made so far (in memory only), and the export running in the background.

There is one person per wizard, so there is one session; a lock keeps the threads that
serve the browser's parallel requests from stepping on each other.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from retention_agent import clock
from retention_agent.errors import RetentionError
from retention_agent.export import thumbnails, video
from retention_agent.export.check import ExportCheck, check_export
from retention_agent.export.errors import ExportCancelled
from retention_agent.export.records import Answers, get_export
from retention_agent.export.run import DEFAULT_PART_MB, ExportOptions, ExportResult, export_photos
from retention_agent.i18n import Language
from retention_agent.vault import catalog
from retention_agent.vault.keystore import KekStore, PassphraseSource
from retention_agent.vault.vault import Vault

Outcome = Literal["sent", "later", "declined"]
Placeholder = Literal["video", "no-preview"]


@dataclass
class Choices:
    """What the person has chosen so far, step by step."""

    case_id: str | None = None
    selected: set[str] | None = None  # None: not chosen yet, meaning every photo
    answers: Answers = field(default_factory=Answers)
    as_zip: bool = False
    destination: str = ""
    part_mb: int = DEFAULT_PART_MB
    downscale: bool = False
    outcome: Outcome | None = None


class VaultAccess:
    """Opens the vault for one piece of work at a time, reusing the unlocked key store."""

    def __init__(self, home: Path, passphrase: PassphraseSource, store: KekStore) -> None:
        self.home, self.passphrase, self.store = home, passphrase, store
        self._lock = threading.Lock()  # threads queue here rather than poll the file lock

    @contextmanager
    def open(self, *, read_only: bool = False) -> Iterator[Vault]:
        """The vault for one piece of work; ``read_only`` for pages that only look, which
        then never wait behind another command that is writing (see ``Vault.open``)."""
        with (
            self._lock,
            Vault.open(self.home, self.passphrase, store=self.store, read_only=read_only) as vault,
        ):
            yield vault


class ExportJob:
    """One export in a background thread, with its progress for the page to poll."""

    def __init__(self, access: VaultAccess, case_id: str, options: ExportOptions) -> None:
        self.done = 0
        self.total = len(options.items)
        self.result: ExportResult | None = None
        self.check: ExportCheck | None = None
        self.error: RetentionError | None = None
        self._access, self._case_id, self._options = access, case_id, options
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wizard-export", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def cancel(self) -> None:
        """Stop the export; its files are removed. Returns once it has stopped."""
        self._cancelled.set()
        self._thread.join()

    def _progress(self, done: int, total: int) -> None:
        if self._cancelled.is_set():
            raise ExportCancelled()
        self.done, self.total = done, total

    def _run(self) -> None:
        try:
            with self._access.open() as vault:
                result = export_photos(
                    vault, self._case_id, self._options, clock.now(), self._progress
                )
                self.check = check_export(vault, get_export(vault, result.record_id))
                self.result = result
        except RetentionError as error:
            self.error = error


class Session:
    def __init__(
        self,
        access: VaultAccess,
        language: Language,
        case_id: str | None,
        default_destination: Path,
    ) -> None:
        self.access = access
        self.language: Language = language
        self.choices = Choices(case_id=case_id, destination=str(default_destination))
        self.job: ExportJob | None = None
        self.finished = threading.Event()
        self.lock = threading.Lock()
        self.photo_ids: frozenset[str] = frozenset()  # the case's photos, as step 2 listed them
        self._thumbnails: dict[str, bytes | Placeholder] = {}
        self._last_seen = time.monotonic()

    def touch(self) -> None:
        self._last_seen = time.monotonic()

    def idle_seconds(self) -> float:
        if self.job is not None and self.job.running:
            return 0.0
        return time.monotonic() - self._last_seen

    def today(self) -> dt.date:
        return clock.now().date()

    def thumbnail(self, item_id: str) -> bytes | Placeholder:
        """A preview of one photo: decrypted and shrunk in memory, kept in memory only;
        a video, or a file with no picture to show, gets a placeholder."""
        if item_id not in self._thumbnails:
            with self.access.open(read_only=True) as vault:
                data = catalog.read_item(vault, item_id)
            small = thumbnails.thumbnail(data)
            if small is None:
                self._thumbnails[item_id] = "video" if video.is_video(data) else "no-preview"
            else:
                self._thumbnails[item_id] = small
        return self._thumbnails[item_id]

    def start_export(self, options: ExportOptions) -> ExportJob:
        with self.lock:
            if self.job is None:
                self.job = ExportJob(self.access, self.require_case(), options)
            return self.job

    def require_case(self) -> str:
        if self.choices.case_id is None:
            raise LookupError("no case chosen yet")
        return self.choices.case_id

    def stop(self) -> None:
        """Called when the server stops: an export still running is cancelled and removed."""
        if self.job is not None and self.job.running:
            self.job.cancel()
        self._thumbnails.clear()
