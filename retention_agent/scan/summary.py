"""What ``status``, ``apply`` and the checklist say about copies outside the vault, as
plain data: per case, the tracked copies still there and how long the fingerprints of
its deleted items are kept; for the vault, whether it or its inbox is in a synced folder.
Cheap: files are looked at (``stat``), never read."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from retention_agent.scan.cloud import SyncedFolder, synced_folder_of, synced_folders, where_now
from retention_agent.scan.places import inbox
from retention_agent.scan.sync_warnings import Subject
from retention_agent.vault import copies, tombstones
from retention_agent.vault.vault import Vault


@dataclass(frozen=True)
class CaseLeftovers:
    copies_outside: int = 0  # tracked copies whose files are still there
    deleted_remembered: int = 0  # deleted items whose fingerprints a tombstone keeps
    remembered_until: dt.date | None = None  # the last day the latest tombstone is kept


@dataclass(frozen=True)
class Leftovers:
    cases: dict[str, CaseLeftovers]
    synced: tuple[tuple[Subject, SyncedFolder], ...]

    def of(self, case_id: str) -> CaseLeftovers:
        return self.cases.get(case_id, CaseLeftovers())


def copies_outside(vault: Vault) -> Counter[str]:
    """Per case, the tracked copies still out there."""
    return copies.outstanding_by_case(vault)


def leftovers(vault: Vault) -> Leftovers:
    outside = copies_outside(vault)
    remembered: Counter[str] = Counter()
    until: dict[str, dt.date] = {}
    for tombstone in tombstones.all_tombstones(vault):
        remembered[tombstone.case_id] += len(tombstone.items)
        until[tombstone.case_id] = max(
            until.get(tombstone.case_id, dt.date.min), tombstone.keep_until
        )
    cases = {
        case_id: CaseLeftovers(outside[case_id], remembered[case_id], until.get(case_id))
        for case_id in set(outside) | set(remembered)
    }
    return Leftovers(cases, synced_vault_folders(vault))


def synced_vault_folders(vault: Vault) -> tuple[tuple[Subject, SyncedFolder], ...]:
    """The vault home and the inbox, where they lie in a synced folder."""
    where = where_now()
    known = synced_folders(where)
    found: list[tuple[Subject, SyncedFolder]] = []
    vault_folder = synced_folder_of(vault.home, folders=known, where=where)
    if vault_folder is not None:
        found.append(("vault", vault_folder))
    elif inbox(vault).is_dir():
        inbox_folder = synced_folder_of(inbox(vault), folders=known, where=where)
        if inbox_folder is not None:
            found.append(("inbox", inbox_folder))
    return tuple(found)
