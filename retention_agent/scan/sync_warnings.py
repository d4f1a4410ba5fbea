"""The one-line warnings (C3) for something that lies in a folder synced to a cloud:
what it is, which service, and what to do. Shared by the CLI, the agent and the export."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_, _
from retention_agent.scan.cloud import SyncedFolder, Where, synced_folder_of

Subject = Literal["vault", "inbox", "open", "export", "original"]

_MESSAGES: dict[Subject, str] = {
    "vault": N_(
        "Warning: the vault is in a folder that {service} copies to the cloud ({folder}). "
        "Old versions kept there would outlive deletion: move the vault to a folder that is "
        "not synced (RETENTION_HOME), or stop syncing this folder."
    ),
    "inbox": N_(
        "Warning: the inbox is in a folder that {service} copies to the cloud ({folder}), "
        "so files put there are uploaded before they are added. Stop syncing this folder "
        "or move the vault."
    ),
    "open": N_(
        "Warning: the decrypted copy is in a folder that {service} copies to the cloud "
        "({folder}). Delete it there too, also from the cloud's bin, when you are done; "
        "better, open items into a folder that is not synced."
    ),
    "export": N_(
        "Warning: the export is in a folder that {service} copies to the cloud ({folder}); "
        "photos of the child must not go online (C3). Export to a folder that is not synced."
    ),
    "original": N_(
        "Warning: '{name}' was in a folder that {service} copies to the cloud ({folder}). "
        "The cloud may still keep it, also in its bin or version history: delete it there too."
    ),
}


class VaultInSyncedFolder(RetentionError):
    message = N_(
        "The vault would be in a folder that {service} copies to the cloud ({folder}); old "
        "versions kept there would outlive deletion. Choose another folder with "
        "RETENTION_HOME, or add --allow-synced to accept this. Nothing was created."
    )
    exit_code = ExitCode.REFUSED


def refuse_synced_vault(home: Path, *, where: Where | None = None) -> None:
    """``init``: raise VaultInSyncedFolder when ``home`` lies in a synced folder."""
    folder = synced_folder_of(home, where=where)
    if folder is not None:
        raise VaultInSyncedFolder(service=folder.service, folder=str(folder.root))


def text(subject: Subject, folder: SyncedFolder, **fields: object) -> str:
    return _(_MESSAGES[subject]).format(service=folder.service, folder=folder.root, **fields)


def check(
    path: Path,
    subject: Subject,
    *,
    where: Where | None = None,
    folders: Sequence[SyncedFolder] | None = None,
    **fields: object,
) -> str | None:
    """The warning for ``path``, or None when it is not in a synced folder. ``folders``:
    the clients' configured folders, when the caller checks many paths."""
    folder = synced_folder_of(path, where=where, folders=folders)
    return None if folder is None else text(subject, folder, **fields)
