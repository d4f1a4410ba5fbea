"""``recovery.key``: a second copy of the vault's KEKs that only the recovery code opens,
kept beside the index, and the key store that keeps it in step.

The vault must be able to add a KEK at every rotation without the code (nobody types it
after ``init``), and only someone with the code may read one. So each KEK is encrypted
to a public key: the code's X25519 key (``recovery_code``), whose public half is in the
file's header.

Format version 1 (integers big endian)::

    offset  size   field
    0       4      magic "RARK"
    4       1      format version (1)
    5       1      scrypt log2(n)
    6       1      scrypt r
    7       1      scrypt p
    8       16     salt (random, new with every code)
    24      16     vault id
    40      32     X25519 public key of the recovery code
    72      4      number of entries, k
    76      112·k  one entry per epoch:
                     0   8   epoch
                     8   32  ephemeral X25519 public key (new for every entry)
                     40  12  nonce
                     52  48  AES-256-GCM(entry key, KEK) (32) | tag (16)

    code key   = X25519 private key from scrypt(code, salt, n, r, p) (``recovery_code``)
    entry key  = HKDF-SHA256(X25519(ephemeral private, code public),
                             info = "retention-agent/v1/recovery-entry" | ephemeral public
                                    | code public), 32 bytes
    associated data = "retention-agent/v1/recovery-entry" | vault id | epoch (8 B)
                      | header (bytes 0-71)

Reading checks the structure (magic, version, parameter bounds, exact length, unique
epochs; failing: RecoveryFileCorrupt), the vault id (RecoveryFileForeign), then that the
code's public key is the one in the header (failing: WrongRecoveryCode), then every
entry (failing: RecoveryFileCorrupt). Every write replaces the whole file and scrubs the
old one (``scrubbed``), so a destroyed KEK does not stay readable under the code.

The scrypt parameters are lighter than the key file's (n=2^15, r=8: 32 MiB): the code
carries 130 random bits, so guessing it is hopeless whatever the cost per guess; the
KDF is there so the format is the key file's and can take a weaker secret one day.
"""

from __future__ import annotations

import hmac
import os
import struct
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_
from retention_agent.vault import scrubbed
from retention_agent.vault.keystore import KEK_SIZE, KekStore
from retention_agent.vault.recovery_code import RecoveryCode

FILE_NAME = "recovery.key"
MAGIC = b"RARK"
VERSION = 1
_HEADER = struct.Struct(">4sBBBB16s16s32s")  # magic, version, log2 n, r, p, salt, vault id, pub
_COUNT = struct.Struct(">I")
_NONCE = 12
_ENTRY = struct.Struct(f">Q32s{_NONCE}s{KEK_SIZE + 16}s")
_LABEL = b"retention-agent/v1/recovery-entry"
_MAX_LOG2_N = 20
_MAX_R = 16
_MAX_P = 4


class ScryptParams(NamedTuple):
    log2_n: int
    r: int
    p: int


DEFAULT_SCRYPT = ScryptParams(log2_n=15, r=8, p=1)


class WrongRecoveryCode(RetentionError):
    message = N_(
        "That recovery code does not open this vault: it may be an older code, replaced "
        "with 'retention recovery new'. Nothing was changed."
    )
    exit_code = ExitCode.KEY


class RecoveryFileMissing(RetentionError):
    message = N_(
        "This vault has no recovery file (recovery.key), so a recovery code cannot open "
        "it. Nothing was changed; ask for help."
    )
    exit_code = ExitCode.KEY


class RecoveryFileCorrupt(RetentionError):
    message = N_(
        "The vault's recovery file (recovery.key) is damaged and cannot be read. "
        "Nothing was changed; ask for help."
    )
    exit_code = ExitCode.KEY


class RecoveryFileForeign(RetentionError):
    message = N_(
        "This recovery file belongs to another vault, so it cannot open this one. "
        "Nothing was changed."
    )
    exit_code = ExitCode.KEY


