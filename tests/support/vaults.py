"""Helpers shared by the vault tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from retention_agent.policy.loader import default_policy
from retention_agent.vault.cases import new_case
from retention_agent.vault.keystore import PassphraseSource
from retention_agent.vault.vault import Vault

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
# In-process tests keep the KEK in the in-memory keyring; no passphrase is asked for.
PASSPHRASE = PassphraseSource()


def add_case(vault: Vault, alias: str = "Barn A", start: dt.date = dt.date(2026, 3, 1)) -> str:
    policy = default_policy()
    return new_case(
        vault,
        alias=alias,
        start=start,
        policy_id=policy.id,
        policy_version=policy.version,
        policy_text=policy.text,
        now=NOW,
    )


def all_bytes_under(folder: Path) -> bytes:
    """Every byte of every file below ``folder``, to search for leaked plaintext."""
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())
