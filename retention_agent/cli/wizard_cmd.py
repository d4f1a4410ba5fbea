"""``retention wizard``: the photo-export wizard in the browser (R2b)."""

from __future__ import annotations

import click

from retention_agent.cli.common import TranslatedCommand, common_options, now, option
from retention_agent.cli.session import passphrase_source
from retention_agent.i18n import _
from retention_agent.paths import vault_home
from retention_agent.vault.vault import Vault


@click.command(cls=TranslatedCommand)
@option("--case", "case_id", help="The case whose photos to offer (default: choose in the wizard).")
@option("--no-browser", is_flag=True, help="Do not open a browser; print the address instead.")
@common_options
def wizard(case_id: str | None, no_browser: bool) -> None:
    """Offer a case's photos to the child's family, step by step, in your browser.

    The wizard runs on this computer only (127.0.0.1), in Danish or English. It stops
    when you finish, or after 30 minutes without use.

    \b
    Example:
        retention wizard --case 4f2a9b
        retention wizard --no-browser
    """
    from platformdirs import user_desktop_path

    from retention_agent import i18n
    from retention_agent.vault.cases import require_case
    from retention_agent.wizard.server import open_browser, start
    from retention_agent.wizard.session import VaultAccess

    now()  # says so when RETENTION_NOW sets "today"
    home, passphrase = vault_home(), passphrase_source()
    # Asks for a passphrase now, if one is needed; the pages reuse the unlocked key store.
    with Vault.open(home, passphrase, read_only=True) as vault:
        if case_id is not None:
            require_case(vault, case_id)
        store = vault.store
    desktop = user_desktop_path()
    given = click.get_current_context().meta.get("lang")
    # The wizard is for Danish families: Danish unless --lang asks for English.
    language: i18n.Language = "en" if given == "en" else "da"
    running = start(
        VaultAccess(home, passphrase, store),
        language=language,
        case_id=case_id,
        default_destination=desktop if desktop.is_dir() else desktop.parent,
    )
    if no_browser or not open_browser(running.url):
        click.echo(_("Open this address in your browser (it works once):"))
    else:
        click.echo(_("The wizard is open in your browser. If it is not, open this address:"))
    click.echo(running.url, nl=True)
    ending = running.wait()
    i18n.set_language(language if given else None)  # the pages switched it
    if ending == "idle":
        click.echo(_("The wizard stopped after 30 minutes without use."))
    else:
        click.echo(_("The wizard is closed."))
