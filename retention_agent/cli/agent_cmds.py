"""``retention agent run|status|install|uninstall``: the background agent that starts at
login, sits in the tray, takes files from the inbox and tells the family what is coming.

The agent's own modules (watchdog, plyer, pystray) are imported inside the commands that
need them, so ``retention status`` and ``--help`` stay light.
"""

from __future__ import annotations

import datetime as dt
import sys

import click

from retention_agent.agent import heartbeat
from retention_agent.cli.common import (
    TranslatedCommand,
    TranslatedGroup,
    common_options,
    emit_json,
    json_option,
    option,
)
from retention_agent.errors import ExitCode, VaultNotInitialised
from retention_agent.i18n import N_, _, current_language, format_date
from retention_agent.paths import vault_home

_ACTIONS = {
    "started": N_("started"),
    "checked": N_("looked at the schedule"),
    "ingested": N_("took files from the inbox into the vault"),
    "skipped": N_("skipped a file the vault already held"),
    "refused": N_("left a file in the inbox and said why"),
    "notified": N_("sent a notification"),
    "deleted": N_("carried out a deletion"),
}
_PROBLEMS = {
    "key_unavailable": N_("the vault's key is not available"),
    "vault_damaged": N_("the vault is damaged"),
    "disk_full": N_("the disk is full"),
    "no_tray": N_("no tray icon on this desktop"),
}


@click.group(cls=TranslatedGroup)
@common_options
def agent() -> None:
    """The background agent: starts at login, takes files from the inbox into the vault,
    tells you in good time what is coming, and carries out announced deletions.

    \b
    Example:
        retention agent install
        retention agent status
    """


@agent.command("run")
@option("--no-tray", is_flag=True, help="Run without the tray icon.")
@option(
    "--polling",
    is_flag=True,
    help="Watch the inbox by looking every half second (for network folders).",
)
@option(
    "--at-login",
    is_flag=True,
    help="Exit quietly where there is no vault (yet, or any more): what the login item runs.",
)
@common_options
def run(no_tray: bool, polling: bool, at_login: bool) -> None:
    """Run the agent in the foreground until it is stopped (Ctrl-C, or Quit in the
    tray). The login item starts it with --at-login. Only one agent runs per vault.

    \b
    Example:
        retention agent run
    """
    from retention_agent.agent.main import run as run_agent

    ctx = click.get_current_context()
    root = ctx.find_root()
    wizard = isinstance(root.command, click.Group) and "wizard" in root.command.list_commands(root)
    try:
        code = run_agent(
            vault_home(),
            tray=not no_tray,
            observer="polling" if polling else "native",
            wizard=wizard,
        )
    except VaultNotInitialised:
        if not at_login:
            raise
        code = ExitCode.OK  # a user of this computer without a vault, or one who finished
    ctx.exit(code)


@agent.command("status")
@json_option
@common_options
def status(as_json: bool) -> None:
    """Show whether the agent runs, when it last acted, and whether it starts at login.
    Needs no key.

    \b
    Example:
        retention agent status --json
    """
    from retention_agent.desktop.autostart import installed

    found = heartbeat.status(vault_home())
    if as_json:
        emit_json(heartbeat.to_json(found) | {"starts_at_login": installed()})
        return
    for line in agent_lines(found):
        click.echo(line)
    if installed():
        click.echo(_("It starts at login."))
    else:
        click.echo(_("It does not start at login; 'retention agent install' sets that up."))


@agent.command("install")
@common_options
def install() -> None:
    """Start the agent at every login (an autostart entry on Linux, a LaunchAgent on
    macOS, a Startup entry on Windows).

    \b
    Example:
        retention agent install
    """
    from retention_agent.desktop.autostart import Where
    from retention_agent.desktop.autostart import install as write_entry

    entry = write_entry()
    if entry == Where.here().system_entry:
        click.echo(
            _(
                "The agent already starts at every login, for every user of this computer "
                "({path}); nothing was added."
            ).format(path=entry)
        )
    else:
        click.echo(_("The agent will start at every login ({path}).").format(path=entry))
    click.echo(_("To start it now: retention agent run"))


