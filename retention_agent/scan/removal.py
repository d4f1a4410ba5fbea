"""Removing a copy the scan found exactly the way ``add`` removes an original
(``vault.originals.remove``): only if it is still the file that was checked; overwritten
with zeros, synced and unlinked where overwriting reaches the old blocks; only unlinked
on copy-on-write, log-structured and network file systems, where claiming "overwritten"
would be false; and a file with other hard links loses only this name. The result says
which, and names the cloud service when the file was in a synced folder, whose bin or
version history may still hold it.
"""

from __future__ import annotations

from dataclasses import dataclass

from retention_agent import thumbnails
from retention_agent.scan.cloud import SyncedFolder, synced_folder_of
from retention_agent.scan.leftovers import Found
from retention_agent.vault import copies, originals
from retention_agent.vault.vault import Vault


@dataclass(frozen=True)
class Removal:
    found: Found
    outcome: originals.Removal
    synced: SyncedFolder | None = None


def remove(vault: Vault, found: Found) -> Removal:
    """Remove one found copy, if it is still the file that was checked."""
    synced = synced_folder_of(found.path)
    outcome = originals.remove(found.path, found.identity)
    if outcome.removed:
        thumbnails.remove([found.path])
        if found.tracked is not None:
            copies.forget(vault, found.tracked)
    return Removal(found, outcome, synced)
