"""``add``, ``contact add``, ``list`` and ``open``: putting things into the
vault and getting one back out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from retention_agent.cli.common import (
    TranslatedCommand,
    TranslatedGroup,
    common_options,
    emit_json,
    json_option,
    now,
    option,
)
from retention_agent.cli.kinds import KIND
from retention_agent.cli.session import open_vault
from retention_agent.cli.texts import kind_label
from retention_agent.errors import ContactNeedsName, ExitCode, SourceIsDirectory
from retention_agent.formats.vcard import RELATIONS, Contact
from retention_agent.i18n import _, format_date, format_size, ngettext
from retention_agent.names import json_fields, shown
from retention_agent.scan import sync_warnings
from retention_agent.scan.cloud import synced_folders
from retention_agent.vault import catalog, copies, interrupts, originals, sources
from retention_agent.vault.adding import add_files, ingest_contact
from retention_agent.vault.cases import require_case
from retention_agent.vault.ingest import Batch, Ingested
from retention_agent.vault.records import ItemRecord
from retention_agent.vault.vault import Vault


@click.command(cls=TranslatedCommand)
# readable=False: the vault checks the files itself, with errors in the user's language.
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@option("--case", "case_id", required=True, help="The case the files belong to.")
@option("--kind", required=True, type=KIND, help="What the files are.")
@option(
    "--keep-original",
    is_flag=True,
    help="Leave the original files where they are (by default they are removed).",
)
@option(
    "--allow-duplicate",
    is_flag=True,
    help="Add a file even if the case already holds the same content.",
)
@option("--yes", is_flag=True, help="Do not ask before adding the files of a folder.")
@json_option
@common_options
def add(
    paths: tuple[Path, ...],
    case_id: str,
    kind: str,
    keep_original: bool,
    allow_duplicate: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Encrypt files into the vault.

    Every file is checked first; if one cannot be added, nothing is. Each original is
    removed (overwritten, then deleted, where the disk allows it) only after its
    encrypted copy has been written, synced and read back. A folder adds the files
    inside it. Links and special files are refused.

    \b
    Example:
        retention add matchpapir.pdf --case 4f2a9b --kind match_paper
        retention add billeder/ --case 4f2a9b --kind photo --keep-original
    """
    moment = now()
    chosen = _expand_folders(paths, yes)
    reporting = False
    try:
        with open_vault() as vault:
            batch = add_files(
                vault,
                case_id=case_id,
                kind=kind,  # type: ignore[arg-type]
                paths=chosen,
                now=moment,
                keep_originals=keep_original,
                duplicates="allow" if allow_duplicate else "refuse",
            )
            unread = _unreadable_cards(vault, batch)
        reporting = True
        _report_added(chosen, batch, kind, as_json, unread)
    except KeyboardInterrupt:
        # All or nothing: either the batch finished (then say what it did) or nothing
        # was changed. A Ctrl-C during the commit is held back until it is complete.
        finished = interrupts.completed()
        if not finished:
            click.echo(_("Cancelled before anything was added; nothing was changed."), err=True)
        elif reporting:
            click.echo(_("Stopped by Ctrl-C; the files were added ('retention list')."), err=True)
        else:
            _report_added(chosen, finished[-1], kind, as_json, {})
            click.echo(_("Stopped by Ctrl-C after the files above were added."), err=True)
        raise click.exceptions.Exit(ExitCode.INTERRUPTED) from None


def _expand_folders(paths: tuple[Path, ...], yes: bool) -> list[Path]:
    """The files to add: folders replaced by the regular files inside them, after
    showing how many and asking (a whole Pictures folder is rarely meant)."""
    chosen: list[Path] = []
    for path in paths:
        if not (path.is_dir() and not path.is_symlink()):
            chosen.append(path)
            continue
        inside = sources.files_in(path)
        if not inside:
            raise SourceIsDirectory(name=str(path))
        question = ngettext(
            "'{folder}' holds {count} file. Add it?",
            "'{folder}' holds {count} files (in it and its subfolders). Add them all?",
            len(inside),
        ).format(folder=path, count=len(inside))
        if not yes and not click.confirm(question, default=False, err=True):
            raise click.Abort()
        chosen.extend(inside)
    return chosen


