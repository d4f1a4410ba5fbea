"""Checking an export after it is written: every file is still there, byte for byte what
was recorded (keyed fingerprint), every zip file opens and its contents are intact, the
photo count adds up, and no photo carries metadata.

Reads back only the export's own files; nothing is decrypted.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from retention_agent.export import clean
from retention_agent.export.records import ExportRecord
from retention_agent.vault.vault import Vault

Problem = Literal["missing", "changed", "zip-damaged", "not-clean", "count"]
# What an exported photo's name may be: ours, with no folder.
NEUTRAL_NAME: Final = re.compile(r"Hjem-til-Os-\d{3,}\.(jpg|png|mp4|mov)")


@dataclass(frozen=True)
class ExportCheck:
    files: int
    photos: int
    problems: tuple[tuple[Path, Problem], ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_export(vault: Vault, record: ExportRecord) -> ExportCheck:
    key = vault.fingerprinter()
    problems: list[tuple[Path, Problem]] = []
    photos = 0
    for file in record.files:
        try:
            data = file.path.read_bytes()
        except OSError:
            problems.append((file.path, "missing"))
            continue
        digest = key.copy()
        digest.update(data)
        if len(data) != file.size or digest.hexdigest() != file.fingerprint:
            problems.append((file.path, "changed"))
            continue
        if not record.as_zip:
            photos += 1
            if not clean.is_clean(data, file.path.suffix):
                problems.append((file.path, "not-clean"))
            continue
        found, problem = _check_zip(file.path)
        photos += found
        if problem is not None:
            problems.append((file.path, problem))
    if photos != record.count and not problems:
        problems.append((record.destination, "count"))
    return ExportCheck(len(record.files), photos, tuple(problems))


def _check_zip(path: Path) -> tuple[int, Problem | None]:
    try:
        with zipfile.ZipFile(path) as archive:
            if archive.testzip() is not None:
                return 0, "zip-damaged"
            members = archive.infolist()
            for member in members:
                if not NEUTRAL_NAME.fullmatch(member.filename):
                    return len(members), "not-clean"
                suffix = Path(member.filename).suffix
                if not clean.is_clean(archive.read(member), suffix):
                    return len(members), "not-clean"
            return len(members), None
    except (zipfile.BadZipFile, OSError):
        return 0, "zip-damaged"
