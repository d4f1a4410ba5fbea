"""``init``: the vault, its recovery code (printed once) and, if the person at the terminal
wants to, their Red Barnet contact person."""

from __future__ import annotations

import sys

import click

from retention_agent import contact_person
from retention_agent.cli.common import TranslatedCommand, common_options, now, option
from retention_agent.cli.recovery_cmds import echo_code
from retention_agent.cli.session import create_vault
from retention_agent.cli.texts import backups_text, finality_text
from retention_agent.contact_person import ContactPerson
from retention_agent.errors import RetentionError
from retention_agent.i18n import _
from retention_agent.names import shown
from retention_agent.paths import vault_home
from retention_agent.scan import sync_warnings
from retention_agent.vault import finality, rescue
from retention_agent.vault.vault import Vault


@click.command(cls=TranslatedCommand)
@option(
    "--allow-synced",
    is_flag=True,
    help="Create the vault even in a folder a cloud service synchronises (not advised).",
)
@common_options
def init(allow_synced: bool) -> None:
    """Create the encrypted vault (once per laptop).

    The key goes into the operating system's keyring; where there is none, into a key
    file protected by a passphrase (RETENTION_PASSPHRASE, or asked for). A recovery code
    is printed once: write it on paper, it opens the vault if the passphrase is
    forgotten or the keyring is lost. In a terminal you are then asked for your Red
    Barnet contact person (optional). A folder that a cloud service (OneDrive, Dropbox,
    iCloud, ...) synchronises is refused unless --allow-synced is given.

    \b
    Example:
        retention init
    """
    if not allow_synced:
        sync_warnings.refuse_synced_vault(vault_home())
    with create_vault(now()) as vault:
        click.echo(_("Vault created in {path}.").format(path=shown(str(vault.home))))
        click.echo(_("The key is kept in: {backend}.").format(backend=vault.store.describe()))
        click.echo(finality_text(finality.assess(vault.home, vault.store.kind)))
        click.echo(backups_text())
        echo_code(rescue.issue_code(vault))
        if sys.stdin is not None and sys.stdin.isatty():
            _ask_for_contact_person(vault)


def _ask_for_contact_person(vault: Vault) -> None:
    """Optional: an empty name skips it; a detail that does not look right is asked again."""
    click.echo("")
    click.echo(
        _(
            "Who is your Red Barnet contact person? The program shows their details where "
            "the rules send you to them. Press Enter to skip (later: 'retention "
            "contact-person set')."
        )
    )
    name = click.prompt(_("Name"), default="", show_default=False).strip()
    if not name:
        return
    while True:
        phone = click.prompt(_("Phone (Enter to skip)"), default="", show_default=False)
        email = click.prompt(_("E-mail (Enter to skip)"), default="", show_default=False)
        try:
            person = ContactPerson.checked(name, phone or None, email or None)
        except RetentionError as error:
            click.echo(error.user_text())
            continue
        contact_person.set_person(vault, person, now())
        click.echo(
            _("Recorded: your Red Barnet contact person is {name}.").format(name=person.name)
        )
        return
