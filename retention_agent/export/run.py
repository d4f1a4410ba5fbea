"""Exporting a case's photos: decrypt each in memory, make its clean copy, write it under
a neutral name into a new folder (or zip files) in the destination, and record the export
sealed with the keyed fingerprints of the files written.

``retention export photos`` and the wizard both call :func:`export_photos`.

Decryption stays on the calling thread (it owns the vault's SQLite connection); the
clean copies are made by two worker threads (Pillow, FFmpeg and the fingerprint's
SHA-256 release the GIL), a few items ahead of the writer, within a memory budget.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from retention_agent.errors import TargetNotDirectory
from retention_agent.export import clean, records
from retention_agent.export.errors import (
    BadLongEdge,
    BadPartSize,
    DestinationNotWritable,
    ExportDiskFull,
    NoPhotos,
    NoRoomForExport,
    NotAPhotoOfCase,
    NothingExportable,
)
from retention_agent.export.records import Answers, ExportedFile
from retention_agent.export.writer import (
    ExportWriter,
    FolderWriter,
    WrittenFile,
    ZipWriter,
    make_export_folder,
    photo_name,
)
from retention_agent.i18n import format_size
from retention_agent.vault import catalog, files
from retention_agent.vault.cases import require_case
from retention_agent.vault.records import ItemRecord
from retention_agent.vault.vault import Vault

MB: Final = 1_000_000  # mail limits are counted in decimal megabytes
DEFAULT_PART_MB: Final = 15  # base64 makes it ~20.5 MB: under the common 20-25 MB limits
PART_MB_RANGE: Final = (1, 2000)  # zip files stay far below zip64's 4 GiB
DEFAULT_LONG_EDGE: Final = 2048
LONG_EDGE_RANGE: Final = (320, 20000)
WORKERS: Final = 2
AHEAD_BYTES: Final = 64 << 20  # decrypted items waiting for their clean copy
ROOM_MARGIN: Final = 1 << 20  # zip headers and the folder itself

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportOptions:
    destination: Path  # an existing folder; the export makes a new folder inside it
    as_zip: bool = False
    part_mb: int = DEFAULT_PART_MB
    long_edge: int | None = None  # downscale photos whose long edge is larger
    items: tuple[str, ...] = ()  # empty: every photo of the case
    answers: Answers = field(default_factory=Answers)

    def check(self) -> None:
        low, high = PART_MB_RANGE
        if not low <= self.part_mb <= high:
            raise BadPartSize(low=low, high=high)
        low, high = LONG_EDGE_RANGE
        if self.long_edge is not None and not low <= self.long_edge <= high:
            raise BadLongEdge(low=low, high=high)
        if self.answers.family == "no":
            raise ValueError("the family said no: record it with offer.decline, export nothing")
        if not self.destination.is_dir():
            raise TargetNotDirectory()


@dataclass(frozen=True)
class LeftOutItem:
    item_id: str
    reason: clean.Reason


@dataclass(frozen=True)
class ExportResult:
    record_id: int
    folder: Path
    as_zip: bool
    files: tuple[ExportedFile, ...]
    items: tuple[str, ...]  # exported, in the order of their numbers
    left_out: tuple[LeftOutItem, ...]
    oversized: tuple[Path, ...]  # zip files above the size limit (one large video each)


def photos_to_export(vault: Vault, case_id: str, chosen: Sequence[str] = ()) -> list[ItemRecord]:
    """The case's photos (all, or the ``chosen`` ones), in the order they were added."""
    require_case(vault, case_id)
    photos = catalog.list_items(vault, case_id=case_id, kind="photo")
    if chosen:
        known = {photo.id for photo in photos}
        for item_id in chosen:
            if item_id not in known:
                raise NotAPhotoOfCase(item=item_id, case=case_id)
        photos = [photo for photo in photos if photo.id in set(chosen)]
    if not photos:
        raise NoPhotos(case=case_id)
    return photos


