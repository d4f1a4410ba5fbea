"""``recovery new|use``: the recovery code that opens the vault when the passphrase is
forgotten or the OS keyring was lost."""

from __future__ import annotations

import os
import sys

import click

from retention_agent.cli.common import TranslatedGroup, common_options
from retention_agent.cli.session import open_vault, passphrase_source
from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_, _
from retention_agent.paths import vault_home
from retention_agent.vault import rescue
from retention_agent.vault.recovery_code import RecoveryCode
from retention_agent.vault.vault import Vault

CODE_ENV = "RETENTION_RECOVERY_CODE"


class RecoveryCodeNeeded(RetentionError):
    message = N_(
        "The recovery code is needed: run the command in a terminal to type it, "
        "or set RETENTION_RECOVERY_CODE."
    )
    exit_code = ExitCode.KEY


@click.group(cls=TranslatedGroup)
@common_options
def recovery() -> None:
    """The recovery code: the way back in when the passphrase is forgotten or the
    computer's keyring was lost.

    \b
    Example:
        retention recovery use
        retention recovery new
    """


@recovery.command("new")
@common_options
def recovery_new() -> None:
    """Make a new recovery code; the old one stops working.

    Use it when the paper with the code is lost or someone else may have seen it.

    \b
    Example:
        retention recovery new
    """
    with open_vault() as vault:
        code = rescue.issue_code(vault)
    echo_code(code)
    click.echo(_("The old recovery code no longer opens anything; destroy the paper it is on."))


@recovery.command("use")
@common_options
def recovery_use() -> None:
    """Open the vault with the recovery code and give it a new key store.

    For a forgotten passphrase or a keyring lost in a reinstall. The key then goes into
    this computer's keyring, or, where there is none, into a new key file under a new
    passphrase (asked for twice, or RETENTION_NEW_PASSPHRASE). The code is read from
    RETENTION_RECOVERY_CODE or asked for.

    \b
    Example:
        retention recovery use
    """
    code = RecoveryCode.parse(read_code())
    home = vault_home()
    store = rescue.use_code(home, code, passphrase_source())
    with Vault.open(home, passphrase_source(), store=store) as vault:
        where = vault.store.describe()
    click.echo(_("The vault opens again. Its key is now kept in: {backend}.").format(backend=where))
    click.echo(
        _(
            "Your recovery code still works. If someone else may have seen it, make a new "
            "one with 'retention recovery new'."
        )
    )


def read_code() -> str:
    typed = os.environ.get(CODE_ENV)
    if typed:
        return typed
    if sys.stdin is None or not sys.stdin.isatty():
        raise RecoveryCodeNeeded()
    return str(click.prompt(_("Recovery code (the groups of four from the paper)"), err=True))


def echo_code(code: RecoveryCode) -> None:
    """The code as a person copies it onto paper, with what it is for; shown only once."""
    click.echo("")
    click.echo(_("Your recovery code. Write it on paper and keep it away from this laptop:"))
    click.echo("")
    click.echo(f"    {code.printed()}")
    click.echo("")
    click.echo(
        _(
            "It opens the vault if the passphrase is forgotten or the keyring is lost "
            "('retention recovery use'), and it opens a transfer to a new laptop. It is not "
            "shown again; 'retention recovery new' makes a new one."
        )
    )
