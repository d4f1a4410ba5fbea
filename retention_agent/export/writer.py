"""Writing an export: a new folder of its own inside the destination the person chose,
holding the photos under neutral names, or zip files of at most a given size.

* Names never come from the vault (``Hjem-til-Os-001.jpg``; zip entries the same, with
  no folders), so nothing can point outside the export folder.
* Nothing is overwritten: the export folder is created new (``Hjem-til-Os-billeder``,
  ``-2``, ``-3`` …) and every file in it is created exclusively.
* Each zip file is complete on its own (no spanned archives), stored without compression
  (photos do not compress) and without zip64, data descriptors or UTF-8 names, so the
  zip tools built into Windows and macOS open it. It is written under a temporary name
  and renamed once closed and synced: a zip with its final name is never half-written.
* :meth:`ExportWriter.abort` removes every file of the export and its folder, so a
  failed export leaves no untracked copies of the child's photos behind.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from retention_agent.export.errors import DestinationNotWritable
from retention_agent.vault import files

FOLDER_NAME: Final = "Hjem-til-Os-billeder"
PHOTO_NAME: Final = "Hjem-til-Os-{number}{extension}"
ZIP_NAME: Final = "Hjem-til-Os-{number}.zip"
MAX_FOLDERS: Final = 1000
# Bytes a stored entry adds besides its data: local header (30) and central directory
# entry (46), each followed by the name.
_ENTRY_OVERHEAD: Final = 30 + 46
_END_OF_ZIP: Final = 22


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    size: int


def photo_name(number: int, total: int, extension: str) -> str:
    """``Hjem-til-Os-007.jpg``: numbered in order, wide enough for ``total``."""
    width = max(3, len(str(total)))
    return PHOTO_NAME.format(number=f"{number:0{width}d}", extension=extension)


def make_export_folder(destination: Path) -> Path:
    """A new, empty folder for this export inside ``destination``."""
    for attempt in range(1, MAX_FOLDERS + 1):
        folder = destination / (FOLDER_NAME if attempt == 1 else f"{FOLDER_NAME}-{attempt}")
        try:
            folder.mkdir(mode=files.PRIVATE_DIR)
        except FileExistsError:
            continue
        except PermissionError:
            raise DestinationNotWritable() from None
        return folder
    raise DestinationNotWritable()


class ExportWriter(abc.ABC):
    """Base of both writers: tracks what was written so that it can all be removed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.written: list[WrittenFile] = []
        self._created: list[Path] = []

    @abc.abstractmethod
    def add(self, name: str, data: bytes) -> None:
        """Write one photo under ``name``."""

    def finish(self) -> list[WrittenFile]:
        files.fsync_dir(self.folder)
        return self.written

    def abort(self) -> None:
        for path in self._created:
            files.remove_quietly(path)
        with contextlib.suppress(OSError):
            self.folder.rmdir()

    def _new_file(self, path: Path) -> BinaryIO:
        self._created.append(path)
        return files.open_private_new(path)


class FolderWriter(ExportWriter):
    def add(self, name: str, data: bytes) -> None:
        path = self.folder / name
        with self._new_file(path) as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        self.written.append(WrittenFile(path, len(data)))


class ZipWriter(ExportWriter):
    """Fills zip files up to ``max_part_bytes`` each; a photo larger than that gets a zip
    of its own (listed in :attr:`oversized`)."""

    def __init__(self, folder: Path, max_part_bytes: int, moment: dt.datetime) -> None:
        super().__init__(folder)
        self.max_part_bytes = max_part_bytes
        self.oversized: list[Path] = []
        self._date_time = (
            max(moment.year, 1980),
            moment.month,
            moment.day,
            moment.hour,
            moment.minute,
            moment.second,
        )
        self._zip: zipfile.ZipFile | None = None
        self._handle: BinaryIO | None = None
        self._part_path = self._final_path = folder
        self._projected = 0  # the part's size if it were closed now

    def add(self, name: str, data: bytes) -> None:
        growth = _ENTRY_OVERHEAD + 2 * len(name.encode()) + len(data)
        if self._zip is not None and self._projected + growth > self.max_part_bytes:
            self._close_part()
        if self._zip is None:
            self._open_part()
        assert self._zip is not None
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, data)
        self._projected += growth
        if self._projected > self.max_part_bytes:
            self.oversized.append(self._final_path)

    def finish(self) -> list[WrittenFile]:
        if self._zip is not None:
            self._close_part()
        return super().finish()

    def abort(self) -> None:
        # Closing the zip may fail (a full disk); it must still let go of the file.
        for closing in (self._zip, self._handle):
            if closing is not None:
                with contextlib.suppress(OSError, ValueError):
                    closing.close()
        self._zip = self._handle = None
        super().abort()

    def _open_part(self) -> None:
        number = len(self.written) + 1
        self._final_path = self.folder / ZIP_NAME.format(number=number)
        # A dot name: file managers hide it, and nobody mails a zip that is not finished.
        self._part_path = self.folder / f".{self._final_path.name}.part"
        self._handle = self._new_file(self._part_path)
        self._zip = zipfile.ZipFile(self._handle, "w", allowZip64=False)
        self._projected = _END_OF_ZIP

    def _close_part(self) -> None:
        assert self._zip is not None
        assert self._handle is not None
        self._zip.close()
        self._handle.flush()
        os.fsync(self._handle.fileno())
        size = self._handle.tell()
        self._handle.close()
        self._zip = self._handle = None
        if self._final_path.exists():  # the folder is ours and new: only a race gets here
            raise FileExistsError(self._final_path)
        self._created.append(self._final_path)
        self._part_path.rename(self._final_path)
        self.written.append(WrittenFile(self._final_path, size))
