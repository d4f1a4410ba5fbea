"""``transfer export|import|done``: moving the vault to a new laptop, then deleting the old
laptop's copy like everything else."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from retention_agent import finish as ending
from retention_agent.cli.common import TranslatedGroup, common_options, now, option
from retention_agent.cli.finish_cmd import report_summary, stop_the_agent
from retention_agent.cli.recovery_cmds import read_code
from retention_agent.cli.session import open_vault, passphrase_source
from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_, _
from retention_agent.names import shown
from retention_agent.paths import vault_home
from retention_agent.vault import files
from retention_agent.vault import transfer as moving
from retention_agent.vault import transfer_import as arriving
from retention_agent.vault.keystore import check_strength
from retention_agent.vault.recovery_code import RecoveryCode
from retention_agent.vault.recovery_file import FILE_NAME, RecoveryFile

PASSPHRASE_ENV = "RETENTION_TRANSFER_PASSPHRASE"  # noqa: S105 - a variable name


class TransferPassphraseNeeded(RetentionError):
    message = N_(
        "The transfer file's passphrase is needed: run the command in a terminal, or set "
        "RETENTION_TRANSFER_PASSPHRASE."
    )
    exit_code = ExitCode.KEY


class NoRecoveryCodeToProtect(RetentionError):
    message = N_(
        "This vault has no recovery code to protect the transfer file with. Add "
        "--passphrase to choose a passphrase for it, or make a code with 'retention "
        "recovery new'."
    )
    exit_code = ExitCode.REFUSED


@click.group(cls=TranslatedGroup)
@common_options
def transfer() -> None:
    """Move the vault to a new laptop: one encrypted file, then the old copy is deleted.

    \b
    Example:
        retention transfer export --to /media/usb
        retention transfer import /media/usb/retention-transfer-2027-03-01.bundle
        retention transfer done --code 7K3M-Q2XA
    """


@transfer.command("export")
@option(
    "--to",
    "folder",
    required=True,
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="The folder for the transfer file, e.g. a USB stick.",
)
@option(
    "--passphrase",
    "use_passphrase",
    is_flag=True,
    help="Protect the file with a new passphrase instead of the recovery code.",
)
@common_options
def transfer_export(folder: Path, use_passphrase: bool) -> None:
    """Write the whole vault into one encrypted file for the new laptop.

    The file is protected by the recovery code (asked for, or RETENTION_RECOVERY_CODE),
    or with --passphrase by a passphrase chosen now (typed twice, or
    RETENTION_TRANSFER_PASSPHRASE). Nothing is deleted here until the new laptop has
    opened it and you type its confirmation into 'retention transfer done'.

    \b
    Example:
        retention transfer export --to /media/usb
    """
    moment = now()
    with open_vault() as vault:
        if use_passphrase:
            secret, protection = _new_passphrase(), moving.BY_PASSPHRASE
        else:
            if not (vault.home / FILE_NAME).is_file():
                raise NoRecoveryCodeToProtect()
            code = RecoveryCode.parse(read_code())
            RecoveryFile(vault.home / FILE_NAME, vault.id).open(code)  # the current code?
            secret, protection = code.symbols, moving.BY_CODE
        path = moving.export_bundle(vault, folder, secret, protection, moment)[0]
    click.echo(_("The vault is written to {path}.").format(path=shown(str(path))))
    click.echo(
        _(
            "On the new laptop, install the program and run 'retention transfer import' with "
            "this file. It prints a confirmation; type it here with 'retention transfer done "
            "--code …' and this laptop's copy is deleted. Until then nothing here changes."
        )
    )


def _new_passphrase() -> str:
    typed = os.environ.get(PASSPHRASE_ENV)
    if typed:
        return check_strength(typed)
    if not interactive():
        raise TransferPassphraseNeeded()
    first = click.prompt(
        _("Choose a passphrase for the transfer file (12 characters or four words)"),
        hide_input=True,
        confirmation_prompt=_("Type the same passphrase again"),
        err=True,
    )
    return check_strength(str(first))


def interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


@transfer.command("import")
@click.argument("bundle", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@option("--keep-file", is_flag=True, help="Keep the transfer file afterwards.")
@common_options
def transfer_import(bundle: Path, keep_file: bool) -> None:
    """Open a transfer file on the new laptop: the vault is set up here, all or nothing.

    The key goes into this computer's keyring, or into a key file under a new
    passphrase. Afterwards the transfer file is overwritten and removed (unless
    --keep-file), and a confirmation is printed for the old laptop.

    \b
    Example:
        retention transfer import /media/usb/retention-transfer-2027-03-01.bundle
    """
    home = vault_home()

    def secret(header: arriving.Header) -> str:
        if header.protection == moving.BY_CODE:
            return RecoveryCode.parse(read_code()).symbols
        typed = os.environ.get(PASSPHRASE_ENV)
        if typed:
            return typed
        if not interactive():
            raise TransferPassphraseNeeded()
        return str(click.prompt(_("The transfer file's passphrase"), hide_input=True, err=True))

    done = arriving.import_bundle(bundle, home, secret, passphrase_source(), now())
    click.echo(_("The vault is now on this laptop, in {path}.").format(path=shown(str(home))))
    click.echo(_("Its key is kept in: {backend}.").format(backend=done.store.describe()))
    if not keep_file:
        files.overwrite_and_unlink(bundle)
        click.echo(_("The transfer file was overwritten and removed."))
    click.echo("")
    click.echo(
        _(
            "On the old laptop, run 'retention transfer done --code {code}': its copy of the "
            "vault is then deleted."
        ).format(code=done.confirmation)
    )


@transfer.command("done")
@option("--code", required=True, help="The confirmation the new laptop printed.")
@option("--yes", is_flag=True, help="Do not ask before deleting this laptop's copy.")
@common_options
def transfer_done(code: str, yes: bool) -> None:
    """On the old laptop: delete its copy of the vault once the new laptop has it.

    Every item is deleted with a receipt, then the vault, its key, the recovery file,
    the tombstones and the contact person, as 'retention finish' does; a last summary
    of the receipts is printed.

    \b
    Example:
        retention transfer done --code 7K3M-Q2XA
    """
    moment = now()
    with open_vault() as vault:
        moving.require_confirmation(vault, code)
        if not yes and not (
            interactive()
            and click.confirm(_("The new laptop has the vault. Delete this laptop's copy?"))
        ):
            raise ending.FinishNotConfirmed()
        stop_the_agent(vault.home)
        last = ending.finish(vault, moment, ending.TRANSFERRED)
    click.echo(_("The vault now lives on the new laptop; this laptop's copy is deleted."))
    report_summary(last, as_json=False)