def _unreadable_cards(vault: Vault, batch: Batch) -> dict[str, tuple[int, ...]]:
    """The numbers of the cards that could not be read, per .vcf item read in part."""
    return {
        part.item_id: catalog.get_item(vault, part.item_id).unreadable_cards
        for part in batch.parts
        if part.removal is not None and part.removal.kept is originals.Kept.PARTLY_READ
    }


def _report_added(
    paths: list[Path],
    batch: Batch,
    kind: str,
    as_json: bool,
    unread: dict[str, tuple[int, ...]],
) -> None:
    if as_json:
        emit_json([_added_json(part, unread.get(part.item_id, ())) for part in batch.parts])
        return
    for path, part in zip(paths, batch.parts, strict=True):
        if part.skipped:
            click.echo(
                _("'{name}': already in the vault as item {item}; not added again.").format(
                    name=shown(str(path)), item=part.duplicate_of
                )
            )
        else:
            click.echo(
                _("'{name}': added as item {item} ({kind}, {size}).").format(
                    name=shown(str(path)),
                    item=part.item_id,
                    kind=kind_label(kind),
                    size=format_size(part.size),
                )
            )
        if part.item_id in unread:
            numbers = ", ".join(str(number) for number in unread[part.item_id])
            click.echo("  " + _("Cards that could not be read: {numbers}.").format(numbers=numbers))
        click.echo("  " + removal_text(part.removal))
    # Once per folder, not per file: a phone's photo dump is one folder of thousands.
    folders = synced_folders()
    for folder, first in {path.parent: path for path in reversed(paths)}.items():
        warning = sync_warnings.check(folder, "original", folders=folders, name=first)
        if warning is not None:
            click.echo(warning, err=True)


def removal_text(removal: originals.Removal | None) -> str:
    """What became of the original, in the words that are true on this disk."""
    if removal is None:
        return _("There was no original file to remove.")
    texts = {
        originals.Method.OVERWRITTEN: _("The original was overwritten and deleted."),
        originals.Method.DELETED: _(
            "The original was deleted, but not overwritten: on this kind of disk "
            "overwriting does not reach the old data, so a specialist might still recover "
            "it from the disk."
        ),
        originals.Method.LINK_REMOVED: _(
            "This name of the file was removed; the file has other names (hard links), so "
            "it was not overwritten and still exists under them."
        ),
        originals.Kept.ASKED: _("The original was kept (--keep-original)."),
        originals.Kept.CHANGED: _(
            "The original changed while it was being added, so it was kept; add it again "
            "to store the newest version."
        ),
        originals.Kept.GONE: _("The original was already gone."),
        originals.Kept.PARTLY_READ: _(
            "Not all of it could be read, so the original was kept and nothing is lost; "
            "the vault holds the whole file."
        ),
        originals.Kept.FAILED: _(
            "The original could not be removed (the operating system refused); delete it yourself."
        ),
    }
    return texts[removal.method or removal.kept]  # type: ignore[index]


def _added_json(part: Ingested, unreadable_cards: tuple[int, ...]) -> dict[str, object]:
    removal = part.removal
    return {
        "id": part.item_id,
        "size": part.size,
        "original_removed": part.original_removed,
        "removal": (removal.method or removal.kept) if removal is not None else None,
        "duplicate_of": part.duplicate_of,
        "unreadable_cards": list(unreadable_cards),
    }


@click.group(cls=TranslatedGroup)
@common_options
def contact() -> None:
    """Contact details of the child and the child's family.

    \b
    Example:
        retention contact add --case 4f2a9b --name "Forælder B" --relation parent
    """


