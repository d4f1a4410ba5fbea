"""Taking settled inbox files into the vault, or leaving them with a reason.

A file goes in only if its case exists and would keep an item of that kind today (not a
closed case, not a kind already due); links, pipes, sockets and devices are refused and
never followed; a file that cannot be read or removed stays. The original is removed
only after a verified ingest; one that changed meanwhile stays and is taken in again
once settled. Content the case already holds is skipped and its copy removed (nobody
is there to answer a question), and the skip is reported.
"""

from __future__ import annotations

import datetime as dt
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from retention_agent.agent.inbox import Inbox, Place, signature
from retention_agent.enforce import CaseTimeline, accepts_new
from retention_agent.errors import (
    BadContact,
    SourceChanged,
    SourceIsDirectory,
    SourceIsSpecial,
    SourceIsSymlink,
    SourceMissing,
    SourceNotRemovable,
    SourceUnreadable,
)
from retention_agent.policy.model import Kind
from retention_agent.vault.adding import ingest_file
from retention_agent.vault.vault import Vault


@dataclass(frozen=True)
class Refusal:
    code: str  # a key of texts.REFUSALS (``duplicate`` is a report: the copy went)
    case_id: str
    kind: Kind | None
    identity: str  # inode, size and mtime: remembers the refusal without the file's name


@dataclass
class Outcome:
    ingested: int = 0
    skipped: int = 0  # duplicates
    again: list[Path] = field(default_factory=list)  # changed while being taken in
    refused: list[Refusal] = field(default_factory=list)


def identity_of(path: Path) -> str:
    found = signature(path)
    return "-" if found is None else f"{found[0]}-{found[1]}-{found[2]}"


def sort_out(
    inbox: Inbox, paths: Sequence[Path], timelines: Sequence[CaseTimeline], today: dt.date
) -> tuple[list[tuple[Path, Place]], list[Refusal]]:
    """Which settled entries may go into the vault, and which are refused and why."""
    by_case = {timeline.facts.id: timeline for timeline in timelines}
    accepted, refused = [], []
    for path in paths:
        place = inbox.place(path)
        found = signature(path)
        if place is None or found is None:
            continue
        case_id = place.case_id or ""
        code = None
        if place.case_id is None or place.kind is None:
            code = "wrong_place"
        elif case_id not in by_case:
            code = "unknown_case"
        elif not stat.S_ISREG(found[3]):
            code = "special"
        elif not accepts_new(by_case[case_id], place.kind, today):
            code = "case_closed" if by_case[case_id].assessment.phase == "closed" else "kind_due"
        if code is not None:
            refused.append(Refusal(code, case_id, place.kind, identity_of(path)))
        else:
            accepted.append((path, place))
    return accepted, refused


def take_in(
    vault: Vault, accepted: Sequence[tuple[Path, Place]], now: dt.datetime, outcome: Outcome
) -> None:
    for path, place in accepted:
        assert place.case_id is not None
        assert place.kind is not None
        identity = identity_of(path)
        code = None
        try:
            # One file per batch: a file that is refused holds up no other.
            result = ingest_file(
                vault,
                case_id=place.case_id,
                kind=place.kind,
                source=path,
                now=now,
                keep_original=False,
                duplicates="skip",
            )
        except (SourceMissing, SourceIsDirectory):
            continue
        except SourceChanged:
            outcome.again.append(path)
            continue
        except (SourceIsSymlink, SourceIsSpecial):
            code = "special"
        except SourceUnreadable:
            code = "unreadable"
        except SourceNotRemovable:
            code = "not_removable"
        except BadContact:
            code = "not_vcard"
        if code is not None:
            outcome.refused.append(Refusal(code, place.case_id, place.kind, identity))
            continue
        if result.skipped:
            outcome.skipped += 1
            outcome.refused.append(Refusal("duplicate", place.case_id, place.kind, identity))
        else:
            outcome.ingested += 1
        if result.original_changed:
            outcome.again.append(path)


def tidy(inbox: Inbox, paths: Sequence[Path]) -> None:
    """Remove subfolders of a kind's folder that taking files in has left empty."""
    for path in paths:
        place = inbox.place(path)
        if place is None or place.kind is None:
            continue
        folder = path.parent
        while _is_below_kind_folder(inbox, folder):
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent


def _is_below_kind_folder(inbox: Inbox, folder: Path) -> bool:
    """True for a folder inside a kind's folder (never the kind's folder itself)."""
    place = inbox.place(folder)
    return place is not None and place.kind is not None
