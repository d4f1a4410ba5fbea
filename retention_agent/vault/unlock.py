"""Finding the vault's key-encryption key (KEK): the epoch the index names, checked
against the key store and the wrapped keys themselves, so that one damaged row cannot
lock the family out.

- The epoch in ``meta`` may be damaged: the epoch most wrapped keys carry is tried too.
- The check key (``vault:check``, a random key that exists only to be unwrapped) may be
  damaged: any other of the vault's keys that unwraps proves the KEK right, and the
  check key is replaced by the next command that may write (``repair``).
- A store that holds only *newer* KEKs than the index names means the index is older
  than its key: restored from a backup or rolled back. That is said as such.
"""

from __future__ import annotations

import sqlite3
from collections import Counter

from retention_agent.errors import ExitCode, RetentionError, WrongKey
from retention_agent.i18n import N_
from retention_agent.vault import crypto, index
from retention_agent.vault.keystore import KekStore, KeyMissing

CHECK_KEY_ID = "vault:check"
# How far beyond the index's epoch to look for newer KEKs (each deletion adds one).
LOOKAHEAD = 64
# Keys tried to prove a KEK right when the check key does not open.
_PROOFS = 8


class IndexRolledBack(RetentionError):
    message = N_(
        "The vault index is older than its key: it was restored from a backup or "
        "changed back. What it holds can no longer be decrypted, which is what deletion "
        "means. Nothing was changed; ask for help."
    )
    exit_code = ExitCode.INTEGRITY


def kek(db: sqlite3.Connection, store: KekStore, vault_id: str) -> tuple[int, bytes]:
    """(epoch, KEK) that opens this vault's keys."""
    candidates = _candidate_epochs(db)
    loaded_but_wrong = False
    for epoch in candidates:
        try:
            key = store.load(epoch)
        except KeyMissing:
            continue
        if opens(db, key, vault_id):
            return epoch, key
        loaded_but_wrong = True
    if loaded_but_wrong:
        raise WrongKey()
    newest = max(candidates, default=0)
    if store.epochs_present(range(newest + 1, newest + LOOKAHEAD)):
        raise IndexRolledBack()
    raise KeyMissing(epoch=candidates[0] if candidates else 0)


def opens(db: sqlite3.Connection, key: bytes, vault_id: str) -> bool:
    """Whether ``key`` unwraps the check key or, that row being damaged, another one."""
    rows = db.execute(
        "SELECT id, wrapped, epoch FROM keys ORDER BY id = ? DESC, id LIMIT ?",
        (CHECK_KEY_ID, _PROOFS),
    ).fetchall()
    for row in rows:
        try:
            crypto.unwrap_key(key, row["wrapped"], vault_id, row["id"], row["epoch"])
        except crypto.TamperedError:
            continue
        return True
    return False


def check_key_damaged(db: sqlite3.Connection, key: bytes, vault_id: str) -> bool:
    row = db.execute("SELECT wrapped, epoch FROM keys WHERE id = ?", (CHECK_KEY_ID,)).fetchone()
    if row is None:
        return True
    try:
        crypto.unwrap_key(key, row["wrapped"], vault_id, CHECK_KEY_ID, row["epoch"])
    except crypto.TamperedError:
        return True
    return False


def _candidate_epochs(db: sqlite3.Connection) -> list[int]:
    """The index's epoch, then the one most wrapped keys carry (if they differ)."""
    found: list[int] = []
    named = index.get_meta(db, "kek_epoch")
    if named is not None and named.isdigit():
        found.append(int(named))
    counted = Counter(row[0] for row in db.execute("SELECT epoch FROM keys"))
    found += [epoch for epoch, _ in counted.most_common(3) if epoch not in found]
    return found
