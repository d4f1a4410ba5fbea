"""Deletion receipts: an append-only log in the index, hash-chained so that removing or
editing an earlier receipt is evident.

A receipt body is canonical JSON (sorted keys, no spaces) with no personal data: the case
id (never the alias), dates, rule ids, the policy version, counts and bytes per kind and
the method. ``hash = SHA-256(prev_hash | body)``; the first receipt's ``prev_hash`` is
64 zeros.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from retention_agent.vault import rows

if TYPE_CHECKING:
    from retention_agent.vault.vault import Vault

GENESIS = "0" * 64


@dataclass(frozen=True)
class Receipt:
    seq: int
    body: dict[str, Any]
    prev_hash: str
    hash: str


def canonical(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, body_text: str) -> str:
    return hashlib.sha256(f"{prev_hash}|{body_text}".encode()).hexdigest()


def append(vault: Vault, body: dict[str, Any]) -> Receipt:
    """Add a receipt; call inside the transaction that makes its event final."""
    last = vault.db.execute("SELECT seq, hash FROM receipts ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (1, GENESIS) if last is None else (last["seq"] + 1, last["hash"])
    text = canonical(body)
    digest = chain_hash(prev, text)
    rows.insert(vault, "receipts", {"seq": seq, "body": text, "prev_hash": prev, "hash": digest})
    return Receipt(seq, body, prev, digest)


def all_receipts(db: sqlite3.Connection) -> list[Receipt]:
    return [
        Receipt(row["seq"], json.loads(row["body"]), row["prev_hash"], row["hash"])
        for row in db.execute("SELECT * FROM receipts ORDER BY seq")
    ]


def first_broken(db: sqlite3.Connection) -> int | None:
    """The sequence number of the first receipt that does not chain, or None if intact."""
    expected_prev, expected_seq = GENESIS, 1
    for row in db.execute("SELECT * FROM receipts ORDER BY seq"):
        digest = chain_hash(row["prev_hash"], row["body"])
        if (
            row["seq"] != expected_seq
            or not hmac.compare_digest(row["prev_hash"], expected_prev)
            or not hmac.compare_digest(row["hash"], digest)
        ):
            return int(row["seq"])
        expected_prev, expected_seq = row["hash"], expected_seq + 1
    return None


# --- anchoring the log outside the vault --------------------------------------------------

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ANCHOR_BYTES = 10  # 80 bits of the hash: far beyond guessing, short enough to copy by hand


def anchor(receipt: Receipt) -> str:
    """``12-K7QF-2MZD-9XWA-3TPH``: the receipt's number and the start of its hash in
    Crockford base32 (no I, L, O, U: nothing to misread). Given to someone outside the
    vault (the family's Red Barnet contact person), it lets anyone check later that no
    receipt up to that one was changed or removed (:func:`check_anchor`)."""
    bits = int.from_bytes(bytes.fromhex(receipt.hash)[:ANCHOR_BYTES], "big")
    symbols = "".join(_CROCKFORD[(bits >> shift) & 31] for shift in range(75, -1, -5))
    groups = "-".join(symbols[i : i + 4] for i in range(0, len(symbols), 4))
    return f"{receipt.seq}-{groups}"


def parse_anchor(code: str) -> tuple[int, str] | None:
    """(receipt number, normalised code) of what a person typed, or None."""
    seq, _, rest = code.strip().upper().partition("-")
    symbols = rest.replace("-", "").replace(" ", "")
    symbols = symbols.replace("O", "0").replace("I", "1").replace("L", "1")
    if not seq.isdigit() or len(symbols) != 16 or any(c not in _CROCKFORD for c in symbols):
        return None
    return int(seq), symbols


def check_anchor(db: sqlite3.Connection, code: str) -> bool:
    """Whether the receipt the code names is still there with the same hash (and, the
    chain being intact up to it, every receipt before it)."""
    parsed = parse_anchor(code)
    if parsed is None:
        return False
    seq, symbols = parsed
    log = {r.seq: r for r in all_receipts(db)}
    if seq not in log:
        return False
    broken = first_broken(db)
    matches = anchor(log[seq]).split("-", 1)[1].replace("-", "") == symbols
    return matches and (broken is None or broken > seq)