@contact.command("add")
@option("--case", "case_id", required=True, help="The case the contact belongs to.")
@option("--name", required=True, help="Full name.")
@option("--phone", help="Phone number.")
@option("--email", help="E-mail address.")
@option("--address", help="Postal address.")
@option(
    "--relation",
    type=click.Choice(RELATIONS),
    default="other",
    show_default=True,
    help="Who the contact is to the child.",
)
@json_option
@common_options
def contact_add(
    case_id: str,
    name: str,
    phone: str | None,
    email: str | None,
    address: str | None,
    relation: str,
    as_json: bool,
) -> None:
    """Add a contact by hand; it is stored encrypted like an imported .vcf.

    \b
    Example:
        retention contact add --case 4f2a9b --name "Forælder B" --relation parent
    """
    if not name.strip():
        raise ContactNeedsName()
    person = Contact(
        name=name.strip(),
        phone=phone,
        email=email,
        address=address,
        relation=relation,  # type: ignore[arg-type]
    )
    with open_vault() as vault:
        ingested = ingest_contact(vault, case_id=case_id, contact=person, now=now())
    if as_json:
        emit_json({"id": ingested.item_id})
    else:
        click.echo(_("Contact added as item {item}.").format(item=ingested.item_id))


@click.command("list", cls=TranslatedCommand)
@option("--case", "case_id", help="Only this case.")
@option("--kind", type=KIND, help="Only this kind.")
@json_option
@common_options
def list_command(case_id: str | None, kind: str | None, as_json: bool) -> None:
    """List the items in the vault.

    \b
    Example:
        retention list --case 4f2a9b --kind photo
        retention list --json
    """
    with open_vault(read_only=True) as vault:
        if case_id is not None:
            require_case(vault, case_id)
        items = catalog.list_items(vault, case_id=case_id, kind=kind)  # type: ignore[arg-type]
    if as_json:
        emit_json(
            [
                {
                    "id": item.id,
                    "case": item.case_id,
                    "kind": item.kind,
                    **json_fields("name", item.name),
                    "size": item.size,
                    "added": item.added.isoformat(),
                    "origin": item.origin,
                    "damaged": item.damaged,
                }
                for item in items
            ]
        )
        return
    if not items:
        click.echo(_("The vault holds no items yet."))
        return
    for item in items:
        click.echo(
            f"{item.id}  {item.case_id}  {kind_label(item.kind):<14} "
            f"{format_size(item.size):>10}  {format_date(item.added, 'short')}  {_shown_name(item)}"
            + _origin_text(item.origin)
        )


def _origin_text(origin: dict[str, Any] | None) -> str:
    """Where an imported item came from: "  (from WhatsApp: chat.zip)"."""
    if not origin:
        return ""
    labels = {"whatsapp": _("WhatsApp"), "sms": _("SMS"), "mail": _("e-mail")}
    return "  " + _("(from {source}: {file})").format(
        source=labels.get(origin.get("format", ""), origin.get("format", "")),
        file=origin.get("source", ""),
    )


def _shown_name(item: ItemRecord) -> str:
    if item.damaged:
        return _("[damaged: 'retention verify' says more]") + (
            f" {shown(item.name)}" if item.name else ""
        )
    return shown(item.name)


@click.command("open", cls=TranslatedCommand)
@click.argument("item_id", metavar="ITEM")
@option(
    "--to",
    "folder",
    required=True,
    type=click.Path(path_type=Path, readable=False),
    help="An existing folder to write the decrypted file into.",
)
@common_options
def open_item(item_id: str, folder: Path) -> None:
    """Decrypt one item into a folder you choose (never a temporary folder).

    An existing file is never overwritten. Remember that the decrypted copy is not
    protected by the vault and is not deleted by it.

    \b
    Example:
        retention open 1a2b3c4d --to ~/Skrivebord
    """
    moment = now()
    # Not read-only: the decrypted copy is recorded (sealed) as a copy outside the vault.
    with open_vault() as vault:
        target = catalog.export_item(vault, item_id, folder)
        copies.track_open(vault, catalog.get_item(vault, item_id), target, moment)
    click.echo(_("Decrypted to {path}.").format(path=shown(str(target))))
    warning = sync_warnings.check(target, "open")
    if warning is not None:
        click.echo(warning, err=True)
    click.echo(
        _(
            "Warning: this is an unencrypted copy. The vault does not protect or delete it; "
            "delete it yourself when you are done."
        )
    )
