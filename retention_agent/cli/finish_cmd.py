"""``finish``: the day a family is done with Hjem til Os on this laptop."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from retention_agent import finish as ending
from retention_agent.agent.heartbeat import stop_agent
from retention_agent.agent.lock import AgentDoesNotStop
from retention_agent.cli.common import (
    TranslatedCommand,
    common_options,
    emit_json,
    json_option,
    now,
    option,
)
from retention_agent.cli.contact_person_cmds import naming_contact_person_on
from retention_agent.cli.receipts_cmd import describe_receipt
from retention_agent.cli.session import open_vault
from retention_agent.cli.texts import kind_count
from retention_agent.i18n import _, format_date
from retention_agent.paths import vault_home
from retention_agent.vault import receipts, teardown


@click.command(cls=TranslatedCommand)
@option("--yes", is_flag=True, help="Do not ask; delete what is still held too.")
@json_option
@common_options
def finish(yes: bool, as_json: bool) -> None:
    """Delete the vault for good when your time with Hjem til Os is over.

    Shows what is still held first and asks before deleting it. Then deletes every
    item (with receipts), the vault, its key (keyring entry or key file), the recovery
    file, the tombstones, the contact person and the agent's login item, and prints a
    last summary of the receipts, without names, to keep or send to Red Barnet. Refused
    while a hold (C2) protects a case.

    \b
    Example:
        retention finish
    """
    home = vault_home()
    left = teardown.unfinished(home)
    if left is not None:  # an earlier finish was cut short after its keys were destroyed
        stop_the_agent(home)
        teardown.finish_removal(home)
        report_summary(left, as_json=as_json)
        return
    moment = now()
    with open_vault() as vault, naming_contact_person_on(vault, ending.CaseUnderHold):
        held = ending.still_held(vault, moment.date())
        for case in held:
            if case.hold_until is not None:
                raise ending.CaseUnderHold(case=case.case_id, date=case.hold_until.isoformat())
        _confirm(held, yes, err=as_json)
        stop_the_agent(home)
        last = ending.finish(vault, moment, ending.FINISHED)
    report_summary(last, as_json=as_json)


AGENT_STOP_SECONDS = 30.0


def stop_the_agent(home: Path) -> None:
    """The agent keeps its files in the vault folder and would make them again: it is
    stopped before anything is deleted, and no longer starts at login (a system-wide
    entry is hidden for this user)."""
    from retention_agent.desktop.autostart import uninstall

    if not stop_agent(home, AGENT_STOP_SECONDS):
        raise AgentDoesNotStop()
    uninstall()


def _confirm(held: list[ending.StillHeld], yes: bool, *, err: bool) -> None:
    """What is still held, then a yes (on stderr under --json, which keeps stdout JSON)."""
    if held:
        click.echo(_("Still held in the vault:"), err=err)
        for case in held:
            kinds = ", ".join(kind_count(kind, count) for kind, count in case.kinds.items())
            line = _("Case {case}: {items}").format(case=case.case_id, items=kinds)
            click.echo("  " + line, err=err)
    else:
        click.echo(_("Every case is closed: the vault holds no items."), err=err)
    if yes:
        return
    if sys.stdin is None or not sys.stdin.isatty():
        raise ending.FinishNotConfirmed()
    question = (
        _("Delete all of this and the whole vault for good?")
        if held
        else _("Delete the vault, its key and its receipts from this laptop for good?")
    )
    if not click.confirm(question, default=False):
        raise ending.FinishNotConfirmed()


def report_summary(last: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        emit_json(last)
        return
    click.echo("")
    click.echo(
        _(
            "Last summary of the receipts, {date} (no names; keep it or send it to Red Barnet):"
        ).format(date=format_date(dt.date.fromisoformat(last["date"])))
    )
    for entry in last["receipts"]:
        body = {key: value for key, value in entry.items() if key != "seq"}
        click.echo("  " + describe_receipt(receipts.Receipt(entry["seq"], body, "", "")))
    total = ", ".join(kind_count(kind, count) for kind, count in last["deleted_items"].items())
    click.echo("  " + _("Deleted in all: {items}").format(items=total or _("nothing")))
    intact = _("intact") if last["chain_intact"] else _("damaged")
    click.echo(
        "  "
        + _("Receipt chain: {state}; last hash {hash}").format(
            state=intact, hash=last["chain_head"]
        )
    )
    click.echo("")
    if last["reason"] == ending.TRANSFERRED:
        click.echo(
            _(
                "This laptop's copy of the vault, its key, the recovery file, the tombstones "
                "and the contact person are deleted. The vault lives on on the new laptop."
            )
        )
    else:
        click.echo(
            _(
                "The vault, its key, the recovery file, the tombstones and the contact person "
                "are deleted from this laptop. Your recovery code opens nothing any more."
            )
        )
    click.echo(_("The agent is stopped and no longer starts at login."))
