"""Importing exports into a case (``retention import``): the readers in ``formats`` split
each export into parts, and the vault takes all of them in one batch, or none.

- Conversations and mails are filtered to the case's own contacts: every phone number
  and e-mail address in its contact items (read from the vCards themselves, so numbers
  beyond the first count too).
- Media the case already holds (a later export of the same chat repeats its photos)
  are skipped, not refused.
- Each item's sealed metadata says which export it came from (``origin``).
- A source is removed only when the reader says it holds nothing else, and only after
  every part is in the vault and verified (``ingest``'s journaled removal); otherwise
  it stays, and the case's checklist names the place to delete the data instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retention_agent.errors import BadContact
from retention_agent.formats.addresses import Addresses
from retention_agent.formats.detect import read_export
from retention_agent.formats.errors import NothingToImport
from retention_agent.formats.parts import Export, ExportFormat
from retention_agent.formats.parts import Part as ExportPart
from retention_agent.formats.vcard import read_vcards
from retention_agent.lifecycle import record_import_origin
from retention_agent.vault import catalog, originals, sources
from retention_agent.vault.cases import require_case
from retention_agent.vault.ingest import Original, Part, StepHook, ingest_parts
from retention_agent.vault.vault import Vault


def _no_hook(step: str) -> None:
    """Production runs without step hooks."""


@dataclass(frozen=True)
class ImportedExport:
    """What became of one export."""

    path: Path
    format: ExportFormat
    facts: dict[str, Any]  # what the reader learned: variant, messages, conversations...
    added: Counter[str] = field(default_factory=Counter)  # items added, per kind
    item_ids: tuple[str, ...] = ()
    skipped: int = 0  # parts the case already held
    left_out: int = 0  # conversations or mails not with the case's contacts
    left_out_messages: int = 0
    holds_other: bool = False  # so the source stays
    removals: tuple[originals.Removal, ...] = ()  # of the export's own files


def case_addresses(vault: Vault, case_id: str) -> Addresses:
    """Every phone number and e-mail address in the case's contact items."""
    phones: list[str] = []
    emails: list[str] = []
    for item in catalog.list_items(vault, case_id=case_id, kind="contact"):
        try:
            cards = read_vcards(catalog.read_item(vault, item.id))
        except BadContact:
            continue  # a contact item that holds no readable card adds no address
        phones += cards.phones
        emails += cards.emails
    return Addresses.of(phones, emails)


def import_exports(
    vault: Vault,
    *,
    case_id: str,
    paths: Sequence[Path],
    now: dt.datetime,
    keep_originals: bool = False,
    on_step: StepHook = _no_hook,
) -> tuple[ImportedExport, ...]:
    """Read every export at ``paths`` and put their parts into the case as one batch.

    Raises the reader's error for the first export it cannot read, and
    :class:`NothingToImport` when no export holds anything of the case; in both cases
    nothing changed.
    """
    require_case(vault, case_id)
    addresses = case_addresses(vault, case_id)
    with contextlib.ExitStack() as stack:
        exports = [stack.enter_context(read_export(path, addresses=addresses)) for path in paths]
        if not any(export.parts for export in exports):
            raise NothingToImport(case=case_id)
        parts = [_vault_part(part) for export in exports for part in export.parts]
        removable = [
            Original(path, sources.check(path, removable=True))
            for export in exports
            for path in export.remove
            if not keep_originals
        ]
        batch = ingest_parts(
            vault,
            case_id=case_id,
            parts=parts,
            now=now,
            keep_originals=keep_originals,
            duplicates_policy="skip",
            remove=removable,
            on_step=on_step,
        )
    for export_format in sorted({export.format for export in exports if export.parts}):
        record_import_origin(vault, case_id, export_format, now)
    removals = {removal.path: removal for removal in batch.removals}
    results = []
    start = 0
    for path, export in zip(paths, exports, strict=True):
        done = batch.parts[start : start + len(export.parts)]
        start += len(export.parts)
        added = [(part, result) for part, result in zip(export.parts, done, strict=True)]
        results.append(
            ImportedExport(
                path=path,
                format=export.format,
                facts=_facts(export),
                added=Counter(part.kind for part, result in added if not result.skipped),
                item_ids=tuple(result.item_id for _part, result in added if not result.skipped),
                skipped=sum(result.skipped for result in done),
                left_out=export.left_out,
                left_out_messages=export.left_out_messages,
                holds_other=export.holds_other,
                removals=tuple(removals[p] for p in export.remove if p in removals),
            )
        )
    return tuple(results)


def _vault_part(part: ExportPart) -> Part:
    # The export's own files are removed as a whole (``remove``), never per part.
    return Part(
        kind=part.kind,
        name=part.name,
        size=part.size,
        open=part.open,
        meta={"origin": dict(part.meta)},
    )


def _facts(export: Export) -> dict[str, Any]:
    return {k: v for k, v in export.origin.items() if k not in ("format", "source")}
