"""``passphrase change``: the key file's passphrase (vaults without an OS keyring)."""

from __future__ import annotations

import click

from retention_agent.cli.common import TranslatedGroup, common_options
from retention_agent.cli.session import open_vault, passphrase_source
from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_, _
from retention_agent.vault import filesystems
from retention_agent.vault.keyfile import KeyFileStore


class NoPassphrase(RetentionError):
    message = N_(
        "This vault keeps its key in the computer's keyring, which your login protects; "
        "there is no passphrase to change."
    )
    exit_code = ExitCode.REFUSED


@click.group(cls=TranslatedGroup)
@common_options
def passphrase() -> None:
    """The passphrase that protects the vault's key file (where there is no OS keyring).

    \b
    Example:
        retention passphrase change
    """


@passphrase.command("change")
@common_options
def passphrase_change() -> None:
    """Choose a new passphrase for the vault's key file.

    The current passphrase is asked for first (or RETENTION_PASSPHRASE), then the new
    one twice (or RETENTION_NEW_PASSPHRASE). The key file is written anew under the new
    passphrase with a new salt; the old file is overwritten where the disk allows it.

    \b
    Example:
        retention passphrase change
    """
    with open_vault() as vault:
        store = vault.store
        if not isinstance(store, KeyFileStore):
            raise NoPassphrase()
        store.change_passphrase(passphrase_source().new())
        in_place = filesystems.detect(vault.home).overwrite_reaches_old_blocks
    click.echo(_("The passphrase is changed; from now on only the new one opens the vault."))
    if not in_place:
        click.echo(
            _(
                "On this kind of disk the old key file could not be overwritten: a "
                "specialist with the old passphrase might still find its old copy."
            )
        )
