"""The ``retention`` command: a thin click layer over the vault and the policy engine.

Commands live in one module per theme; this module builds the group and owns the only
error handler, which prints one translated line and exits with the error's code.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import sys
from collections.abc import Sequence
from typing import Any

import click

from retention_agent import i18n
from retention_agent.cli.common import TranslatedGroup, requested_language, root_options
from retention_agent.cli.debugging import redacted_traceback
from retention_agent.errors import ExitCode, OsRefused, RetentionError, Unexpected, from_os_error
from retention_agent.i18n import _
from retention_agent.vault import index

i18n.translate_click()

# Every subcommand, in the order a person meets them: "module:attribute" in cli/.
COMMANDS = {
    "init": "init_cmd:init",
    "case": "case_cmds:case",
    "add": "item_cmds:add",
    "import": "import_cmd:import_command",
    "contact": "item_cmds:contact",
    "list": "item_cmds:list_command",
    "open": "item_cmds:open_item",
    "status": "status_cmd:status",
    "plan": "retention_cmds:plan",
    "apply": "retention_cmds:apply",
    "remove": "retention_cmds:remove",
    "receipts": "receipts_cmd:receipts",
    "hold": "retention_cmds:hold",
    "release": "retention_cmds:release",
    "checklist": "retention_cmds:checklist",
    "export": "export_cmd:export",
    "wizard": "wizard_cmd:wizard",
    "scan": "scan_cmd:scan_command",
    "verify": "verify_cmd:verify_command",
    "passphrase": "key_cmds:passphrase",
    "agent": "agent_cmds:agent",
    "recovery": "recovery_cmds:recovery",
    "contact-person": "contact_person_cmds:contact_person_group",
    "transfer": "transfer_cmds:transfer",
    "finish": "finish_cmd:finish",
    "demo": "demo_cmd:demo",
}


class RetentionGroup(TranslatedGroup):
    """Lists subcommands in the order a person meets them, and is the one place where
    errors become a single translated line and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Import a command's module only when it is used: ``retention status`` must not
        pay for loading every other command (and what they import)."""
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        command: click.Command = getattr(
            importlib.import_module(f"retention_agent.cli.{module}"), attribute
        )
        return command

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Like click's, but a usage error is one translated line, not a usage block."""
        # Detected once: every translated text asks, and asking the locale each time
        # cost a tenth of a second over a batch of 5,000 files.
        requested = requested_language(sys.argv[1:] if args is None else args)
        i18n.set_language(requested or i18n.detect_language())
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as error:
            if not standalone_mode:
                raise
            command = error.ctx.command_path if error.ctx else "retention"
            hint = _("'{command} --help' shows how to use it.").format(command=command)
            message = _("Error: {message}").format(message=error.format_message())
            click.echo(f"{message} {hint}", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            if not standalone_mode:
                raise
            error.show()
            sys.exit(error.exit_code)
        except click.Abort as abort:
            if not standalone_mode:
                raise
            click.echo(_("Cancelled; nothing was changed."), err=True)
            # click turns Ctrl-C into Abort (at a question: "from None", so the Ctrl-C
            # is only its context); a question answered "no" is an Abort too.
            ctrl_c = isinstance(abort.__cause__ or abort.__context__, KeyboardInterrupt)
            sys.exit(ExitCode.INTERRUPTED if ctrl_c else ExitCode.FAILURE)
        finally:
            i18n.set_language(None)
        if standalone_mode:
            sys.exit(result if isinstance(result, int) else ExitCode.OK)
        return result

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (`retention status | head -1`): end quietly, as other
            # Unix tools do, without a second error when Python flushes stdout at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(ExitCode.BROKEN_PIPE)
        except Exception as error:
            known = _known(error)
            if ctx.meta.get("debug"):
                click.echo(redacted_traceback(error), err=True, nl=False)
            else:
                click.echo(_("Error: {message}").format(message=known.user_text()), err=True)
            ctx.exit(known.exit_code)
        return None


def _known(error: Exception) -> RetentionError:
    """The error a person sees: ours as it is, SQLite's and the OS's by their codes
    (their own messages carry paths, which may name the child), anything else as a bug."""
    if isinstance(error, RetentionError):
        return error
    if isinstance(error, sqlite3.DatabaseError):
        return index.translate(error)
    if isinstance(error, OSError):
        return from_os_error(error) or OsRefused(code=error.errno)
    return Unexpected()


@click.group(cls=RetentionGroup, context_settings={"help_option_names": ["-h", "--help"]})
@root_options
def cli() -> None:
    """Keep a Hjem til Os child's data safe for exactly as long as the rules allow.

    \b
    Example:
        retention init
        retention case new --child "Barn A" --start 2026-03-01
        retention add matchpapir.pdf --case 4f2a9b --kind match_paper
        retention status
    """


def main() -> None:
    """Console entry point."""
    cli(prog_name="retention")
