"""The blob format, key wrapping and sealed metadata, without any vault around them."""

from __future__ import annotations

import hmac
import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retention_agent.vault import crypto

VAULT = "v" * 32
ITEM = "1a2b3c4d"
CHUNK = 16 * 1024  # Cobblestone's plaintext chunk size


def encrypt(plaintext: bytes, key: bytes, item: str = ITEM) -> tuple[bytes, str]:
    target = io.BytesIO()
    fingerprint = crypto.fingerprinter(b"f" * 32)
    with crypto.Hasher() as hasher:
        size = crypto.encrypt_stream(
            io.BytesIO(plaintext), target, key, VAULT, item, fingerprint, hasher
        )
    assert size == len(plaintext)
    return target.getvalue(), fingerprint.hexdigest()


def decrypt(blob: bytes, key: bytes, item: str = ITEM, vault: str = VAULT) -> bytes:
    return b"".join(crypto.decrypt_stream(io.BytesIO(blob), key, vault, item))


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, crypto.IO_CHUNK - 1, crypto.IO_CHUNK + 1],
)
def test_round_trip_at_chunk_boundaries(size: int) -> None:
    key = crypto.new_key()
    plaintext = os.urandom(size)
    blob, _ = encrypt(plaintext, key)
    assert blob[:4] == b"RAVB"
    if size >= 16:  # a shorter string can turn up in random bytes by chance
        assert plaintext[:16] not in blob
    assert decrypt(blob, key) == plaintext


@settings(max_examples=25, deadline=None)
@given(size=st.integers(min_value=0, max_value=3 * crypto.IO_CHUNK), seed=st.binary(min_size=1))
def test_round_trip_random_sizes(size: int, seed: bytes) -> None:
    plaintext = (seed * (size // len(seed) + 1))[:size]
    key = crypto.new_key()
    blob, fingerprint = encrypt(plaintext, key)
    assert decrypt(blob, key) == plaintext
    expected = hmac.new(b"f" * 32, plaintext, "sha256").hexdigest()
    assert fingerprint == expected


def test_every_flipped_byte_of_a_blob_is_detected() -> None:
    key = crypto.new_key()
    blob, _ = encrypt(os.urandom(CHUNK + 100), key)
    for position in range(len(blob)):
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        with pytest.raises(crypto.TamperedError):
            decrypt(bytes(tampered), key)


def test_truncation_at_any_length_is_detected() -> None:
    key = crypto.new_key()
    blob, _ = encrypt(os.urandom(2 * CHUNK + 5), key)
    for length in range(0, len(blob), 97):
        with pytest.raises(crypto.TamperedError):
            decrypt(blob[:length], key)


@pytest.mark.parametrize("size", [21, crypto.IO_CHUNK + 1])  # one chunk, and streamed
def test_blob_is_bound_to_its_vault_item_and_key(size: int) -> None:
    """A blob copied into another vault (same item id, same data key) does not open
    there: the vault id is part of the encryption context, not only the header."""
    key = crypto.new_key()
    plaintext = os.urandom(size)
    blob, _ = encrypt(plaintext, key)
    assert decrypt(blob, key) == plaintext
    with pytest.raises(crypto.TamperedError):
        decrypt(blob, key, vault="w" * 32)
    with pytest.raises(crypto.TamperedError):
        decrypt(blob, key, item="ffffffff")
    with pytest.raises(crypto.TamperedError):
        decrypt(blob, crypto.new_key())


def test_wrapped_key_round_trip_and_binding() -> None:
    kek, data_key = crypto.new_key(), crypto.new_key()
    wrapped = crypto.wrap_key(kek, data_key, VAULT, "item:1", 3)
    assert crypto.unwrap_key(kek, wrapped, VAULT, "item:1", 3) == data_key
    for vault, key_id, epoch in [
        ("w" * 32, "item:1", 3),
        (VAULT, "item:2", 3),
        (VAULT, "item:1", 4),
    ]:
        with pytest.raises(crypto.TamperedError):
            crypto.unwrap_key(kek, wrapped, vault, key_id, epoch)
    with pytest.raises(crypto.TamperedError):
        crypto.unwrap_key(crypto.new_key(), wrapped, VAULT, "item:1", 3)


def test_every_flipped_byte_of_a_wrapped_key_is_detected() -> None:
    kek, data_key = crypto.new_key(), crypto.new_key()
    wrapped = crypto.wrap_key(kek, data_key, VAULT, "item:1", 1)
    for position in range(len(wrapped)):
        tampered = bytearray(wrapped)
        tampered[position] ^= 0x80
        with pytest.raises(crypto.TamperedError):
            crypto.unwrap_key(kek, bytes(tampered), VAULT, "item:1", 1)


def test_sealed_metadata_round_trip_and_tamper() -> None:
    data_key = crypto.new_key()
    meta = {"name": "Barn A – sommer.jpg", "original": "/home/x/Billeder/a.jpg"}
    sealed = crypto.seal(data_key, VAULT, "item:1", meta)
    assert b"Barn A" not in sealed
    assert crypto.unseal(data_key, VAULT, "item:1", sealed) == meta
    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    with pytest.raises(crypto.TamperedError):
        crypto.unseal(data_key, VAULT, "item:1", bytes(tampered))
    with pytest.raises(crypto.TamperedError):
        crypto.unseal(data_key, VAULT, "item:2", sealed)
    with pytest.raises(crypto.TamperedError):
        crypto.unseal(data_key, "w" * 32, "item:1", sealed)
    with pytest.raises(crypto.TamperedError):
        crypto.unseal(crypto.new_key(), VAULT, "item:1", sealed)
