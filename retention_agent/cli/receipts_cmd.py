"""``retention receipts``: what was deleted, when and why, with no names; the log's
chain checked on every showing, and a short code to check it against later."""

from __future__ import annotations

import datetime as dt

import click

from retention_agent.cli.common import (
    TranslatedCommand,
    common_options,
    emit_json,
    json_option,
    option,
)
from retention_agent.cli.session import open_vault
from retention_agent.cli.texts import kind_count
from retention_agent.enforce import ADDED_BY_MISTAKE, CLOSED_BY_FAMILY
from retention_agent.errors import ExitCode, ReceiptsBroken, RetentionError
from retention_agent.finish import FINISHED, TRANSFERRED
from retention_agent.i18n import N_, _, format_date, format_size
from retention_agent.lifecycle import ALL_PLACES
from retention_agent.policy.model import KINDS
from retention_agent.vault import receipts as receipt_log
from retention_agent.vault import rows
from retention_agent.vault.deletion import DAMAGED_JOURNAL

# Why something was deleted when no policy rule was the cause (a receipt's "reason").
_WHY = {
    CLOSED_BY_FAMILY: N_("because you closed the case"),
    ADDED_BY_MISTAKE: N_("at your request (added by mistake)"),
    FINISHED: N_("because you finished with the program ('retention finish')"),
    TRANSFERRED: N_("because the vault moved to a new laptop"),
}


def why_text(rules: list[str] | tuple[str, ...], reason: str | None) -> str:
    if reason is not None:
        return _(_WHY[reason]) if reason in _WHY else reason
    return _("under {rules}").format(rules=", ".join(rules))


@click.command(cls=TranslatedCommand)
@option(
    "--print",
    "print_anchor",
    is_flag=True,
    help="Print a short code for the latest receipt, to give your contact person.",
)
@option("--check", "check_code", metavar="CODE", help="Check a code printed earlier by --print.")
@json_option
@common_options
def receipts(as_json: bool, print_anchor: bool, check_code: str | None) -> None:
    """Show the deletion receipts, oldest first, and check that the log is intact.

    With --print: a short code for the latest receipt, with the date. Give it to your
    Red Barnet contact person (or write it down elsewhere): 'retention receipts --check
    CODE' shows later whether any receipt up to that one was changed or removed.

    \b
    Example:
        retention receipts
        retention receipts --print
        retention receipts --check 12-K7QF-2MZD-9XWA-3TPH
    """
    with open_vault(read_only=True) as vault:
        log = receipt_log.all_receipts(vault.db)
        broken = receipt_log.first_broken(vault.db)
        if broken is None and (
            rows.VAULT_SCOPE in vault.damage.scopes or vault.damage.rows.get("receipts")
        ):
            broken = 1  # rows were removed or changed: nothing in the log can be trusted
        matches = receipt_log.check_anchor(vault.db, check_code) if check_code else None
    if check_code is not None:
        _report_check(check_code, bool(matches))
        return
    if print_anchor:
        _print_anchor(log)
    elif as_json:
        emit_json({"receipts": [receipt_json(r) for r in log], "intact": broken is None})
    else:
        if not log:
            click.echo(_("No receipts yet: nothing has been deleted."))
        for receipt in log:
            click.echo(describe_receipt(receipt))
    if broken is not None:
        error = ReceiptsBroken(seq=broken)
        click.echo(_("Error: {message}").format(message=error.user_text()), err=True)
        click.get_current_context().exit(ExitCode.INTEGRITY)


def _print_anchor(log: list[receipt_log.Receipt]) -> None:
    if not log:
        click.echo(_("No receipts yet: nothing has been deleted."))
        return
    last = log[-1]
    click.echo(
        _("Receipts 1–{seq}, the latest of {date}. Code: {code}").format(
            seq=last.seq,
            date=format_date(dt.date.fromisoformat(last.body["date"])),
            code=receipt_log.anchor(last),
        )
    )


def _report_check(code: str, matches: bool) -> None:
    if receipt_log.parse_anchor(code) is None:
        raise BadAnchor(code=code)
    if matches:
        click.echo(_("The code matches: no receipt up to that one was changed or removed."))
        return
    click.echo(
        _("The code does not match: receipts were changed or removed since it was printed."),
        err=True,
    )
    click.get_current_context().exit(ExitCode.INTEGRITY)


class BadAnchor(RetentionError):
    message = N_(
        "'{code}' is not a receipt code; it looks like 12-K7QF-2MZD-9XWA-3TPH "
        "('retention receipts --print' shows it)."
    )
    exit_code = ExitCode.INPUT


def receipt_json(receipt: receipt_log.Receipt) -> dict[str, object]:
    return {
        "seq": receipt.seq,
        **receipt.body,
        "prev_hash": receipt.prev_hash,
        "hash": receipt.hash,
    }


def describe_receipt(receipt: receipt_log.Receipt) -> str:
    body = receipt.body
    date = format_date(dt.date.fromisoformat(body["date"]))
    if body["type"] == "checklist":
        return _("#{seq} {date}: case {case}: cleaned up outside the vault: {place}").format(
            seq=receipt.seq, date=date, case=body["case"], place=_(ALL_PLACES[body["place"]])
        )
    if body["type"] == "transfer-in":
        return _("#{seq} {date}: the vault was moved here from another laptop.").format(
            seq=receipt.seq, date=date
        )
    if body.get("reason") == DAMAGED_JOURNAL:  # its record said nothing trustworthy
        return _(
            "#{seq} {date}: a deletion whose record in the vault was damaged was finished, so "
            "what it deleted is not known; the vault key was rotated."
        ).format(seq=receipt.seq, date=date)
    deleted = body["kinds"]
    parts = ", ".join(
        f"{kind_count(kind, deleted[kind]['count'])} ({format_size(deleted[kind]['bytes'])})"
        for kind in KINDS
        if kind in deleted
    )
    why = why_text(body["rules"], body.get("reason"))
    if body.get("reason") is None:
        why += " " + _("(policy {version})").format(version=body["policy"]["version"])
    return _(
        "#{seq} {date}: case {case}: deleted {parts} {why}; keys destroyed, files removed, "
        "vault key rotated."
    ).format(seq=receipt.seq, date=date, case=body["case"], parts=parts, why=why)
