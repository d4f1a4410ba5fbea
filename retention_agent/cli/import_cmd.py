"""``import``: WhatsApp chat exports, SMS backups and e-mail, split into messages and
photos of a case (the work is ``retention_agent.importing``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click

from retention_agent.cli.common import (
    TranslatedCommand,
    common_options,
    emit_json,
    json_option,
    option,
)
from retention_agent.cli.common import now as command_now
from retention_agent.cli.item_cmds import removal_text
from retention_agent.cli.session import open_vault
from retention_agent.cli.texts import kind_count
from retention_agent.errors import ExitCode
from retention_agent.i18n import N_, _, ngettext
from retention_agent.lifecycle import IMPORT_PLACES, checklist_places
from retention_agent.names import shown
from retention_agent.vault import interrupts

if TYPE_CHECKING:
    from retention_agent.importing import ImportedExport

_PHONES = {"android": N_("an Android phone"), "ios": N_("an iPhone")}


@click.command("import", cls=TranslatedCommand)
# readable=False: the readers check the files themselves, with errors in the user's language.
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@option("--case", "case_id", required=True, help="The case the exports belong to.")
@option(
    "--keep-original",
    is_flag=True,
    help="Leave the exports where they are (by default a chat export is removed).",
)
@json_option
@common_options
def import_command(
    paths: tuple[Path, ...], case_id: str, keep_original: bool, as_json: bool
) -> None:
    """Import WhatsApp chat exports, SMS backups and e-mail into a case.

    A WhatsApp chat becomes one message item and each photo or video a photo item (so
    the photos can be offered to the child's family). From an SMS backup (SMS Backup &
    Restore) or a mailbox only the conversations and mails with the case's contacts are
    taken; the rest is only counted. All files go in, or none do. A chat export is
    removed once everything is in the vault and verified; a file that holds anything
    else is never removed.

    \b
    Example:
        retention import "WhatsApp Chat med Forælder.zip" --case 4f2a9b
        retention import sms-20260301.xml Indbakke.mbox --case 4f2a9b --json
    """
    # The readers (phone numbers, XML, mail) load only for this command.
    from retention_agent.importing import import_exports

    moment = command_now()
    try:
        with open_vault() as vault:
            before = set(checklist_places(vault, case_id))
            results = import_exports(
                vault, case_id=case_id, paths=paths, now=moment, keep_originals=keep_original
            )
            added_places = [p for p in checklist_places(vault, case_id) if p not in before]
    except KeyboardInterrupt:
        # All or nothing: a Ctrl-C during the commit is held back until it is complete.
        if interrupts.completed():
            click.echo(
                _("Stopped by Ctrl-C after the import; 'retention list' shows it."), err=True
            )
        else:
            click.echo(_("Cancelled before anything was imported; nothing was changed."), err=True)
        raise click.exceptions.Exit(ExitCode.INTERRUPTED) from None
    if as_json:
        emit_json([_json(result) for result in results])
        return
    for result in results:
        _report(result, keep_original)
    for place in added_places:
        click.echo(
            _("Added to the checklist of case {case}: {place}.").format(
                case=case_id, place=_(IMPORT_PLACES[place])
            )
        )


def _report(result: ImportedExport, keep_original: bool) -> None:
    click.echo(f"'{shown(str(result.path))}': {_describe(result)}")
    added = ", ".join(kind_count(kind, count) for kind, count in sorted(result.added.items()))
    click.echo("  " + _("Added: {items}.").format(items=added or _("nothing new")))
    if result.skipped:
        click.echo(
            "  "
            + ngettext(
                "{n} part the case already holds was not added again.",
                "{n} parts the case already holds were not added again.",
                result.skipped,
            ).format(n=result.skipped)
        )
    if result.left_out:
        click.echo("  " + _left_out(result))
    if result.removals:
        for text, count in Counter(removal_text(r) for r in result.removals).items():
            suffix = "" if count == 1 else f" ({_files(count)})"
            click.echo(f"  {text}{suffix}")
    elif keep_original:
        click.echo("  " + _("The export was kept (--keep-original)."))
    elif result.holds_other:
        click.echo(
            "  "
            + _(
                "The file was kept: it holds more than this case. Delete the case's "
                "conversations in the program they came from (see the checklist)."
            )
        )
    else:
        click.echo(
            "  "
            + _(
                "The mailbox was kept: it belongs to your mail program. Delete the mails "
                "there (see the checklist)."
            )
        )


def _files(count: int) -> str:
    return ngettext("{n} file", "{n} files", count).format(n=count)


def _describe(result: ImportedExport) -> str:
    facts = result.facts
    if result.format == "whatsapp":
        return ngettext(
            "WhatsApp chat from {phone}, {n} message.",
            "WhatsApp chat from {phone}, {n} messages.",
            facts["messages"],
        ).format(phone=_(_PHONES[facts["variant"]]), n=facts["messages"])
    if result.format == "sms":
        return ngettext(
            "SMS backup: {n} conversation with the case's contacts.",
            "SMS backup: {n} conversations with the case's contacts.",
            facts["conversations"],
        ).format(n=facts["conversations"])
    return ngettext(
        "E-mail: {n} mail with the case's contacts.",
        "E-mail: {n} mails with the case's contacts.",
        facts["mails"],
    ).format(n=facts["mails"])


def _left_out(result: ImportedExport) -> str:
    if result.format == "sms":
        return ngettext(
            "Left out (not with the case's contacts): {n} conversation, {messages} messages.",
            "Left out (not with the case's contacts): {n} conversations, {messages} messages.",
            result.left_out,
        ).format(n=result.left_out, messages=result.left_out_messages)
    return ngettext(
        "Left out (not with the case's contacts): {n} mail.",
        "Left out (not with the case's contacts): {n} mails.",
        result.left_out,
    ).format(n=result.left_out)


def _json(result: ImportedExport) -> dict[str, object]:
    return {
        "file": str(result.path),
        "format": result.format,
        "facts": result.facts,
        "added": dict(result.added),
        "items": list(result.item_ids),
        "skipped": result.skipped,
        "left_out": result.left_out,
        "left_out_messages": result.left_out_messages,
        "source_holds_other": result.holds_other,
        "removals": [{"file": str(r.path), "removal": r.method or r.kept} for r in result.removals],
    }