@agent.command("uninstall")
@common_options
def uninstall() -> None:
    """Stop starting the agent at login; removes what 'retention agent install' wrote.

    \b
    Example:
        retention agent uninstall
    """
    from retention_agent.desktop.autostart import Where
    from retention_agent.desktop.autostart import uninstall as remove_entry

    entry = remove_entry()
    if entry is None:
        click.echo(_("The agent was not set to start at login; nothing was changed."))
    elif entry == Where.here().system_entry:
        click.echo(
            _(
                "The agent no longer starts at your login ({path} is hidden for you; "
                "'retention agent install' undoes that)."
            ).format(path=entry)
        )
    else:
        click.echo(_("The agent no longer starts at login ({path} removed).").format(path=entry))


@agent.command("tray", hidden=True, cls=TranslatedCommand)
@common_options
def tray() -> None:
    """The tray icon's own process; the agent starts it and talks to it through its
    standard input and output.

    \b
    Example:
        retention agent tray --lang da
    """
    from retention_agent.desktop.tray import main as tray_main

    click.get_current_context().exit(tray_main())


@agent.command("ask-passphrase", hidden=True, cls=TranslatedCommand)
@option("--prompt", "text", help="The question to show (default: the agent's).")
@common_options
def ask_passphrase(text: str | None) -> None:
    """The passphrase dialog's own process; the agent (or a command without a terminal)
    reads its answer through a pipe. It refuses to print to a terminal; it exits 1 when
    cancelled and 3 when no dialog can be shown.

    \b
    Example:
        retention agent ask-passphrase | …
    """
    from retention_agent.desktop.passphrase import CANCELLED, NO_DIALOG, NoDialog, ask

    ctx = click.get_current_context()
    if sys.stdout.isatty():  # never show a passphrase on a screen
        ctx.exit(NO_DIALOG)
    try:
        answer = ask(text)
    except NoDialog:
        ctx.exit(NO_DIALOG)
    if answer is None:
        ctx.exit(CANCELLED)
    click.echo(answer)


@agent.command("examine", hidden=True, cls=TranslatedCommand)
@common_options
def examine() -> None:
    """The agent's sweeps hand it PDFs and pictures, one JSON line each on standard
    input ({"path": …, "examine": "pdf" | "image"}), and read one answer per line: whether
    a PDF looks like a match paper, a picture's perceptual hash. Its own low-priority
    process, so that pypdf's and Pillow's memory is not the agent's.

    \b
    Example:
        retention agent examine < questions
    """
    import json
    import os
    from pathlib import Path

    from retention_agent.scan.sweep import examine as look

    if hasattr(os, "nice"):
        os.nice(10)  # never in the family's way
    for line in sys.stdin:
        asked = json.loads(line)
        answer = look(Path(asked["path"]), "pdf" if asked["examine"] == "pdf" else "image")
        sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


def agent_lines(found: heartbeat.AgentStatus) -> list[str]:
    beat = found.heartbeat
    if beat is None:
        return [
            _(
                "The agent has never run. 'retention agent run' starts it, "
                "'retention agent install' starts it at every login."
            )
        ]
    lines = []
    if found.running:
        lines.append(_("The agent is running (since {when}).").format(when=_moment(beat.started)))
    else:
        lines.append(_("The agent is not running. 'retention agent run' starts it."))
    if beat.last_action_at is not None:
        lines.append(
            _("Last action ({when}): {action}.").format(
                action=_(_ACTIONS[beat.last_action]), when=_moment(beat.last_action_at)
            )
        )
    if found.running and beat.waiting:
        lines.append(
            _("Deletions waiting for your yes in case(s): {cases}.").format(
                cases=", ".join(beat.waiting)
            )
        )
    for code in beat.problems if found.running else ():
        lines.append(_("Problem: {problem}.").format(problem=_(_PROBLEMS.get(code, code))))
    return lines


def agent_line(found: heartbeat.AgentStatus) -> str:
    """One line for ``retention status``."""
    beat = found.heartbeat
    if beat is None:
        return _("Agent: never run ('retention agent install' starts it at every login).")
    last = _moment(beat.last_action_at) if beat.last_action_at else "—"
    if found.running:
        return _("Agent: running; last acted {when}.").format(when=last)
    return _("Agent: not running; last acted {when}.").format(when=last)


def _moment(value: dt.datetime) -> str:
    from babel.dates import format_time

    locale = "da_DK" if current_language() == "da" else "en_GB"
    return f"{format_date(value)} {format_time(value, 'short', locale=locale)}"
