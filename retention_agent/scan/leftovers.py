"""The leftover scan: files outside the vault that are copies of vault items, or of items
deleted recently (their tombstones), without ever reading a file whose size matches no
item.

Three passes, each reported apart:

1. tracked copies (``vault.copies``): where the program itself wrote or left a copy; a
   record whose file is gone or changed is forgotten;
2. exact copies: every regular file (links are not followed) whose size is that of an
   item is read once for its keyed fingerprint (HMAC-SHA-256 under the vault's key);
3. likely copies: pictures, by suffix, are decoded small for their perceptual hash and
   compared with the photos' (see ``vault.perceptual``); a resized or re-encoded copy
   is reported with its similarity, never removed without a person looking at it.
"""

from __future__ import annotations

import hmac
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from retention_agent.scan.places import Place, default_places, outermost
from retention_agent.scan.targets import Target, Targets, load_targets
from retention_agent.vault import copies, perceptual
from retention_agent.vault.sources import Identity, open_regular
from retention_agent.vault.vault import Vault

READ_CHUNK = 1 << 20


@dataclass(frozen=True)
class Found:
    path: Path
    case_id: str
    kind: str
    deleted: bool  # a copy of an item that was deleted (found through its tombstone)
    identity: Identity
    similarity: float | None = None  # likely copies only
    tracked: copies.TrackedCopy | None = None  # a copy the program left there


@dataclass
class ScanResult:
    places: list[Place]
    tracked: list[Found] = field(default_factory=list)
    exact: list[Found] = field(default_factory=list)
    likely: list[Found] = field(default_factory=list)
    files_seen: int = 0
    files_read: int = 0  # read whole for a fingerprint
    images_hashed: int = 0
    unreadable: int = 0
    forgotten: int = 0  # records of tracked copies that were gone or changed


def scan(
    vault: Vault,
    roots: Sequence[Path] | None = None,
    *,
    exact: bool = True,
    likely: bool = True,
) -> ScanResult:
    """Scan ``roots`` (default: ``places.default_places``) after the tracked copies."""
    places = default_places(vault) if roots is None else outermost(Place(r, "given") for r in roots)
    result = ScanResult(places=places)
    targets = load_targets(vault)
    scanner = _Scanner(vault, targets, result)
    scanner.tracked_copies()
    if exact or likely:
        for path, info in walk([p.path for p in places], skip=[vault.blobs, vault.tmp]):
            scanner.file(path, info, exact=exact, likely=likely)
    return result


def scan_default_places(vault: Vault) -> ScanResult:
    """The agent's slow-schedule scan: the default places, both passes."""
    return scan(vault)


class _Scanner:
    def __init__(self, vault: Vault, targets: Targets, result: ScanResult) -> None:
        self.vault = vault
        self.targets = targets
        self.result = result
        self.fingerprinter = vault.fingerprinter()
        self.seen: set[tuple[int, int]] = set()

    def tracked_copies(self) -> None:
        for copy in copies.all_copies(self.vault):
            fingerprint = info = None
            if copy.present():
                self.result.files_seen += 1  # read like any other, so counted like one
                fingerprint, info = self._fingerprint(copy.path)
            if info is None or not hmac.compare_digest(fingerprint or "", copy.fingerprint):
                if copy.forgettable:
                    copies.forget(self.vault, copy)
                    self.result.forgotten += 1
                continue
            self.seen.add((info.st_dev, info.st_ino))
            target = self.targets.by_item.get(copy.item_id or "")
            self.result.tracked.append(
                Found(
                    path=copy.path,
                    case_id=copy.case_id,
                    kind=target.kind if target else "photo",  # photo exports hold photos
                    deleted=target.deleted if target else False,
                    identity=Identity.of(info),
                    tracked=copy,
                )
            )

    def file(self, path: Path, info: os.stat_result, *, exact: bool, likely: bool) -> None:
        key = (info.st_dev, info.st_ino)
        if key in self.seen:
            return
        self.seen.add(key)
        self.result.files_seen += 1
        if exact and info.st_size in self.targets.by_size:
            fingerprint, opened = self._fingerprint(path)
            if fingerprint is not None and opened is not None:
                target = self.targets.exact(opened.st_size, fingerprint)
                if target is not None:
                    self.result.exact.append(self._found(path, opened, target))
                    return
        if likely and self.targets.photos and path.suffix.lower() in perceptual.IMAGE_SUFFIXES:
            self._compare_image(path)

    def _compare_image(self, path: Path) -> None:
        try:
            handle = open_regular(path)
        except OSError:
            self.result.unreadable += 1
            return
        with handle:
            info = os.fstat(handle.fileno())
            found = perceptual.of_image(handle)
        self.result.images_hashed += 1
        match = None if found is None else self.targets.likely(found)
        if match is not None:
            target, similarity = match
            self.result.likely.append(self._found(path, info, target, similarity))

    def _fingerprint(self, path: Path) -> tuple[str | None, os.stat_result | None]:
        """The keyed fingerprint of a regular file and what it was when read."""
        try:
            handle = open_regular(path)
        except OSError:
            self.result.unreadable += 1
            return None, None
        fingerprint = self.fingerprinter.copy()
        with handle:
            info = os.fstat(handle.fileno())
            try:
                while chunk := handle.read(READ_CHUNK):
                    fingerprint.update(chunk)
            except OSError:
                self.result.unreadable += 1
                return None, None
        self.result.files_read += 1
        return fingerprint.hexdigest(), info

    @staticmethod
    def _found(
        path: Path, info: os.stat_result, target: Target, similarity: float | None = None
    ) -> Found:
        return Found(
            path=path,
            case_id=target.case_id,
            kind=target.kind,
            deleted=target.deleted,
            identity=Identity.of(info),
            similarity=similarity,
        )


def walk(
    roots: Sequence[Path], *, skip: Sequence[Path] = ()
) -> Iterator[tuple[Path, os.stat_result]]:
    """Every regular file below ``roots``, with its ``lstat``; links are neither followed
    nor reported, unreadable folders are passed over, ``skip`` folders are left out."""
    skipped = {os.path.realpath(folder) for folder in skip}
    for root in roots:
        pending = [os.fspath(root)]
        while pending:
            folder = pending.pop()
            if os.path.realpath(folder) in skipped:
                continue
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISDIR(info.st_mode):
                    pending.append(entry.path)
                elif stat.S_ISREG(info.st_mode):
                    yield Path(entry.path), info
