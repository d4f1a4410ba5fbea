"""A way back in: issuing the recovery code, and using it when the passphrase is forgotten
or the OS keyring was lost (a reinstall, a new user account).

:func:`issue_code` (``init``, ``retention recovery new``) writes the recovery file anew
for a new code with the vault's current KEK; from then on the vault's store mirrors
every KEK it stores or destroys into it (``recovery_file.MirroredStore``), and an older
code opens nothing. :func:`use_code` opens the recovery file with the code and puts its
KEKs into a new primary store, chosen as at ``init``: the OS keyring where one is usable,
else a new key file under a new passphrase.
"""

from __future__ import annotations

from pathlib import Path

from retention_agent.errors import VaultNotInitialised, VaultUnreadable, WrongKey
from retention_agent.vault import index, unlock
from retention_agent.vault.keystore import (
    KEY_FILE_NAME,
    KEYRING,
    KekStore,
    PassphraseSource,
)
from retention_agent.vault.recovery_code import RecoveryCode
from retention_agent.vault.recovery_file import FILE_NAME, MirroredStore, RecoveryFile, primary
from retention_agent.vault.vault import INDEX, Vault, acquire_lock


def issue_code(vault: Vault) -> RecoveryCode:
    """A new recovery code for ``vault``; the one before it stops working."""
    code = RecoveryCode.generate()
    base = primary(vault.store)
    keks = {vault.epoch: base.load(vault.epoch)}
    recovery = RecoveryFile.create(vault.home / FILE_NAME, vault.id, code, keks)
    vault.store = MirroredStore(base, recovery)
    return code


def has_code(home: Path) -> bool:
    return (home / FILE_NAME).is_file()


def use_code(home: Path, code: RecoveryCode, passphrase: PassphraseSource) -> KekStore:
    """Put the KEKs that ``code`` opens into a new keyring entry or key file, and record
    which in the index; returns the new store."""
    from retention_agent.vault.keyfile import KeyFileStore, discard_key_file
    from retention_agent.vault.keyring_store import KeyringStore, usable_keyring

    if not (home / INDEX).is_file():
        raise VaultNotInitialised()
    lock = acquire_lock(home)
    try:
        db = index.connect(home / INDEX)
        try:
            vault_id = index.get_meta(db, "vault_id")
            if vault_id is None:
                raise VaultUnreadable()
            keks = RecoveryFile(home / FILE_NAME, vault_id).open(code)
            # Only what opens this index is worth keeping: a rotation may have been cut short.
            if not any(unlock.opens(db, kek, vault_id) for kek in keks.values()):
                raise WrongKey()
            backend = usable_keyring(vault_id)
            store: KekStore
            if backend is not None:
                store = KeyringStore(vault_id, backend)
            else:
                # The new key file wants a new passphrase: the old one is what was forgotten.
                store = KeyFileStore.create(home / KEY_FILE_NAME, vault_id, passphrase.asking_new())
            for epoch, kek in sorted(keks.items()):
                store.store(epoch, kek)
            with index.transaction(db):
                index.set_meta(db, "kek_kind", store.kind)
                if isinstance(store, KeyringStore):
                    index.set_meta(db, "keyring_backend", store.backend_name)
            if store.kind == KEYRING:
                # The forgotten passphrase's key file would still open the vault for anyone
                # who learns it.
                discard_key_file(home / KEY_FILE_NAME)
        finally:
            db.close()
    finally:
        lock.release()
    return MirroredStore(store, RecoveryFile(home / FILE_NAME, vault_id))
