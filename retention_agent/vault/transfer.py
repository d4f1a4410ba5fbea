"""Moving the vault to a new laptop: one encrypted bundle, opened there all or nothing.

Bundle file (``retention-transfer-<date>.bundle``), format version 1::

    offset  size  field
    0       4     magic "RATB"
    4       1     format version (1)
    5       1     protection: 1 = the recovery code, 2 = a passphrase for this bundle
    6       1     scrypt log2(n)
    7       1     scrypt r
    8       1     scrypt p
    9       16    salt
    25      16    vault id
    41      12    check nonce
    53      16    check tag: AES-256-GCM(bundle key, empty message),
                  associated data = "retention-agent/v1/transfer-check" | bytes 0-40
    69      ...   Cobblestone-256 (C2SP chunked encryption) of an uncompressed tar,
                  key = HKDF(bundle key, "transfer-stream"),
                  context = "retention-agent/v1/transfer" | bytes 0-40

    bundle key = scrypt(secret, salt, n, r, p), 32 bytes; the secret is the recovery
                 code's 26 symbols (``recovery_code``) or the NFC-normalised passphrase

The tar holds ``manifest.json`` (format, vault id, date, epoch, item count), ``keks.json``
(every KEK, hex, by epoch), ``index.db`` (a consistent snapshot), ``recovery.key`` (if the
vault has one, so the same code keeps working there) and ``blobs/<32 hex>`` (the
encrypted files as they are). Any other name, a link, or a member out of bounds makes the
bundle damaged.

Import unpacks into a private folder beside the new vault's place, checks that a KEK
opens the index, puts the KEKs into this computer's keyring (or a new key file under a
new passphrase), and only then renames the folder into place; on any failure the folder
(its plaintext KEKs overwritten first) and any keyring entry written are removed.

The *confirmation* (8 symbols, ``XXXX-XXXX``) is the first 40 bits of
HMAC-SHA-256(bundle key, "retention-agent/v1/transfer-confirmation"): only someone who
opened the bundle can say it, and the old laptop, which keeps it sealed
(topic ``transfer``), deletes its copy once it is typed there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import sqlite3
import struct
import tarfile
import unicodedata
from pathlib import Path
from typing import BinaryIO

from cryptography.cobblestone import Cobblestone256Encryptor
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from retention_agent import __version__
from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_
from retention_agent.vault import files, sealed
from retention_agent.vault.keyfile import DEFAULT_SCRYPT
from retention_agent.vault.recovery_code import ALPHABET
from retention_agent.vault.recovery_file import FILE_NAME as RECOVERY_FILE
from retention_agent.vault.vault import Vault

MAGIC = b"RATB"
VERSION = 1
BY_CODE = 1
BY_PASSPHRASE = 2
TOPIC = "transfer"
SUFFIX = ".bundle"
PREFIX = struct.Struct(">4sBBBBB16s16s")  # magic, version, protection, n, r, p, salt, id
NONCE, TAG = 12, 16
HEADER_SIZE = PREFIX.size + NONCE + TAG
CHUNK = 1 << 20
CHECK_LABEL = b"retention-agent/v1/transfer-check|"


class WrongTransferSecret(RetentionError):
    message = N_(
        "That recovery code or passphrase does not open this transfer file. Nothing was "
        "changed; check it and try again."
    )
    exit_code = ExitCode.KEY


class DamagedBundle(RetentionError):
    message = N_(
        "The transfer file is damaged or incomplete (was it copied whole?). Nothing was "
        "changed on this laptop; make a new one on the old laptop."
    )
    exit_code = ExitCode.INTEGRITY


class WrongConfirmation(RetentionError):
    message = N_(
        "That is not the confirmation the new laptop printed after its import. Nothing "
        "was deleted here."
    )
    exit_code = ExitCode.INPUT


def secret_key(secret: str, salt: bytes, scrypt: tuple[int, int, int]) -> bytes:
    log2_n, r, p = scrypt
    data = unicodedata.normalize("NFC", secret).encode()
    return Scrypt(salt=salt, length=32, n=1 << log2_n, r=r, p=p).derive(data)


def confirmation(bundle_key: bytes) -> str:
    digest = hmac.new(bundle_key, b"retention-agent/v1/transfer-confirmation", hashlib.sha256)
    value = int.from_bytes(digest.digest()[:5])
    symbols = "".join(ALPHABET[(value >> (5 * shift)) & 31] for shift in reversed(range(8)))
    return f"{symbols[:4]}-{symbols[4:]}"


def stream_context(raw_header: bytes) -> bytes:
    return b"retention-agent/v1/transfer|" + raw_header


def stream_key(bundle_key: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"retention-agent/v1/transfer-stream"
    ).derive(bundle_key)


# --- export --------------------------------------------------------------------------


class _Encrypting:
    """What tarfile writes to: encrypted on the way to ``out``."""

    def __init__(self, out: BinaryIO, encryptor: Cobblestone256Encryptor) -> None:
        self._out, self._encryptor = out, encryptor

    def write(self, data: bytes) -> int:
        self._out.write(self._encryptor.update(data))
        return len(data)

    def finish(self) -> None:
        self._out.write(self._encryptor.finalize())


def export_bundle(
    vault: Vault, folder: Path, secret: str, protection: int, now: dt.datetime
) -> tuple[Path, str]:
    """Write the bundle into ``folder``; returns its path and the confirmation the new
    laptop will print, which is kept sealed here."""
    salt = os.urandom(16)
    raw = PREFIX.pack(MAGIC, VERSION, protection, *DEFAULT_SCRYPT, salt, bytes.fromhex(vault.id))
    key = secret_key(secret, salt, (DEFAULT_SCRYPT.log2_n, DEFAULT_SCRYPT.r, DEFAULT_SCRYPT.p))
    check_nonce = os.urandom(NONCE)
    check = AESGCM(key).encrypt(check_nonce, b"", CHECK_LABEL + raw)
    blobs = sorted(vault.blobs.iterdir())
    files.ensure_free_space(folder, sum(blob.stat().st_size for blob in blobs) + (64 << 20))
    target = _free_name(folder, now.date())
    part = target.with_name(target.name + ".part")
    snapshot = vault.tmp / "transfer-index.db"
    try:
        _snapshot(vault, snapshot)
        with files.open_private_new(part) as out:
            out.write(raw + check_nonce + check)
            sink = _Encrypting(
                out,
                Cobblestone256Encryptor(stream_key(key), stream_context(raw)),
            )
            with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                manifest = {
                    "format": VERSION,
                    "vault_id": vault.id,
                    "made": now.date().isoformat(),
                    "epoch": vault.epoch,
                    "blobs": len(blobs),
                    "program_version": __version__,
                }
                _add_bytes(tar, "manifest.json", json.dumps(manifest).encode())
                kek = vault.store.load(vault.epoch)
                _add_bytes(tar, "keks.json", json.dumps({str(vault.epoch): kek.hex()}).encode())
                tar.add(snapshot, arcname="index.db", recursive=False)
                if (vault.home / RECOVERY_FILE).is_file():
                    tar.add(vault.home / RECOVERY_FILE, arcname="recovery.key", recursive=False)
                for blob in blobs:
                    tar.add(blob, arcname=f"blobs/{blob.name}", recursive=False)
            sink.finish()
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, target)
        files.fsync_dir(folder)
    except BaseException as error:
        files.remove_quietly(part)
        if isinstance(error, OSError) and files.is_disk_full(error):
            raise files.disk_full(folder, 0) from None
        raise
    finally:
        files.remove_quietly(snapshot)
    confirm = confirmation(key)
    sealed.add(vault, TOPIC, {"made": now.isoformat(), "confirmation": confirm}, now)
    return target, confirm


def _snapshot(vault: Vault, path: Path) -> None:
    files.remove_quietly(path)
    copy = sqlite3.connect(path)
    try:
        vault.db.backup(copy)
    finally:
        copy.close()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _free_name(folder: Path, day: dt.date) -> Path:
    base = f"retention-transfer-{day.isoformat()}"
    candidate, number = folder / f"{base}{SUFFIX}", 1
    while candidate.exists() or candidate.with_name(candidate.name + ".part").exists():
        number += 1
        candidate = folder / f"{base}-{number}{SUFFIX}"
    return candidate


def is_confirmed(vault: Vault, typed: str) -> bool:
    """Whether ``typed`` is the confirmation of a bundle made from this vault."""
    wanted = typed.strip().upper().replace(" ", "").replace("-", "")
    for record in sealed.find(vault, TOPIC):
        known = str(record.value["confirmation"]).replace("-", "")
        if hmac.compare_digest(wanted.encode(), known.encode()):
            return True
    return False


def require_confirmation(vault: Vault, typed: str) -> None:
    if not is_confirmed(vault, typed):
        raise WrongConfirmation()
