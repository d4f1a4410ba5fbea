"""The recovery code: a random secret a person copies onto paper at ``retention init``,
which opens the vault's key when the passphrase is forgotten or the OS keyring is lost.

Format: 26 symbols of Crockford's base32 (``0-9 A-Z`` without ``I L O U``), 130 random
bits, then 2 check symbols (the first 10 bits of SHA-256 over a label and the 26
symbols), shown as 7 groups of 4 joined by hyphens::

    7K3M-Q2XA-9D4F-HV6T-1CNB-PW8R-E5GZ

Reading is forgiving as Crockford's alphabet intends: case, spaces and hyphens do not
matter, ``O`` reads as ``0`` and ``I``/``L`` as ``1``. A typo is caught by the check
symbols (a mistyped code passes them with odds of 1 in 1024) and said as such, before
any key derivation.

The secret the key derivation gets is the 26 symbols in canonical form (upper case, no
hyphens): scrypt with the parameters stored in the recovery file (see
``recovery_file``), 32 bytes, used as an X25519 private key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_SYMBOLS = 26  # 130 bits
CHECK_SYMBOLS = 2  # 10 bits
GROUP = 4
_READS_AS = {"O": "0", "I": "1", "L": "1"}
_CHECK_LABEL = b"retention-agent/v1/recovery-code-check|"


class RecoveryCodeMistyped(RetentionError):
    message = N_(
        "That is not a recovery code as it was printed: check every group of four "
        "(letters and digits, 28 in all) and try again."
    )
    exit_code = ExitCode.INPUT


@dataclass(frozen=True)
class RecoveryCode:
    """The 26 data symbols, canonical (upper case, no hyphens)."""

    symbols: str

    @classmethod
    def generate(cls) -> RecoveryCode:
        value = secrets.randbits(5 * DATA_SYMBOLS)
        symbols = "".join(
            ALPHABET[(value >> (5 * shift)) & 31] for shift in reversed(range(DATA_SYMBOLS))
        )
        return cls(symbols)

    @classmethod
    def parse(cls, typed: str) -> RecoveryCode:
        """The code a person typed, or :class:`RecoveryCodeMistyped`."""
        cleaned = "".join(
            _READS_AS.get(char, char) for char in typed.upper() if char not in " -\t\n"
        )
        if len(cleaned) != DATA_SYMBOLS + CHECK_SYMBOLS or not set(cleaned) <= set(ALPHABET):
            raise RecoveryCodeMistyped()
        symbols, check = cleaned[:DATA_SYMBOLS], cleaned[DATA_SYMBOLS:]
        if not hmac.compare_digest(check, _check(symbols)):
            raise RecoveryCodeMistyped()
        return cls(symbols)

    def printed(self) -> str:
        """The code as a person copies it: 7 groups of 4."""
        whole = self.symbols + _check(self.symbols)
        return "-".join(whole[start : start + GROUP] for start in range(0, len(whole), GROUP))

    def private_key(self, salt: bytes, log2_n: int, r: int, p: int) -> X25519PrivateKey:
        kdf = Scrypt(salt=salt, length=32, n=1 << log2_n, r=r, p=p)
        return X25519PrivateKey.from_private_bytes(kdf.derive(self.symbols.encode("ascii")))

    def __repr__(self) -> str:
        return "RecoveryCode(…)"  # never in a traceback or a log


def _check(symbols: str) -> str:
    digest = hashlib.sha256(_CHECK_LABEL + symbols.encode("ascii")).digest()
    bits = int.from_bytes(digest[:2]) >> 6
    return ALPHABET[bits >> 5] + ALPHABET[bits & 31]
