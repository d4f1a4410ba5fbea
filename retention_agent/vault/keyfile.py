"""The passphrase-protected key file ``kek.key``: the KEK store when no OS keyring is usable.

Format version 2 (integers big endian)::

    offset  size  field
    0       4     magic "RAKF"
    4       1     format version (2)
    5       1     scrypt log2(n)
    6       1     scrypt r
    7       1     scrypt p
    8       16    salt (random, new at every passphrase change)
    24      16    vault id: the key file says which vault it belongs to
    40      12    check nonce
    52      16    check tag: AES-256-GCM(wrapping key, empty message)
                  associated data = "retention-agent/v1/kek-file-check" | vault id | bytes 0-39
    68      4     number of entries, k
    72      68·k  one entry per epoch:
                    0   8   epoch
                    8   12  nonce
                    20  48  AES-256-GCM(wrapping key, KEK) (32) | tag (16)
                  associated data = "retention-agent/v1/kek-file-entry" | vault id | epoch (8 B)

Version 1 is the same without the vault id (the header is bytes 0-23); it is still read,
and written as version 2 the next time the file changes.

    wrapping key = scrypt(NFC-normalised passphrase in UTF-8, salt, n, r, p), 32 bytes

Reading checks the structure first (magic, version, parameter bounds, exact length,
unique epochs; failing that: KeyFileCorrupt), then the vault id (another vault's key
file: KeyFileForeign), then the check tag (failing: WrongPassphrase; a changed salt or
parameter cannot be told from a wrong passphrase), then every entry (failing:
KeyFileCorrupt, as the passphrase was right). The wrapping key is derived once
per store object, so a rotation (store, re-wrap, destroy) asks for the passphrase once.

Every write replaces the whole file through ``scrubbed.replace``: a private temporary
file in the same folder (``.kek.key-*.tmp``), fsync, ``os.replace``, fsync of the folder.
On POSIX the replaced file is then overwritten with zeros through a descriptor opened
before the rename, so a destroyed KEK does not stay readable under the passphrase in the
freed blocks (best effort: SSDs and copy-on-write file systems may keep old blocks, which
are then as safe as the passphrase).
"""

from __future__ import annotations

import hmac
import os
import struct
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_, _
from retention_agent.vault import scrubbed
from retention_agent.vault.keystore import (
    KEK_SIZE,
    KEYFILE,
    KeyFileCorrupt,
    KeyMissing,
    PassphraseSource,
    WrongPassphrase,
)

MAGIC = b"RAKF"
VERSION = 2
_PREFIX = struct.Struct(">4sBBBB16s")  # magic, version, log2 n, r, p, salt
_VAULT_ID_SIZE = 16
_HEADER_SIZE = {1: _PREFIX.size, 2: _PREFIX.size + _VAULT_ID_SIZE}
_NONCE = 12
_TAG = 16
_COUNT = struct.Struct(">I")
_ENTRY = struct.Struct(f">Q{_NONCE}s{KEK_SIZE + _TAG}s")
_CHECK_LABEL = b"retention-agent/v1/kek-file-check"
_ENTRY_LABEL = b"retention-agent/v1/kek-file-entry"
# Bounds for a doctored header: never allocate or compute without end.
_MAX_SCRYPT_MEMORY = 1 << 30
_MAX_SCRYPT_P = 16


class KeyFileForeign(RetentionError):
    message = N_(
        "This key file belongs to another vault, so it cannot open this one. Nothing was "
        "changed; put this vault's own kek.key back in its folder."
    )
    exit_code = ExitCode.KEY


class ScryptParams(NamedTuple):
    log2_n: int
    r: int
    p: int

    def memory(self) -> int:
        return (128 * self.r) << self.log2_n


# Against someone who has the key file but not the passphrase, every guess must cost:
# n=2**17, r=8 (128 MiB, the memory-hard part) as RFC 7914 and OWASP recommend for
# interactive logins. Measured on the 2-core CI machine: 0.35 s per unlock; the process
# peaks about 128 MiB above its usual size while it runs (benchmarks/startup_and_batches.py).
# Files keep their own parameters, so older vaults open with the ones they were made with.
DEFAULT_SCRYPT = ScryptParams(log2_n=17, r=8, p=1)