class _Parsed(NamedTuple):
    header: bytes
    params: ScryptParams
    salt: bytes
    public: bytes
    entries: dict[int, tuple[bytes, bytes, bytes]]  # epoch -> (ephemeral, nonce, sealed)


class RecoveryFile:
    """The recovery file at ``path`` of the vault ``vault_id``."""

    def __init__(self, path: Path, vault_id: str) -> None:
        self.path = path
        self._vault_id = vault_id

    @classmethod
    def create(
        cls,
        path: Path,
        vault_id: str,
        code: RecoveryCode,
        keks: dict[int, bytes],
        *,
        scrypt: ScryptParams = DEFAULT_SCRYPT,
    ) -> RecoveryFile:
        """A file for ``code`` holding ``keks``, replacing (and scrubbing) any older one:
        from then on only ``code`` opens it."""
        salt = os.urandom(16)
        public = code.private_key(salt, *scrypt).public_key().public_bytes_raw()
        file = cls(path, vault_id)
        header = _HEADER.pack(MAGIC, VERSION, *scrypt, salt, bytes.fromhex(vault_id), public)
        file._write(header, {epoch: file._seal(header, epoch, kek) for epoch, kek in keks.items()})
        return file

    def exists(self) -> bool:
        return self.path.is_file()

    def add(self, epoch: int, kek: bytes) -> None:
        """Keep ``kek`` as the key of ``epoch``: needs no code."""
        if len(kek) != KEK_SIZE:
            raise ValueError("a KEK is 32 bytes")
        parsed = self._read()
        entries = dict(parsed.entries)
        entries[epoch] = self._seal(parsed.header, epoch, kek)
        self._write(parsed.header, entries)

    def remove(self, epoch: int) -> None:
        parsed = self._read()
        if epoch in parsed.entries:
            entries = {e: entry for e, entry in parsed.entries.items() if e != epoch}
            self._write(parsed.header, entries)

    def epochs(self) -> set[int]:
        return set(self._read().entries)

    def open(self, code: RecoveryCode) -> dict[int, bytes]:
        """Every KEK in the file, opened with ``code``."""
        parsed = self._read()
        private = code.private_key(parsed.salt, *parsed.params)
        mine = private.public_key().public_bytes_raw()
        if not hmac.compare_digest(mine, parsed.public):
            raise WrongRecoveryCode()
        keks: dict[int, bytes] = {}
        for epoch, (ephemeral, nonce, sealed) in parsed.entries.items():
            shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
            key = _entry_key(shared, ephemeral, parsed.public)
            try:
                keks[epoch] = AESGCM(key).decrypt(nonce, sealed, self._aad(parsed.header, epoch))
            except InvalidTag:
                raise RecoveryFileCorrupt() from None
        return keks

    def discard(self) -> bool:
        """Remove the file for good (overwritten first); whether there was one."""
        return scrubbed.discard(self.path)

    # --- format ------------------------------------------------------------------

    def _seal(self, header: bytes, epoch: int, kek: bytes) -> tuple[bytes, bytes, bytes]:
        public = header[_HEADER.size - 32 : _HEADER.size]
        ephemeral = X25519PrivateKey.generate()
        ephemeral_public = ephemeral.public_key().public_bytes_raw()
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(_entry_key(shared, ephemeral_public, public)).encrypt(
            nonce, kek, self._aad(header, epoch)
        )
        return ephemeral_public, nonce, sealed

    def _aad(self, header: bytes, epoch: int) -> bytes:
        return b"|".join((_LABEL, self._vault_id.encode(), epoch.to_bytes(8), header))

    def _write(self, header: bytes, entries: dict[int, tuple[bytes, bytes, bytes]]) -> None:
        parts = [header, _COUNT.pack(len(entries))]
        parts += [_ENTRY.pack(epoch, *entries[epoch]) for epoch in sorted(entries)]
        scrubbed.replace(self.path, b"".join(parts))

    def _read(self) -> _Parsed:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise RecoveryFileMissing() from None
        parsed = parse(data)
        if not hmac.compare_digest(parsed.header[24:40], bytes.fromhex(self._vault_id)):
            raise RecoveryFileForeign()
        return parsed


