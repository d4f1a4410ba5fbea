"""Opening a transfer bundle on the new laptop, all or nothing (the format is described
in ``transfer``).

The bundle is unpacked into a private folder beside the new vault's place; a KEK must
open the index; the KEKs go into this computer's keyring (or a new key file under a new
passphrase) and the index is told which; only then is the folder renamed into place. On
any failure the folder (its plaintext KEKs overwritten first) and any keyring entry
written are removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import secrets
import shutil
import sqlite3
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.cobblestone import Cobblestone256Decryptor
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from retention_agent.errors import ExitCode, RetentionError, VaultAlreadyInitialised
from retention_agent.i18n import N_
from retention_agent.vault import backups, files, index, receipts, unlock
from retention_agent.vault.keystore import KEY_FILE_NAME, KekStore, PassphraseSource
from retention_agent.vault.recovery_file import mirrored
from retention_agent.vault.transfer import (
    BY_CODE,
    BY_PASSPHRASE,
    CHECK_LABEL,
    CHUNK,
    HEADER_SIZE,
    MAGIC,
    NONCE,
    PREFIX,
    VERSION,
    DamagedBundle,
    WrongTransferSecret,
    confirmation,
    secret_key,
    stream_context,
    stream_key,
)
from retention_agent.vault.vault import INDEX, Vault

_BLOB_NAME = re.compile(r"blobs/[0-9a-f]{32}")
_SMALL = {"manifest.json", "keks.json"}
_MAX_SMALL = 1 << 20


@dataclass(frozen=True)
class Header:
    protection: int
    salt: bytes
    vault_id: str
    scrypt: tuple[int, int, int]
    raw: bytes  # bytes 0-40


class ImportTargetNotEmpty(RetentionError):
    message = N_(
        "The folder for the vault on this laptop is not empty, so nothing was imported. "
        "Choose an empty place with RETENTION_HOME."
    )
    exit_code = ExitCode.VAULT_STATE


class VaultAlreadyHere(RetentionError):
    message = N_(
        "This computer's keyring already holds this vault's key: the vault is still here "
        "(this is the old laptop?). Nothing was imported."
    )
    exit_code = ExitCode.VAULT_STATE


def read_header(bundle: Path) -> Header:
    with bundle.open("rb") as source:
        data = source.read(HEADER_SIZE)
    if len(data) != HEADER_SIZE:
        raise DamagedBundle()
    magic, version, protection, log2_n, r, p, salt, vault_id = PREFIX.unpack_from(data)
    sound = magic == MAGIC and version == VERSION and protection in (BY_CODE, BY_PASSPHRASE)
    if not sound or not (10 <= log2_n <= 20 and 1 <= r <= 16 and 1 <= p <= 4):
        raise DamagedBundle()
    return Header(protection, salt, vault_id.hex(), (log2_n, r, p), data[: PREFIX.size])


class _Decrypting:
    """What tarfile reads from: authenticated plaintext of the bundle's stream."""

    def __init__(self, source: IO[bytes], decryptor: Cobblestone256Decryptor) -> None:
        self._source, self._decryptor = source, decryptor
        self._buffer = bytearray()
        self._done = False

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            chunk = self._source.read(CHUNK)
            try:
                self._buffer += (
                    self._decryptor.update(chunk) if chunk else self._decryptor.finalize()
                )
            except (InvalidTag, ValueError):
                raise DamagedBundle() from None
            self._done = not chunk
        size = len(self._buffer) if size < 0 else size
        taken = bytes(self._buffer[:size])
        del self._buffer[:size]
        return taken

    def drain(self) -> None:
        """Read to the end, so a truncated or extended stream fails authentication."""
        while self.read(CHUNK):
            pass


@dataclass(frozen=True)
class Imported:
    vault_id: str
    confirmation: str
    store: KekStore


def import_bundle(
    bundle: Path,
    home: Path,
    secret: Callable[[Header], str],
    passphrase: PassphraseSource,
    now: dt.datetime,
) -> Imported:
    """Make ``home`` the vault in ``bundle``, all or nothing."""
    if (home / INDEX).exists():
        raise VaultAlreadyInitialised()
    if home.exists() and any(home.iterdir()):
        raise ImportTargetNotEmpty()
    header = read_header(bundle)
    key = secret_key(secret(header), header.salt, header.scrypt)
    with bundle.open("rb") as source:
        head = source.read(HEADER_SIZE)
        check_nonce = head[PREFIX.size : PREFIX.size + NONCE]
        try:
            AESGCM(key).decrypt(
                check_nonce,
                head[PREFIX.size + NONCE :],
                CHECK_LABEL + header.raw,
            )
        except InvalidTag:
            raise WrongTransferSecret() from None
        home.parent.mkdir(parents=True, exist_ok=True)
        staging = home.parent / f".{home.name}.importing-{secrets.token_hex(4)}"
        files.make_private_dir(staging)
        written: KekStore | None = None
        epochs: list[int] = []
        try:
            stream = _Decrypting(
                source,
                Cobblestone256Decryptor(stream_key(key), stream_context(header.raw)),
            )
            _unpack(stream, staging)
            keks = _read_keks(staging)
            epochs = sorted(keks)
            written = _new_store(staging, header.vault_id, keks, passphrase)
            if home.exists():
                home.rmdir()
            staging.rename(home)
        except BaseException:
            _abandon(staging, written, epochs)
            raise
    assert written is not None
    store = mirrored(home, header.vault_id, _moved(home, written))
    with Vault.open(home, passphrase, store=store) as vault, vault.transaction():
        receipts.append(vault, {"type": "transfer-in", "date": now.date().isoformat()})
    return Imported(header.vault_id, confirmation(key), store)