def discard_key_file(path: Path) -> None:
    """Remove a key file and its leftover temporary files, overwriting them first."""
    scrubbed.discard(path)


class _Unlocked(NamedTuple):
    header: bytes  # the file's header (format version 1 or 2)
    key: bytes  # the wrapping key, from the passphrase and that header's salt


class KeyFileStore:
    kind = KEYFILE

    def __init__(
        self,
        path: Path,
        vault_id: str,
        passphrase: PassphraseSource,
        *,
        scrypt: ScryptParams = DEFAULT_SCRYPT,
    ) -> None:
        self.path = path
        self._vault_id = vault_id
        self._passphrase = passphrase
        self._scrypt = scrypt  # only for a file this object creates; reading uses the file's
        self._unlocked: _Unlocked | None = None

    @classmethod
    def create(
        cls,
        path: Path,
        vault_id: str,
        passphrase: PassphraseSource,
        *,
        scrypt: ScryptParams = DEFAULT_SCRYPT,
    ) -> KeyFileStore:
        """A new, empty key file under a new passphrase (asked for now), replacing any
        file a crashed init left at ``path``."""
        store = cls(path, vault_id, passphrase, scrypt=scrypt)
        store._write({}, store._new_key())
        return store

    def describe(self) -> str:
        return _("key file protected by a passphrase ({path})").format(path=self.path)

    def load(self, epoch: int) -> bytes:
        found = self._read()
        if found is None or epoch not in found[0]:
            raise KeyMissing(epoch=epoch)
        return found[0][epoch]

    def store(self, epoch: int, kek: bytes) -> None:
        if len(kek) != KEK_SIZE:
            raise ValueError("a KEK is 32 bytes")
        found = self._read()
        keks, unlocked = found if found is not None else ({}, self._unlocked or self._new_key())
        keks[epoch] = kek
        self._write(keks, unlocked)

    def destroy(self, epoch: int) -> None:
        found = self._read()
        if found is None or epoch not in found[0]:
            return
        keks, unlocked = found
        del keks[epoch]
        self._write(keks, unlocked)

    def epochs_present(self, candidates: Iterable[int]) -> set[int]:
        found = self._read()
        return set(candidates) & set(found[0]) if found is not None else set()

    def change_passphrase(self, new_passphrase: str) -> None:
        """Re-encrypt every KEK under ``new_passphrase`` with a new salt (and today's KDF
        parameters); the old file is overwritten as far as the disk allows."""
        found = self._read()
        keks = found[0] if found is not None else {}
        salt = os.urandom(16)
        key = _derive(new_passphrase, self._scrypt, salt)
        self._write(keks, _Unlocked(self._header(self._scrypt, salt), key))

    # --- reading -------------------------------------------------------------------

    def _read(self) -> tuple[dict[int, bytes], _Unlocked] | None:
        """Every KEK in the file and the key that opened it; None if there is no file."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        header, check, entries = _parse(data)
        if len(header) == _HEADER_SIZE[2] and not hmac.compare_digest(
            header[_PREFIX.size :], bytes.fromhex(self._vault_id)
        ):
            raise KeyFileForeign()
        unlocked = self._unlock(header, check)
        aead = AESGCM(unlocked.key)
        keks: dict[int, bytes] = {}
        for epoch, nonce, sealed in entries:
            try:
                keks[epoch] = aead.decrypt(nonce, sealed, self._entry_aad(epoch))
            except InvalidTag:
                raise KeyFileCorrupt() from None
        return keks, unlocked

    def _unlock(self, header: bytes, check: bytes) -> _Unlocked:
        cached = self._unlocked
        if cached is not None and hmac.compare_digest(header, cached.header):
            key = cached.key
        else:
            _magic, _version, log2_n, r, p, salt = _PREFIX.unpack_from(header)
            key = _derive(self._passphrase.get(creating=False), ScryptParams(log2_n, r, p), salt)
        try:
            AESGCM(key).decrypt(check[:_NONCE], check[_NONCE:], self._check_aad(header))
        except InvalidTag:
            raise WrongPassphrase() from None
        self._unlocked = _Unlocked(header, key)
        return self._unlocked

    # --- writing -------------------------------------------------------------------

    def _new_key(self) -> _Unlocked:
        salt = os.urandom(16)
        key = _derive(self._passphrase.get(creating=True), self._scrypt, salt)
        self._unlocked = _Unlocked(self._header(self._scrypt, salt), key)
        return self._unlocked

    def _header(self, params: ScryptParams, salt: bytes) -> bytes:
        return _PREFIX.pack(MAGIC, VERSION, *params, salt) + bytes.fromhex(self._vault_id)

    def _write(self, keks: dict[int, bytes], unlocked: _Unlocked) -> None:
        # Always written as the current version: a version 1 header gets the vault id.
        _magic, _version, log2_n, r, p, salt = _PREFIX.unpack_from(unlocked.header)
        unlocked = _Unlocked(self._header(ScryptParams(log2_n, r, p), salt), unlocked.key)
        self._unlocked = unlocked
        aead = AESGCM(unlocked.key)
        check_nonce = os.urandom(_NONCE)
        parts = [
            unlocked.header,
            check_nonce,
            aead.encrypt(check_nonce, b"", self._check_aad(unlocked.header)),
            _COUNT.pack(len(keks)),
        ]
        for epoch, kek in sorted(keks.items()):
            nonce = os.urandom(_NONCE)
            sealed = aead.encrypt(nonce, kek, self._entry_aad(epoch))
            parts.append(_ENTRY.pack(epoch, nonce, sealed))
        scrubbed.replace(self.path, b"".join(parts))

    def _check_aad(self, header: bytes) -> bytes:
        return b"|".join((_CHECK_LABEL, self._vault_id.encode(), header))

    def _entry_aad(self, epoch: int) -> bytes:
        return b"|".join((_ENTRY_LABEL, self._vault_id.encode(), epoch.to_bytes(8)))


def _derive(passphrase: str, params: ScryptParams, salt: bytes) -> bytes:
    secret = unicodedata.normalize("NFC", passphrase).encode()
    kdf = Scrypt(salt=salt, length=32, n=1 << params.log2_n, r=params.r, p=params.p)
    return kdf.derive(secret)


def _parse(data: bytes) -> tuple[bytes, bytes, list[tuple[int, bytes, bytes]]]:
    """(header, check, entries) of a structurally sound file, else KeyFileCorrupt."""
    if len(data) < _PREFIX.size:
        raise KeyFileCorrupt()
    magic, version, log2_n, r, p, _salt = _PREFIX.unpack_from(data)
    header_size = _HEADER_SIZE.get(version)
    if magic != MAGIC or header_size is None:
        raise KeyFileCorrupt()
    check_end = header_size + _NONCE + _TAG
    body_start = check_end + _COUNT.size
    params = ScryptParams(log2_n, r, p)
    # Bounds first: a doctored header must not make us allocate or compute without end.
    # RFC 7914: n must be below 2^(16·r); OpenSSL refuses other values (as "not enough
    # memory"), so they can only come from a damaged or doctored file.
    sound_params = (
        min(params) >= 1
        and log2_n < 16 * r
        and p <= _MAX_SCRYPT_P
        and params.memory() <= _MAX_SCRYPT_MEMORY
    )
    if not sound_params or len(data) < body_start:
        raise KeyFileCorrupt()
    (count,) = _COUNT.unpack_from(data, check_end)
    if len(data) != body_start + count * _ENTRY.size:
        raise KeyFileCorrupt()
    entries = [
        _ENTRY.unpack_from(data, offset) for offset in range(body_start, len(data), _ENTRY.size)
    ]
    if len({epoch for epoch, _nonce, _sealed in entries}) != len(entries):
        raise KeyFileCorrupt()
    return data[:header_size], data[header_size:check_end], entries
