"""Opening the vault from the command line: where it is and how to ask for a passphrase."""

from __future__ import annotations

import datetime as dt

import click

from retention_agent.paths import vault_home
from retention_agent.vault.keystore import PassphraseSource
from retention_agent.vault.vault import Vault


def _prompt(text: str) -> str:
    return str(click.prompt(text, hide_input=True, err=True))


def passphrase_source() -> PassphraseSource:
    return PassphraseSource.from_terminal(_prompt)


def open_vault(*, read_only: bool = False, untouched: bool = False) -> Vault:
    """The vault; ``read_only`` for commands that only look: they never wait behind a
    command that is writing and work on a read-only disk; ``untouched`` to see it exactly
    as it is, nothing repaired (see ``Vault.open``)."""
    return Vault.open(
        vault_home(), passphrase_source(), read_only=read_only or untouched, untouched=untouched
    )


def create_vault(now: dt.datetime) -> Vault:
    return Vault.init(vault_home(), passphrase_source(), now)
