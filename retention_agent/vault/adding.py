"""Adding the user's own files (``retention add``, the agent's inbox) and hand-typed
contacts: every path is checked before anything changes, then all go in as one batch
(``ingest``), or none do."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from retention_agent.formats.vcard import Contact, read_vcards, to_json, to_vcard
from retention_agent.vault import originals, perceptual, sources
from retention_agent.vault.cases import require_case
from retention_agent.vault.ingest import (
    Batch,
    Duplicates,
    Ingested,
    Original,
    Part,
    StepHook,
    ingest_parts,
)
from retention_agent.vault.records import Kind
from retention_agent.vault.vault import Vault


def _no_hook(step: str) -> None:
    """Production runs without step hooks."""


def add_files(
    vault: Vault,
    *,
    case_id: str,
    kind: Kind,
    paths: Sequence[Path],
    now: dt.datetime,
    keep_originals: bool = False,
    duplicates: Duplicates = "refuse",
    on_step: StepHook = _no_hook,
) -> Batch:
    """Encrypt the user's files into a case; their originals are removed once every
    copy is verified, unless ``keep_originals``. Any path that is missing, not a
    regular file, unreadable or (when it is to be removed) not removable refuses the
    whole command before anything changes."""
    require_case(vault, case_id)
    checked = [(path, sources.check(path, removable=not keep_originals)) for path in paths]
    parts = [
        file_part(path, identity, kind, position)
        for position, (path, identity) in enumerate(checked, start=1)
    ]
    return ingest_parts(
        vault,
        case_id=case_id,
        parts=parts,
        now=now,
        keep_originals=keep_originals,
        duplicates_policy=duplicates,
        on_step=on_step,
    )


def ingest_file(
    vault: Vault,
    *,
    case_id: str,
    kind: Kind,
    source: Path,
    now: dt.datetime,
    keep_original: bool,
    duplicates: Duplicates = "refuse",
    on_step: StepHook = _no_hook,
) -> Ingested:
    """One file: :func:`add_files` of a single path."""
    batch = add_files(
        vault,
        case_id=case_id,
        kind=kind,
        paths=[source],
        now=now,
        keep_originals=keep_original,
        duplicates=duplicates,
        on_step=on_step,
    )
    return batch.parts[0]


def file_part(path: Path, identity: sources.Identity, kind: Kind, position: int = 1) -> Part:
    """A part read from the user's file, opened afresh (and re-checked) each time."""
    meta: dict[str, Any] = {}
    kept_because = None
    if kind == "contact":
        with sources.open_checked(path, identity) as handle:
            cards = read_vcards(handle.read(), position=position)
        meta["contacts"] = [to_json(contact) for contact in cards.contacts]
        if not cards.complete:
            # The vault takes the whole file; the original stays, so nothing is lost.
            meta["unreadable_cards"] = list(cards.unreadable)
            kept_because = originals.Kept.PARTLY_READ
    if kind == "photo":
        # For recognising resized or re-encoded copies later (retention scan).
        with sources.open_checked(path, identity) as handle:
            meta["perceptual"] = perceptual.stored(handle)
    return Part(
        kind=kind,
        name=path.name,
        size=identity.size,
        open=lambda: sources.open_checked(path, identity),
        meta=meta,
        original=Original(path, identity),
        kept_because=kept_because,
    )


def ingest_contact(
    vault: Vault, *, case_id: str, contact: Contact, now: dt.datetime, on_step: StepHook = _no_hook
) -> Ingested:
    """A contact typed in by hand, stored as a vCard item like an imported one."""
    card = to_vcard(contact)
    part = Part(
        kind="contact",
        name=f"{contact.name}.vcf",
        size=len(card),
        open=lambda: io.BytesIO(card),
        meta={"contacts": [to_json(contact)]},
    )
    batch = ingest_parts(
        vault, case_id=case_id, parts=[part], now=now, duplicates_policy="allow", on_step=on_step
    )
    return batch.parts[0]
