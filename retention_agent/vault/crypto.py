"""Keys, key wrapping, sealed metadata and the blob file format.

Key hierarchy::

    KEK (32 B, epoch n; in the OS keyring or the passphrase key file)
     └─ wraps, AES-256-GCM ─> data key (32 B, random, one per item / case / vault secret)
                               ├─ HKDF "blob"  -> Cobblestone-256 key for the item's file
                               └─ HKDF "meta"  -> AES-256-GCM key for its sealed metadata

Destroying one wrapped data key makes that item (file and metadata) unrecoverable;
rotating the KEK makes every stale copy of wrapped keys (backups, SSD remnants) useless.

Wrapped key (stored in the index, table ``keys``)::

    nonce (12 B) | AES-256-GCM(KEK, data key) (32 B) | tag (16 B)
    associated data = "retention-agent/v1/wrap" | vault id | key id | epoch (8 B, big endian)

Sealed metadata (table columns named ``sealed``)::

    nonce (12 B) | AES-256-GCM(HKDF(data key, "meta"), UTF-8 JSON) | tag (16 B)
    associated data = "retention-agent/v1/meta" | vault id | key id

Blob file (``blobs/<32 random hex>``), format version 1::

    offset  size  field
    0       4     magic "RAVB"
    4       2     format version, big endian (1)
    6       2     reserved, zero
    8       16    item id, ASCII, NUL padded (binds the file to its index row)
    24      ...   Cobblestone-256 ciphertext (C2SP chunked encryption, 16 KiB chunks)
                  context = "retention-agent/v1/blob" | vault id | item id

The header is not encrypted but every field is checked on read and the item id is also
bound into the Cobblestone context, so any change to header or body is an integrity error.
"""

from __future__ import annotations

import hmac
import json
import os
import queue
import struct
import threading
from collections.abc import Iterator
from typing import Any, BinaryIO, Protocol

from cryptography.cobblestone import Cobblestone256Decryptor, Cobblestone256Encryptor
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_SIZE = 32
NONCE_SIZE = 12
BLOB_MAGIC = b"RAVB"
BLOB_VERSION = 1
_HEADER = struct.Struct(">4sHH16s")
HEADER_SIZE = _HEADER.size
# Streaming unit: large enough for throughput, small enough for the 64 MiB RSS budget.
IO_CHUNK = 1 << 20
# Chunks waiting for the fingerprint thread: bounds memory to a few MiB.
FINGERPRINT_QUEUE = 4


class Sink(Protocol):
    def write(self, data: bytes, /) -> int: ...


class TamperedError(Exception):
    """Authentication failed: wrong key, or the bytes were changed."""


def new_key() -> bytes:
    return os.urandom(KEY_SIZE)


def _label(*parts: bytes) -> bytes:
    return b"|".join(parts)


def _subkey(data_key: bytes, purpose: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_SIZE, salt=None, info=b"retention-agent/v1/" + purpose
    ).derive(data_key)


def wrap_key(kek: bytes, data_key: bytes, vault_id: str, key_id: str, epoch: int) -> bytes:
    nonce = os.urandom(NONCE_SIZE)
    aad = _label(b"retention-agent/v1/wrap", vault_id.encode(), key_id.encode(), epoch.to_bytes(8))
    return nonce + AESGCM(kek).encrypt(nonce, data_key, aad)


def unwrap_key(kek: bytes, wrapped: bytes, vault_id: str, key_id: str, epoch: int) -> bytes:
    aad = _label(b"retention-agent/v1/wrap", vault_id.encode(), key_id.encode(), epoch.to_bytes(8))
    try:
        return AESGCM(kek).decrypt(wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:], aad)
    except (InvalidTag, ValueError):
        raise TamperedError from None


def seal(data_key: bytes, vault_id: str, key_id: str, value: dict[str, Any]) -> bytes:
    nonce = os.urandom(NONCE_SIZE)
    aad = _label(b"retention-agent/v1/meta", vault_id.encode(), key_id.encode())
    # surrogatepass: a file name that is not valid UTF-8 arrives as surrogate escapes
    # (os.fsdecode) and must come back byte for byte; json.loads undoes it.
    plaintext = json.dumps(value, ensure_ascii=False, sort_keys=True).encode(
        "utf-8", "surrogatepass"
    )
    return nonce + AESGCM(_subkey(data_key, b"meta")).encrypt(nonce, plaintext, aad)


