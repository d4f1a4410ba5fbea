"""What the vault remembers of photo exports, sealed (``vault/sealed.py``).

Topic ``photo-export``, one record per export, with the case set. Its value (the leftover
scan reads exactly these fields; add fields, never rename or retype them)::

    {"at": ISO datetime, "destination": str, "zip": bool, "count": int,
     "files": [{"path": str, "size": int, "fingerprint": hex}],
     "items": [item id, ...],
     "family_consent": "yes" | "no" | null, "child_consent": "yes" | "no" | null,
     "note": str | null}

``destination`` is the export's own folder; ``files`` are the photos written there, or
the zip files; each fingerprint is the vault's keyed fingerprint (HMAC) of the exported
file as written, which differs from the original's once metadata is stripped.

Topic ``photo-offer``: the family's "no" to the photos, with the child's answer and the
note, so that what was asked and answered is kept even though nothing was exported::

    {"at": ISO datetime, "family_consent": "no", "child_consent": ..., "note": ...}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from retention_agent.enforce import case_facts
from retention_agent.vault import sealed
from retention_agent.vault.vault import Vault

EXPORT_TOPIC = "photo-export"
OFFER_TOPIC = "photo-offer"

Consent = Literal["yes", "no"]


@dataclass(frozen=True)
class ExportedFile:
    path: Path
    size: int
    fingerprint: str  # hex HMAC under the vault's fingerprint key


@dataclass(frozen=True)
class Answers:
    """What the child's family (who decides) and the child said, and a note."""

    family: Consent | None = None
    child: Consent | None = None
    note: str | None = None


@dataclass(frozen=True)
class ExportRecord:
    id: int
    case_id: str
    at: dt.datetime
    destination: Path
    as_zip: bool
    count: int
    files: tuple[ExportedFile, ...]
    items: tuple[str, ...]
    answers: Answers


def add_export(
    vault: Vault,
    case_id: str,
    now: dt.datetime,
    *,
    destination: Path,
    as_zip: bool,
    files: Sequence[ExportedFile],
    items: Sequence[str],
    answers: Answers,
) -> int:
    value = {
        "at": now.isoformat(),
        "destination": str(destination),
        "zip": as_zip,
        "count": len(items),
        "files": [
            {"path": str(f.path), "size": f.size, "fingerprint": f.fingerprint} for f in files
        ],
        "items": list(items),
        **_answers_json(answers),
    }
    return sealed.add(vault, EXPORT_TOPIC, value, now, case_id=case_id)


def add_declined(vault: Vault, case_id: str, now: dt.datetime, answers: Answers) -> int:
    value = {"at": now.isoformat(), **_answers_json(answers)}
    return sealed.add(vault, OFFER_TOPIC, value, now, case_id=case_id)


def exports(vault: Vault, case_id: str | None = None) -> list[ExportRecord]:
    """Every recorded export (of one case, if given), oldest first."""
    return [_export(record) for record in sealed.find(vault, EXPORT_TOPIC, case_id=case_id)]


def get_export(vault: Vault, record_id: int) -> ExportRecord:
    return _export(sealed.get(vault, record_id))


def unsent_exports(vault: Vault, case_id: str) -> list[ExportRecord]:
    """The case's exports while nobody has confirmed that the photos were sent: what the
    agent reminds the family about ("have you sent them?")."""
    if case_facts(vault, case_id).export_outcome == "done":
        return []
    return exports(vault, case_id)


def latest_exports(home: Path) -> dict[str, dt.date]:
    """Per case, the day of its latest recorded export, without the key (the agent's
    reminders to confirm that the photos were sent)."""
    return {case: at.date() for case, at in sealed.latest_by_case(home, EXPORT_TOPIC).items()}


def declined_answers(vault: Vault, case_id: str) -> Answers | None:
    """The answers recorded with the family's "no", if they said no."""
    found = sealed.find(vault, OFFER_TOPIC, case_id=case_id)
    return _answers(found[-1].value) if found else None


def _answers_json(answers: Answers) -> dict[str, Any]:
    return {
        "family_consent": answers.family,
        "child_consent": answers.child,
        "note": answers.note,
    }


def _answers(value: dict[str, Any]) -> Answers:
    return Answers(value["family_consent"], value["child_consent"], value["note"])


def _export(record: sealed.SealedRecord) -> ExportRecord:
    value = record.value
    assert record.case_id is not None
    return ExportRecord(
        id=record.id,
        case_id=record.case_id,
        at=dt.datetime.fromisoformat(value["at"]),
        destination=Path(value["destination"]),
        as_zip=value["zip"],
        count=value["count"],
        files=tuple(
            ExportedFile(Path(f["path"]), f["size"], f["fingerprint"]) for f in value["files"]
        ),
        items=tuple(value["items"]),
        answers=_answers(value),
    )
