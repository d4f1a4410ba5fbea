"""Opening the vault from the command line: where it is and how to ask for a passphrase.

The person at the terminal types it. A command started without any terminal (the
tray's "Export photos", a menu entry, a file manager) asks through the same small dialog
the agent uses, where there is a display: such a family has no terminal to type into,
and the dialog is the one they already know from the agent. A command run in a
terminal with its input redirected never opens a window behind a script's back.
"""

from __future__ import annotations

import datetime as dt
import os
import sys

import click

from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_
from retention_agent.paths import vault_home
from retention_agent.vault.keystore import PassphraseNeeded, PassphraseSource
from retention_agent.vault.vault import Vault


class PassphraseNotGiven(RetentionError):
    message = N_("No passphrase was typed, so the vault was not opened. Nothing was changed.")
    exit_code = ExitCode.INTERRUPTED


def _prompt(text: str) -> str:
    return str(click.prompt(text, hide_input=True, err=True))


def _dialog(text: str) -> str:
    """The passphrase from the dialog process (its answer comes through a pipe)."""
    from retention_agent.desktop import passphrase

    try:
        answer = passphrase.in_own_process(text)
    except passphrase.NoDialog:
        raise PassphraseNeeded() from None
    if answer is None:
        raise PassphraseNotGiven()
    return answer


def has_terminal() -> bool:
    """Whether this process belongs to a terminal session, even with its input
    redirected (POSIX: its controlling terminal opens)."""
    if sys.stdin is not None and sys.stdin.isatty():
        return True
    if os.name != "posix":
        return False
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def passphrase_source() -> PassphraseSource:
    if sys.stdin is not None and sys.stdin.isatty():
        return PassphraseSource(_prompt)
    if not has_terminal():
        from retention_agent.desktop.passphrase import possible

        if possible():
            return PassphraseSource(_dialog)
    return PassphraseSource(None)


def open_vault(*, read_only: bool = False, untouched: bool = False) -> Vault:
    """The vault; ``read_only`` for commands that only look: they never wait behind a
    command that is writing and work on a read-only disk; ``untouched`` to see it exactly
    as it is, nothing repaired (see ``Vault.open``)."""
    return Vault.open(
        vault_home(), passphrase_source(), read_only=read_only or untouched, untouched=untouched
    )


def create_vault(now: dt.datetime) -> Vault:
    return Vault.init(vault_home(), passphrase_source(), now)