def unseal(data_key: bytes, vault_id: str, key_id: str, sealed: bytes) -> dict[str, Any]:
    aad = _label(b"retention-agent/v1/meta", vault_id.encode(), key_id.encode())
    try:
        plaintext = AESGCM(_subkey(data_key, b"meta")).decrypt(
            sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], aad
        )
    except (InvalidTag, ValueError):
        raise TamperedError from None
    value: dict[str, Any] = json.loads(plaintext)
    return value


def fingerprinter(fingerprint_key: bytes) -> hmac.HMAC:
    """Keyed fingerprint of an original's content: finds leftover copies later without
    storing a plain hash anyone could match against a known photo."""
    return hmac.new(fingerprint_key, digestmod="sha256")


def _blob_context(vault_id: str, item_id: str) -> bytes:
    return _label(b"retention-agent/v1/blob", vault_id.encode(), item_id.encode())


def _header(item_id: str) -> bytes:
    return _HEADER.pack(BLOB_MAGIC, BLOB_VERSION, 0, item_id.encode().ljust(16, b"\0"))


class Hasher:
    """One background thread that computes fingerprints for a whole batch of files.

    The fingerprint (HMAC-SHA-256 over every byte) is the slowest part of encrypting a
    file; OpenSSL releases the GIL while it hashes, so it runs beside the encryption.
    One thread for the batch, not one per file: starting threads costs more than
    hashing a small photo.
    """

    def __init__(self) -> None:
        self._work: queue.Queue[tuple[hmac.HMAC, bytes] | threading.Event | None] = queue.Queue(
            maxsize=FINGERPRINT_QUEUE
        )
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def update(self, fingerprint: hmac.HMAC, chunk: bytes) -> None:
        self._work.put((fingerprint, chunk))

    def wait(self) -> None:
        """Return once every chunk fed so far is hashed."""
        done = threading.Event()
        self._work.put(done)
        done.wait()

    def close(self) -> None:
        self._work.put(None)
        self._thread.join()

    def __enter__(self) -> Hasher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while (work := self._work.get()) is not None:
            if isinstance(work, threading.Event):
                work.set()
            else:
                work[0].update(work[1])


def encrypt_stream(
    source: BinaryIO,
    target: Sink,
    data_key: bytes,
    vault_id: str,
    item_id: str,
    fingerprint: hmac.HMAC,
    hasher: Hasher,
) -> int:
    """Encrypt ``source`` into ``target`` in bounded memory; returns the plaintext size.

    ``fingerprint`` is fed through ``hasher`` (in another thread), except for a file of
    one chunk, which is hashed here: handing it over would cost more than hashing it.
    """
    encryptor = Cobblestone256Encryptor(
        _subkey(data_key, b"blob"), _blob_context(vault_id, item_id)
    )
    target.write(_header(item_id))
    first = source.read(IO_CHUNK)
    second = source.read(IO_CHUNK) if len(first) == IO_CHUNK else b""
    if not second:
        fingerprint.update(first)
        target.write(encryptor.update(first))
        target.write(encryptor.finalize())
        return len(first)
    size = 0
    try:
        chunk = first
        while chunk:
            hasher.update(fingerprint, chunk)
            target.write(encryptor.update(chunk))
            size += len(chunk)
            chunk, second = second, b""
            if not chunk:
                chunk = source.read(IO_CHUNK)
        target.write(encryptor.finalize())
    finally:
        hasher.wait()
    return size


def decrypt_stream(
    source: BinaryIO, data_key: bytes, vault_id: str, item_id: str
) -> Iterator[bytes]:
    """Yield authenticated plaintext chunks; raises ``TamperedError`` on any change.

    Chunks are only released after their tag checked, but a truncated file is only
    detected at the end: callers writing plaintext out must discard it on error.
    """
    header = source.read(HEADER_SIZE)
    if len(header) != HEADER_SIZE:
        raise TamperedError
    magic, version, reserved, stored_id = _HEADER.unpack(header)
    expected = item_id.encode().ljust(16, b"\0")
    if (magic, version, reserved) != (BLOB_MAGIC, BLOB_VERSION, 0) or not hmac.compare_digest(
        stored_id, expected
    ):
        raise TamperedError
    decryptor = Cobblestone256Decryptor(
        _subkey(data_key, b"blob"), _blob_context(vault_id, item_id)
    )
    try:
        while chunk := source.read(IO_CHUNK):
            plain = decryptor.update(chunk)
            if plain:
                yield plain
        tail = decryptor.finalize()
    except (InvalidTag, ValueError):
        raise TamperedError from None
    if tail:
        yield tail
