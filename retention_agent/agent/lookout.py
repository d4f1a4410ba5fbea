"""The agent's lookout: sweeps of Downloads and the other default places for copies of
vault items and new PDFs that look like a match paper (``scan.sweep``).

When: ``FIRST_SWEEP`` after the agent starts (not in the middle of a login), then every
``EVERY``, and ``DOWNLOADS_SETTLE`` after the last change in the Downloads folder, which
is watched (not recursively). Between sweeps nothing runs: the agent's loop sleeps until
:meth:`Lookout.deadline`.

How: the agent's thread opens the vault read-only for the targets (never asking for a
passphrase: without the key only PDFs are looked at) and hands them to a worker thread,
which walks the places and runs ``retention agent examine`` (pypdf, Pillow, numpy) as a
low-priority child process for the PDFs and pictures, so that their memory goes when the
sweep ends. The result comes back to the agent's thread as a message.

What then: each new finding is told once, without names, with buttons where the desktop
has them; the tray lists what is still there (file names are shown only there, on the
family's own screen) with the same choices. Removing a copy works as ``retention scan
--remove`` does; a match paper is taken into a case as ``retention add`` does, the
original removed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retention_agent import errors, thumbnails
from retention_agent.agent.heartbeat import write_private
from retention_agent.agent.keyholder import KeyHolder
from retention_agent.enforce import CaseTimeline, accepts_new
from retention_agent.errors import RetentionError
from retention_agent.launch import retention_command
from retention_agent.names import shown
from retention_agent.scan import sweep
from retention_agent.scan.places import Place, default_places, standard_places
from retention_agent.scan.sweep import Candidate, Finding, Seen
from retention_agent.scan.targets import Targets, load_targets
from retention_agent.vault import originals
from retention_agent.vault.vault import Vault

SEEN_FILE = "agent-seen.json"  # what the sweeps have looked at (digests, no names)
FIRST_SWEEP = 120.0  # seconds
EVERY = 6 * 3600.0
DOWNLOADS_SETTLE = 3.0
EXAMINE_TIMEOUT = 1800.0

Deliver = Callable[[dict[str, Any]], None]
SOURCE_PROBLEMS = (
    errors.SourceChanged,
    errors.SourceIsSpecial,
    errors.SourceIsSymlink,
    errors.SourceMissing,
    errors.SourceNotRemovable,
    errors.SourceUnreadable,
)


@dataclass
class Outcome:
    """What a choice did, for the notification that answers it."""

    removed: int = 0
    kept: int = 0  # changed, gone or refused: left where they are
    taken_in: str | None = None  # the case a match paper went into
    refused: str | None = None  # why a match paper was not taken in: "changed", "kind_due"


@dataclass
class Prepared:
    places: list[Place]
    targets: Targets | None
    fingerprinter: Any = None
    skip: list[Path] = field(default_factory=list)


class Lookout:
    def __init__(
        self,
        home: Path,
        keys: KeyHolder,
        deliver: Deliver,
        log: logging.Logger,
        *,
        clock: Callable[[], float] = time.monotonic,
        first_sweep: float = FIRST_SWEEP,
    ) -> None:
        self.home = home
        self.keys = keys
        self.log = log
        self.findings: dict[str, Finding] = {}  # token -> what is still out there
        self._deliver = deliver
        self._clock = clock
        self._seen = _load_seen(home)
        self._next = clock() + first_sweep
        self._quick: float | None = None  # a sweep of Downloads only
        self._worker: threading.Thread | None = None
        self._examiner: subprocess.Popen[str] | None = None
        self._stopping = False

    # --- when ---------------------------------------------------------------------------

    @staticmethod
    def downloads() -> Path:
        return standard_places()[0].path

    def deadline(self) -> float | None:
        """The monotonic time of the next sweep; None while one runs."""
        if self._worker is not None:
            return None
        return min(self._next, self._quick) if self._quick is not None else self._next

    def changed_in_downloads(self) -> None:
        self._quick = self._clock() + DOWNLOADS_SETTLE

    def sweep_now(self) -> None:
        self._next = self._clock()

    # --- sweeping -----------------------------------------------------------------------

    def start_if_due(self, opened: Callable[[Vault], None]) -> bool:
        """Begin a sweep if one is due; ``opened`` sees the vault while it is open."""
        now = self._clock()
        deadline = self.deadline()
        if deadline is None or now < deadline:
            return False
        only_downloads = now < self._next
        self._quick = None
        if not only_downloads:
            self._next = now + EVERY
        prepared = self._prepare(opened)
        if only_downloads:
            prepared.places = [p for p in prepared.places if p.why == "downloads"]
        self._worker = threading.Thread(
            target=self._work, args=(prepared,), name="lookout", daemon=True
        )
        self._worker.start()
        return True

    def _prepare(self, opened: Callable[[Vault], None]) -> Prepared:
        skip = [self.home]
        try:
            with self.keys.vault(ask=False, read_only=True) as vault:
                opened(vault)
                places = _outside(default_places(vault), self.home)
                prepared = Prepared(places, load_targets(vault), vault.fingerprinter(), skip)
        except RetentionError as error:  # no key yet, or a busy or damaged vault
            self.log.info("sweep without the vault's key (%s): PDFs only", type(error).__name__)
            places = [p for p in standard_places() if p.path.is_dir()]
            prepared = Prepared(_outside(places, self.home), None, None, skip)
        self._seen.follow(prepared.targets)
        return prepared

    def _work(self, prepared: Prepared) -> None:
        found: list[Finding] = []
        complete = True
        try:
            first = sweep.first_pass(
                prepared.places,
                self._seen,
                prepared.targets,
                prepared.fingerprinter,
                skip=prepared.skip,
            )
            found += first.findings
            complete = first.complete
            if first.candidates and not self._stopping:
                found += self._examine(first.candidates, prepared.targets)
        except Exception as error:  # a sweep must never take the agent down
            self.log.warning("sweep failed: %s", type(error).__name__)
        try:
            write_private(self.home / SEEN_FILE, self._seen.to_bytes())
        except OSError as error:
            self.log.warning("what the sweep saw was not kept (error %s)", error.errno)
        self._deliver({"source": "lookout", "found": found, "complete": complete})

    def _examine(self, candidates: Sequence[Candidate], targets: Targets | None) -> list[Finding]:
        lines = "".join(
            json.dumps({"path": os.fsdecode(c.path), "examine": c.examine}) + "\n"
            for c in candidates
        )
        self._examiner = subprocess.Popen(
            retention_command("agent", "examine"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            errors="surrogateescape",
        )
        try:
            out, _err = self._examiner.communicate(lines, timeout=EXAMINE_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._examiner.kill()
            self._examiner.wait()
            return []
        finally:
            self._examiner = None
        found = []
        for candidate, line in zip(candidates, out.splitlines(), strict=False):
            finding = sweep.examined(candidate, json.loads(line), targets, self._seen)
            if finding is not None:
                found.append(finding)
        return found

    def arrived(self, message: Mapping[str, Any]) -> list[tuple[str, Finding]]:
        """The worker's result, on the agent's thread: the findings not known before,
        each with the token that names it in the tray and on buttons."""
        self._worker = None
        if not message.get("complete", True):
            self._next = min(self._next, self._clock() + DOWNLOADS_SETTLE)  # go on soon
        self.forget_gone()
        known = {f.key for f in self.findings.values()}
        fresh = [(secrets.token_hex(4), f) for f in message["found"] if f.key not in known]
        self.findings.update(fresh)
        return fresh

    def forget_gone(self) -> None:
        self.findings = {t: f for t, f in self.findings.items() if f.still_there()}

    def stop(self) -> None:
        self._stopping = True
        examiner = self._examiner
        if examiner is not None and examiner.poll() is None:
            examiner.kill()

    # --- the family's choices ---------------------------------------------------------

    def remove_copies(self) -> Outcome:
        """Remove every exact copy found (likely copies need a person to look)."""
        from retention_agent.scan.leftovers import Found
        from retention_agent.scan.removal import remove

        outcome = Outcome()
        copies = {t: f for t, f in self.findings.items() if f.what == "copy"}
        if not copies:
            return outcome
        with self.keys.vault(ask_now=True) as vault:
            for token, finding in copies.items():
                found = Found(
                    finding.path,
                    finding.case_id or "",
                    finding.kind or "",
                    finding.deleted,
                    finding.identity,
                )
                if remove(vault, found).outcome.removed:
                    outcome.removed += 1
                    del self.findings[token]
                else:
                    outcome.kept += 1
        self.forget_gone()
        return outcome

    def remove_paper(self, token: str) -> Outcome:
        finding = self.findings.pop(token, None)
        if finding is None:
            return Outcome()
        done = originals.remove(finding.path, finding.identity)
        if done.removed:
            thumbnails.remove([finding.path])
            return Outcome(removed=1)
        return Outcome(kept=1)

    def take_in(
        self, token: str, case_id: str, timelines: Sequence[CaseTimeline], now: dt.datetime
    ) -> Outcome:
        """The match paper into ``case_id``, its original removed (as ``retention add``)."""
        from retention_agent.vault.adding import ingest_file

        finding = self.findings.get(token)
        timeline = next((t for t in timelines if t.facts.id == case_id), None)
        if finding is None or timeline is None:
            return Outcome()
        if not accepts_new(timeline, "match_paper", now.date()):
            return Outcome(refused="kind_due")
        if not finding.still_there():
            del self.findings[token]
            return Outcome(refused="changed")
        try:
            with self.keys.vault(ask_now=True) as vault:
                ingest_file(
                    vault,
                    case_id=case_id,
                    kind="match_paper",
                    source=finding.path,
                    now=now,
                    keep_original=False,
                    duplicates="skip",
                )
        except SOURCE_PROBLEMS:  # their texts name the file: never in a notification
            del self.findings[token]
            return Outcome(refused="changed")
        del self.findings[token]
        return Outcome(taken_in=case_id)

    def tray_status(self, cases: Sequence[str]) -> dict[str, Any]:
        """For the tray's menu: counts, and each match paper with its name (the family's
        own screen) and the ``cases`` that may take it in."""
        values = list(self.findings.items())
        return {
            "copies": sum(f.what == "copy" for _t, f in values),
            "likely": sum(f.what == "likely" for _t, f in values),
            "papers": [
                {"id": token, "name": shown(f.path.name), "cases": list(cases)}
                for token, f in values
                if f.what == "match_paper"
            ],
        }


def _load_seen(home: Path) -> Seen:
    try:
        return Seen.from_bytes((home / SEEN_FILE).read_bytes())
    except OSError:
        return Seen()


def paper_cases(timelines: Sequence[CaseTimeline], today: dt.date) -> list[str]:
    """The open cases a match paper may go into today."""
    return [
        t.facts.id
        for t in timelines
        if t.assessment.phase != "closed" and accepts_new(t, "match_paper", today)
    ]


def _outside(places: Sequence[Place], home: Path) -> list[Place]:
    """The places without the vault's own folder and the inbox inside it."""
    inside = os.path.realpath(home)
    return [
        place
        for place in places
        if not (os.path.realpath(place.path) + os.sep).startswith(inside.rstrip(os.sep) + os.sep)
    ]
