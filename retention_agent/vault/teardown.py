"""Removing a whole vault for good, the day a family is done (``retention finish``) or
its vault has moved to a new laptop (``retention transfer done``).

Steps, each safe to repeat::

    marked          ``finished.json`` written in the vault folder: the last summary of the
                    receipts (no personal data), so a run cut short can be finished
                    without a key and still print it.
    records         every sealed record destroyed, key first (the contact person,
                    tombstones, copies, exports), the index scrubbed.
    keys            every KEK destroyed in the keyring or key file and in the recovery
                    file; then the key file and the recovery file overwritten and removed.
                    From here on nothing in the folder can be decrypted by anyone.
    files           every file in the vault folder overwritten and removed (the encrypted
                    blobs only unlinked: their keys are gone), folders removed, the
                    marker last.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from retention_agent.vault import files, index, scrubbed, sealed, unlock
from retention_agent.vault.keyfile import discard_key_file
from retention_agent.vault.keystore import KEY_FILE_NAME
from retention_agent.vault.recovery_file import FILE_NAME as RECOVERY_FILE_NAME
from retention_agent.vault.vault import Vault

MARKER = "finished.json"


def unfinished(home: Path) -> dict[str, Any] | None:
    """The summary of a tear-down that was cut short, or None."""
    try:
        value: dict[str, Any] = json.loads((home / MARKER).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return value


def tear_down(vault: Vault, summary: dict[str, Any]) -> None:
    """Destroy ``vault`` for good; ``summary`` is kept in the marker until the end.
    The vault is closed afterwards."""
    home = vault.home
    scrubbed.replace(home / MARKER, json.dumps(summary, sort_keys=True).encode())
    ids = [int(row["id"]) for row in vault.db.execute("SELECT id FROM sealed")]
    if ids:
        sealed.destroy(vault, *ids)
    newest = vault.epoch + unlock.LOOKAHEAD
    for epoch in sorted(vault.store.epochs_present(range(1, newest))):
        vault.store.destroy(epoch)
    index.scrub(vault.db)
    vault.close()
    finish_removal(home)


def finish_removal(home: Path) -> None:
    """Remove what is left in the vault folder (no key needed), the marker last."""
    scrubbed.discard(home / RECOVERY_FILE_NAME)
    discard_key_file(home / KEY_FILE_NAME)
    for folder, names, file_names in os.walk(home, topdown=False):
        here = Path(folder)
        for name in file_names:
            path = here / name
            if path == home / MARKER:
                continue
            if here.name == "blobs" and here.parent == home:
                files.remove_quietly(path)  # ciphertext whose keys are destroyed
            elif path.is_symlink():
                files.remove_quietly(path)
            else:
                files.overwrite_and_unlink(path, sync_folder=False)
        for name in names:
            sub = here / name
            if sub.is_symlink():
                files.remove_quietly(sub)
            else:
                sub.rmdir()
    files.remove_quietly(home / MARKER)
    home.rmdir()
