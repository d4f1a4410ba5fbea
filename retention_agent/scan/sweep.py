"""The agent's look at Downloads and the other default places (issue 10): copies of vault
items (exact, or photos resized or re-encoded), and new PDFs that look like a match
paper. The same checks as ``retention scan``, cut for a process that runs all day:

- **Only what is new.** :class:`Seen` remembers (in memory only: no path is written
  anywhere) each file looked at by device, inode, size and modification time; a later
  sweep passes over it. When the vault's items change, the copies are looked for
  again everywhere.
- **Bounded.** At most ``MAX_FILES`` new files are looked at, ``MAX_EXAMINED`` pictures
  and PDFs examined and ``MAX_WALKED`` entries walked per sweep; what is left waits for
  the next one.
- **No heavy imports here.** Exact copies need the keyed fingerprint only (hashlib);
  pictures' perceptual hashes (Pillow, numpy) and PDFs' text (pypdf) are computed by
  :func:`examine`, which the agent runs in a child process of its own, so their memory
  is returned when the sweep ends.
"""

from __future__ import annotations

import hmac
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from retention_agent.scan.leftovers import open_regular, walk
from retention_agent.scan.places import Place, Why, skipped_name
from retention_agent.scan.targets import Targets
from retention_agent.vault.perceptual import IMAGE_SUFFIXES, PerceptualHash
from retention_agent.vault.sources import Identity

MAX_FILES = 20_000
MAX_EXAMINED = 2_000
MAX_WALKED = 500_000
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
    """What the agent has looked at since it started (memory only)."""

    files: set[tuple[int, int, int, int]] = field(default_factory=set)
    targets: frozenset[str] = frozenset()  # which items the copies were looked for

    def follow(self, targets: Targets | None) -> None:
        """New or deleted items: every file is looked at again for copies."""
        present = frozenset(targets.by_item) if targets is not None else frozenset()
        if present != self.targets:
            self.files.clear()
            self.targets = present


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
    for path, info, place in _walk(places, skip):
        key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
        result.walked += 1
        if key in seen.files:
            if result.walked >= MAX_WALKED:
                result.complete = False
                break
            continue
        if result.looked_at >= MAX_FILES or len(result.candidates) >= MAX_EXAMINED:
            result.complete = False
            break
        result.looked_at += 1
        identity = Identity.of(info)
        if targets is not None and fingerprinter is not None and info.st_size in targets.by_size:
            found = _exact(path, identity, place, targets, fingerprinter)
            if found is not None:
                seen.files.add(key)
                result.findings.append(found)
                continue
        suffix = path.suffix.lower()
        if suffix == ".pdf" and info.st_size <= PDF_MAX_BYTES:
            result.candidates.append(Candidate(path, identity, place, "pdf"))
        elif suffix in IMAGE_SUFFIXES and targets is not None and targets.photos:
            result.candidates.append(Candidate(path, identity, place, "image"))
        else:
            seen.files.add(key)  # nothing more to learn from it
    return result


def examined(
    candidate: Candidate, answer: dict[str, Any], targets: Targets | None, seen: Seen
) -> Finding | None:
    """What the examiner's answer for ``candidate`` means."""
    i = candidate.identity
    seen.files.add((i.device, i.inode, i.size, i.mtime_ns))
    if candidate.examine == "pdf" and answer.get("match_paper") is True:
        return Finding("match_paper", candidate.path, i, candidate.place)
    found = PerceptualHash.from_json(answer.get("phash"))
    if candidate.examine != "image" or found is None or targets is None:
        return None
    match = targets.likely(found)
    if match is None:
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
