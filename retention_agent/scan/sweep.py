"""The agent's look at Downloads and the other default places (issue 10): copies of vault
items (exact, or photos resized or re-encoded), and new PDFs that look like a match
paper. The same checks as ``retention scan``, cut for a process that runs all day:

- **Only what is new.** :class:`Seen` remembers each file looked at by a digest of its
  device, inode, size and modification time (no name: no path is written anywhere); a
  later sweep, also after a restart, passes over it. When the vault's items change,
  their copies are looked for again everywhere.
- **Bounded.** At most ``MAX_FILES`` new files are looked at, ``MAX_EXAMINED`` pictures
  and PDFs examined and ``MAX_WALKED`` entries walked per sweep; what is left waits for
  the next one.
- **No heavy imports here.** Exact copies need the keyed fingerprint only (hashlib);
  pictures' perceptual hashes (Pillow, numpy) and PDFs' text (pypdf) are computed by
  :func:`examine`, which the agent runs in a child process of its own, so their memory
  is returned when the sweep ends.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import stat
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from retention_agent.scan.leftovers import walk
from retention_agent.scan.places import Place, Why, skipped_name
from retention_agent.scan.targets import Targets
from retention_agent.vault.perceptual import IMAGE_SUFFIXES, PerceptualHash
from retention_agent.vault.sources import Identity, open_regular

MAX_FILES = 20_000
MAX_EXAMINED = 2_000
MAX_WALKED = 500_000
SEEN_FORMAT = 1
READ_CHUNK = 1 << 20
PDF_MAX_BYTES = 20 << 20  # as scan.matchpaper: a profile is a page or two

What = Literal["copy", "likely", "match_paper"]
Examine = Literal["pdf", "image"]


@dataclass(frozen=True)
class Finding:
    what: What
    path: Path
    identity: Identity
    place: Why
    case_id: str | None = None  # copies: the item's case and kind
    kind: str | None = None
    deleted: bool = False  # a copy of an item already deleted (its tombstone)
    similarity: float | None = None  # likely copies

    @property
    def key(self) -> str:
        """Names the file without its name (for the agent's memory of what it said)."""
        i = self.identity
        return f"{i.device}-{i.inode}-{i.size}-{i.mtime_ns}"

    def still_there(self) -> bool:
        try:
            info = os.stat(self.path, follow_symlinks=False)
        except OSError:
            return False
        return stat.S_ISREG(info.st_mode) and self.identity.unchanged(Identity.of(info))


@dataclass(frozen=True)
class Candidate:
    """A file for the examiner: a PDF (match paper?) or a picture (likely copy?)."""

    path: Path
    identity: Identity
    place: Why
    examine: Examine


@dataclass
class Seen:
    """What the agent has looked at, by a short digest of each file's device, inode,
    size and modification time (no name, no content): files looked at for exact copies
    of the items it had then, PDFs read, and pictures hashed for the photos it had then.
    The agent keeps it across restarts (``to_bytes``), so a sweep after a login reads
    only what is new. A file with a finding is never marked: every sweep finds it again
    (cheaply) while it is there, so the tray lists it after a restart too."""

    copies: set[int] = field(default_factory=set)
    pdfs: set[int] = field(default_factory=set)
    pictures: set[int] = field(default_factory=set)
    items: str = ""  # digest of the items the copies were looked for
    photos: str = ""  # digest of the photos the pictures were compared with

    def follow(self, targets: Targets | None) -> None:
        """Items came or went: look for their copies again; photos came or went:
        compare the pictures again. PDFs are read once whatever the vault holds."""
        items, photos = _digests(targets)
        if items != self.items:
            self.copies.clear()
            self.items = items
        if photos != self.photos:
            self.pictures.clear()
            self.photos = photos

    def to_bytes(self) -> bytes:
        value = {
            "format": SEEN_FORMAT,
            "items": self.items,
            "photos": self.photos,
            **{name: _packed(getattr(self, name)) for name in ("copies", "pdfs", "pictures")},
        }
        return json.dumps(value).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Seen:
        """What :meth:`to_bytes` wrote; a fresh start for anything else."""
        try:
            value = json.loads(data)
            if value["format"] != SEEN_FORMAT:
                return cls()
            return cls(
                copies=_unpacked(value["copies"]),
                pdfs=_unpacked(value["pdfs"]),
                pictures=_unpacked(value["pictures"]),
                items=str(value["items"]),
                photos=str(value["photos"]),
            )
        except (ValueError, KeyError, TypeError, binascii.Error, struct.error):
            return cls()


@dataclass
class Pass:
    findings: list[Finding] = field(default_factory=list)  # exact copies
    candidates: list[Candidate] = field(default_factory=list)
    walked: int = 0
    looked_at: int = 0  # files not seen before
    complete: bool = True  # False when a bound stopped it: the next sweep goes on


def first_pass(
    places: Sequence[Place],
    seen: Seen,
    targets: Targets | None,
    fingerprinter: hmac.HMAC | None,
    *,
    skip: Sequence[Path] = (),
) -> Pass:
    """Walk ``places`` for files not seen yet: exact copies are found here; PDFs and (when
    the vault has photos) pictures become candidates for :func:`examine`. Without the
    vault's key (``targets`` None) only PDFs are looked at."""
    result = Pass()
    exact = targets is not None and fingerprinter is not None
    for path, info, place in _walk(places, skip):
        result.walked += 1
        key = file_key(info)
        suffix = path.suffix.lower()
        copy = exact and key not in seen.copies
        pdf = suffix == ".pdf" and info.st_size <= PDF_MAX_BYTES and key not in seen.pdfs
        picture = (
            suffix in IMAGE_SUFFIXES
            and targets is not None
            and bool(targets.photos)
            and key not in seen.pictures
        )
        if not (copy or pdf or picture):
            if result.walked >= MAX_WALKED:
                result.complete = False
                break
            continue
        if result.looked_at >= MAX_FILES or len(result.candidates) >= MAX_EXAMINED:
            result.complete = False
            break
        result.looked_at += 1
        identity = Identity.of(info)
        if copy and targets is not None and fingerprinter is not None:
            found = None
            if info.st_size in targets.by_size:
                found = _exact(path, identity, place, targets, fingerprinter)
            if found is not None:
                result.findings.append(found)
                continue
            seen.copies.add(key)
        if pdf:
            result.candidates.append(Candidate(path, identity, place, "pdf"))
        elif picture:
            result.candidates.append(Candidate(path, identity, place, "image"))
    return result


def examined(
    candidate: Candidate, answer: dict[str, Any], targets: Targets | None, seen: Seen
) -> Finding | None:
    """What the examiner's answer for ``candidate`` means."""
    i = candidate.identity
    key = _key(i.device, i.inode, i.size, i.mtime_ns)
    if candidate.examine == "pdf":
        if answer.get("match_paper") is True:
            return Finding("match_paper", candidate.path, i, candidate.place)
        seen.pdfs.add(key)
        return None
    found = PerceptualHash.from_json(answer.get("phash"))
    match = None if found is None or targets is None else targets.likely(found)
    if match is None:
        seen.pictures.add(key)
        return None
    target, similarity = match
    return Finding(
        "likely",
        candidate.path,
        i,
        candidate.place,
        target.case_id,
        target.kind,
        target.deleted,
        similarity,
    )


def file_key(info: os.stat_result) -> int:
    return _key(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def _key(*numbers: int) -> int:
    digest = hashlib.blake2b(b"|".join(b"%d" % n for n in numbers), digest_size=8).digest()
    return int.from_bytes(digest)


def _digests(targets: Targets | None) -> tuple[str, str]:
    if targets is None:
        return "", ""
    items = hashlib.blake2b(digest_size=16)
    photos = hashlib.blake2b(digest_size=16)
    for target in sorted(targets.by_item.values(), key=lambda t: t.item_id):
        items.update(f"{target.size}:{target.fingerprint}|".encode())
        if target.perceptual is not None:
            photos.update(json.dumps(target.perceptual.to_json(), sort_keys=True).encode())
    return items.hexdigest(), photos.hexdigest()


def _packed(keys: set[int]) -> str:
    return base64.b64encode(struct.pack(f">{len(keys)}Q", *sorted(keys))).decode()


def _unpacked(text: str) -> set[int]:
    data = base64.b64decode(text, validate=True)
    return set(struct.unpack(f">{len(data) // 8}Q", data))


def examine(path: Path, what: Examine) -> dict[str, Any]:
    """The examiner's answer (run in its own process): whether a PDF looks like a match
    paper, or a picture's perceptual hash (None for what cannot be read)."""
    if what == "pdf":
        from retention_agent.scan.matchpaper import guess_pdf

        return {"match_paper": guess_pdf(path).looks_like_match_paper}
    from retention_agent.vault import perceptual

    try:
        handle = open_regular(path)
    except OSError:
        return {"phash": None}
    with handle:
        found = perceptual.of_image(handle)
    return {"phash": None if found is None else found.to_json()}


def _exact(
    path: Path, identity: Identity, place: Why, targets: Targets, fingerprinter: hmac.HMAC
) -> Finding | None:
    fingerprint = fingerprinter.copy()
    try:
        with open_regular(path) as handle:
            if not Identity.of(os.fstat(handle.fileno())).unchanged(identity):
                return None  # changed since the walk: the next sweep looks again
            while chunk := handle.read(READ_CHUNK):
                fingerprint.update(chunk)
    except OSError:
        return None
    target = targets.exact(identity.size, fingerprint.hexdigest())
    if target is None:
        return None
    return Finding("copy", path, identity, place, target.case_id, target.kind, target.deleted)


def _walk(
    places: Sequence[Place], skip: Sequence[Path]
) -> Iterator[tuple[Path, os.stat_result, Why]]:
    """Regular files below each place (links are not followed; hidden files and partial
    downloads are passed over), with the place they were found in."""
    for place in places:
        for path, info in walk([place.path], skip=skip):
            if not skipped_name(path.name):
                yield path, info, place.why