def _unpack(stream: _Decrypting, staging: Path) -> None:
    files.make_private_dir(staging / "blobs")
    files.make_private_dir(staging / "tmp")
    seen: set[str] = set()
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:  # type: ignore[call-overload]
            for member in tar:
                name = member.name
                allowed = name in _SMALL | {"index.db", "recovery.key"} or _BLOB_NAME.fullmatch(
                    name
                )
                if not allowed or not member.isreg() or name in seen:
                    raise DamagedBundle()
                if name in _SMALL and member.size > _MAX_SMALL:
                    raise DamagedBundle()
                seen.add(name)
                content = tar.extractfile(member)
                if content is None:
                    raise DamagedBundle()
                with files.open_private_new(staging / name) as out:
                    shutil.copyfileobj(content, out, CHUNK)
                    out.flush()
                    os.fsync(out.fileno())
    except tarfile.TarError:
        raise DamagedBundle() from None
    stream.drain()
    if not {"manifest.json", "keks.json", "index.db"} <= seen:
        raise DamagedBundle()


def _read_keks(staging: Path) -> dict[int, bytes]:
    try:
        raw: dict[str, Any] = json.loads((staging / "keks.json").read_text(encoding="utf-8"))
        keks = {int(epoch): bytes.fromhex(value) for epoch, value in raw.items()}
    except (ValueError, TypeError, AttributeError):
        raise DamagedBundle() from None
    finally:
        files.overwrite_and_unlink(staging / "keks.json")
    db = index.connect_reader(staging / "index.db", immutable=False)
    try:
        vault_id = index.get_meta(db, "vault_id")
        if vault_id is None or not any(unlock.opens(db, kek, vault_id) for kek in keks.values()):
            raise DamagedBundle()
    except sqlite3.DatabaseError:
        raise DamagedBundle() from None
    finally:
        db.close()
    return keks


def _new_store(
    staging: Path, vault_id: str, keks: dict[int, bytes], passphrase: PassphraseSource
) -> KekStore:
    """This computer's keyring, or a new key file in the staging folder; the index is
    told which."""
    from retention_agent.vault.keyfile import KeyFileStore
    from retention_agent.vault.keyring_store import KeyringStore, usable_keyring

    backend = usable_keyring(vault_id)
    store: KekStore
    if backend is not None:
        store = KeyringStore(vault_id, backend)
        newest = max(keks) + unlock.LOOKAHEAD
        if store.epochs_present(range(1, newest)):
            # Two vaults sharing one keyring entry would destroy each other's keys.
            raise VaultAlreadyHere()
    else:
        store = KeyFileStore.create(staging / KEY_FILE_NAME, vault_id, passphrase)
    for epoch, kek in sorted(keks.items()):
        store.store(epoch, kek)
    db = index.connect(staging / "index.db")
    try:
        with index.transaction(db):
            index.set_meta(db, "kek_kind", store.kind)
            if isinstance(store, KeyringStore):
                index.set_meta(db, "keyring_backend", store.backend_name)
    finally:
        db.close()
    backups.exclude(staging)
    return store


def _moved(home: Path, store: KekStore) -> KekStore:
    """The new store, now that the key file (if any) sits in the vault's own folder; its
    derived key stays in memory, so the passphrase is not asked for again."""
    from retention_agent.vault.keyfile import KeyFileStore

    if isinstance(store, KeyFileStore):
        store.path = home / KEY_FILE_NAME
    return store


def _abandon(staging: Path, store: KekStore | None, epochs: list[int]) -> None:
    """Undo an import that did not finish: nothing of it may stay behind."""
    from retention_agent.vault.keyring_store import KeyringStore

    if isinstance(store, KeyringStore):
        for epoch in epochs:
            with contextlib.suppress(RetentionError):
                store.destroy(epoch)
    if staging.exists():
        from retention_agent.vault.teardown import finish_removal

        finish_removal(staging)