def export_photos(
    vault: Vault,
    case_id: str,
    options: ExportOptions,
    now: dt.datetime,
    progress: Progress | None = None,
) -> ExportResult:
    options.check()
    photos = photos_to_export(vault, case_id, options.items)
    if options.long_edge is None:
        _check_room(options.destination, sum(photo.size for photo in photos))
    folder = make_export_folder(options.destination.absolute())
    writer: ExportWriter = (
        ZipWriter(folder, options.part_mb * MB, now) if options.as_zip else FolderWriter(folder)
    )
    try:
        exported, left_out = _write_all(vault, photos, options, writer, progress)
        written = writer.finish()
        if not exported:
            raise NothingExportable()
        fingerprinted = _fingerprints(vault, written, exported, options.as_zip)
        record_id = records.add_export(
            vault,
            case_id,
            now,
            destination=folder,
            as_zip=options.as_zip,
            files=fingerprinted,
            items=[item_id for item_id, _ in exported],
            answers=options.answers,
        )
    except BaseException as error:
        writer.abort()
        if isinstance(error, OSError) and files.is_disk_full(error):
            raise ExportDiskFull() from None
        if isinstance(error, PermissionError):
            raise DestinationNotWritable() from None
        raise
    return ExportResult(
        record_id=record_id,
        folder=folder,
        as_zip=options.as_zip,
        files=tuple(fingerprinted),
        items=tuple(item_id for item_id, _ in exported),
        left_out=tuple(left_out),
        oversized=tuple(writer.oversized) if isinstance(writer, ZipWriter) else (),
    )


def _check_room(destination: Path, needed: int) -> None:
    free = shutil.disk_usage(destination).free
    if needed + ROOM_MARGIN > free:
        raise NoRoomForExport(needed=format_size(needed), free=format_size(free))


@dataclass(frozen=True)
class _Cleaned:
    copy: clean.CleanCopy
    fingerprint: str  # of the copy; empty in a zip export, whose zip files are fingerprinted


_Pending = tuple[ItemRecord, "Future[_Cleaned | clean.LeftOut]"]


def _write_all(
    vault: Vault,
    photos: list[ItemRecord],
    options: ExportOptions,
    writer: ExportWriter,
    progress: Progress | None,
) -> tuple[list[tuple[str, str]], list[LeftOutItem]]:
    """Write every photo's clean copy; returns ([(item id, file fingerprint)], left out).
    In a zip export the fingerprints are those of the zip files, made afterwards."""
    exported: list[tuple[str, str]] = []
    left_out: list[LeftOutItem] = []
    key = vault.fingerprinter()  # unwrapped here: the workers only copy it
    pending: deque[_Pending] = deque()
    ahead = 0

    def settle() -> None:
        nonlocal ahead
        photo, future = pending.popleft()
        ahead -= photo.size
        done = future.result()
        if isinstance(done, clean.LeftOut):
            left_out.append(LeftOutItem(photo.id, done.reason))
        else:
            name = photo_name(len(exported) + 1, len(photos), done.copy.extension)
            writer.add(name, done.copy.data)
            exported.append((photo.id, done.fingerprint))
        if progress is not None:
            progress(len(exported) + len(left_out), len(photos))

    def make_copy(data: bytes) -> _Cleaned | clean.LeftOut:
        try:
            copy = clean.clean_copy(data, options.long_edge)
        except clean.LeftOut as reason:
            return reason
        if options.as_zip:
            return _Cleaned(copy, "")
        digest = key.copy()
        digest.update(copy.data)
        return _Cleaned(copy, digest.hexdigest())

    with ThreadPoolExecutor(WORKERS, thread_name_prefix="export") as pool:
        try:
            for photo in photos:
                while pending and (len(pending) > WORKERS or ahead + photo.size > AHEAD_BYTES):
                    settle()
                data = catalog.read_item(vault, photo.id)
                pending.append((photo, pool.submit(make_copy, data)))
                ahead += photo.size
            while pending:
                settle()
        finally:
            for _, future in pending:
                future.cancel()
    return exported, left_out


def _fingerprints(
    vault: Vault,
    written: list[WrittenFile],
    exported: list[tuple[str, str]],
    as_zip: bool,
) -> list[ExportedFile]:
    if not as_zip:
        return [
            ExportedFile(file.path, file.size, fingerprint)
            for file, (_, fingerprint) in zip(written, exported, strict=True)
        ]
    key = vault.fingerprinter()
    result = []
    for file in written:
        digest = key.copy()
        with file.path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        result.append(ExportedFile(file.path, file.size, digest.hexdigest()))
    return result