def parse(data: bytes) -> _Parsed:
    """The structure of a recovery file, else RecoveryFileCorrupt (outside input: fuzzed)."""
    if len(data) < _HEADER.size + _COUNT.size:
        raise RecoveryFileCorrupt()
    magic, version, log2_n, r, p, salt, _vault, public = _HEADER.unpack_from(data)
    params = ScryptParams(log2_n, r, p)
    sound = (
        magic == MAGIC
        and version == VERSION
        and 1 <= log2_n <= _MAX_LOG2_N
        and 1 <= r <= _MAX_R
        and 1 <= p <= _MAX_P
    )
    (count,) = _COUNT.unpack_from(data, _HEADER.size)
    start = _HEADER.size + _COUNT.size
    if not sound or len(data) != start + count * _ENTRY.size:
        raise RecoveryFileCorrupt()
    entries: dict[int, tuple[bytes, bytes, bytes]] = {}
    for offset in range(start, len(data), _ENTRY.size):
        epoch, ephemeral, nonce, sealed = _ENTRY.unpack_from(data, offset)
        if epoch in entries:
            raise RecoveryFileCorrupt()
        entries[epoch] = (ephemeral, nonce, sealed)
    return _Parsed(data[: _HEADER.size], params, salt, public, entries)


def _entry_key(shared: bytes, ephemeral: bytes, public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"|".join((_LABEL, ephemeral, public))
    ).derive(shared)


class MirroredStore:
    """A :class:`KekStore` that writes every ``store``/``destroy`` of the primary store
    (keyring or key file) to the recovery file too, so the vault's KEK rotation keeps
    the recovery copy in step without knowing about it.

    Order, for crash safety: a new KEK goes into the recovery file first (a rotation
    resumed after a crash stores it again if the primary lacks it, but never re-mirrors
    one the primary has); an old one is destroyed in the primary first, and the
    rotation's resume destroys it again in both. A recovery file that cannot be read is
    discarded rather than left holding a KEK that should be gone: a deletion must never
    wait on it, and ``status`` then says the vault has no recovery code.
    """

    def __init__(self, primary: KekStore, recovery: RecoveryFile) -> None:
        self.primary = primary
        self.recovery = recovery

    @property
    def kind(self) -> str:
        return self.primary.kind

    def describe(self) -> str:
        return self.primary.describe()

    def load(self, epoch: int) -> bytes:
        return self.primary.load(epoch)

    def store(self, epoch: int, kek: bytes) -> None:
        self._mirror(lambda: self.recovery.add(epoch, kek))
        self.primary.store(epoch, kek)

    def destroy(self, epoch: int) -> None:
        self.primary.destroy(epoch)
        self._mirror(lambda: self.recovery.remove(epoch))

    def epochs_present(self, candidates: Iterable[int]) -> set[int]:
        return self.primary.epochs_present(candidates)

    def _mirror(self, write: Callable[[], None]) -> None:
        if not self.recovery.exists():
            return
        try:
            write()
        except (RecoveryFileCorrupt, RecoveryFileForeign):
            self.recovery.discard()


def mirrored(home: Path, vault_id: str, store: KekStore) -> KekStore:
    """``store``, mirrored into the vault's recovery file if it has one."""
    recovery = RecoveryFile(home / FILE_NAME, vault_id)
    return MirroredStore(store, recovery) if recovery.exists() else store


def primary(store: KekStore) -> KekStore:
    """The keyring or key file store behind a mirrored one."""
    return store.primary if isinstance(store, MirroredStore) else store
