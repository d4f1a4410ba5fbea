"""``init``, ``add``, ``contact add``, ``list`` and ``open``: putting things into the
vault and getting one back out."""

from __future__ import annotations

from pathlib import Path

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
from retention_agent.cli.session import create_vault, open_vault
from retention_agent.cli.texts import kind_label
from retention_agent.errors import ContactNeedsName
from retention_agent.i18n import _, format_date, format_size
from retention_agent.vault import catalog
from retention_agent.vault.cases import require_case
from retention_agent.vault.ingest import ingest_contact, ingest_file
from retention_agent.vault.vcard import RELATIONS, Contact


@click.command(cls=TranslatedCommand)
@common_options
def init() -> None:
    """Create the encrypted vault (once per laptop).

    The key goes into the operating system's keyring; where there is none, into a key
    file protected by a passphrase (RETENTION_PASSPHRASE, or asked for).

    \b
    Example:
        retention init
    """
    with create_vault(now()) as vault:
        click.echo(_("Vault created in {path}.").format(path=vault.home))
        click.echo(_("The key is kept in: {backend}.").format(backend=vault.store.describe()))


@click.command(cls=TranslatedCommand)
# readable=False: the vault checks the files itself, with errors that do not echo the path.
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@option("--case", "case_id", required=True, help="The case the files belong to.")
@option("--kind", required=True, type=KIND, help="What the files are.")
@option(
    "--keep-original",
    is_flag=True,
    help="Leave the original files where they are (by default they are removed).",
)
@json_option
@common_options
def add(
    paths: tuple[Path, ...], case_id: str, kind: str, keep_original: bool, as_json: bool
) -> None:
    """Encrypt files into the vault.

    Each original is removed (overwritten, then deleted) only after its encrypted copy
    has been written, synced and read back. Links and special files are refused.

    \b
    Example:
        retention add matchpapir.pdf --case 4f2a9b --kind match_paper
        retention add billeder/*.jpg --case 4f2a9b --kind photo --keep-original
    """
    moment = now()
    results = []
    with open_vault() as vault:
        for position, path in enumerate(paths, start=1):
            ingested = ingest_file(
                vault,
                case_id=case_id,
                kind=kind,  # type: ignore[arg-type]
                source=path,
                position=position,
                now=moment,
                keep_original=keep_original,
            )
            results.append(ingested)
            if as_json:
                continue
            click.echo(
                _("File {position}: added as item {item} ({kind}, {size}).").format(
                    position=position,
                    item=ingested.item_id,
                    kind=kind_label(kind),
                    size=format_size(ingested.size),
                )
            )
            if ingested.original_removed:
                click.echo(_("  The original was overwritten and deleted."))
            elif ingested.original_changed:
                click.echo(_("  The original changed while it was being added, so it was kept."))
            else:
                click.echo(_("  The original was kept (--keep-original)."))
    if as_json:
        emit_json(
            [
                {
                    "id": result.item_id,
                    "size": result.size,
                    "original_removed": result.original_removed,
                }
                for result in results
            ]
        )


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
    with open_vault() as vault:
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
                    "name": item.name,
                    "size": item.size,
                    "added": item.added.isoformat(),
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
            f"{format_size(item.size):>10}  {format_date(item.added, 'short')}  {item.name}"
        )


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
    with open_vault() as vault:
        target = catalog.export_item(vault, item_id, folder)
    click.echo(_("Decrypted to {path}.").format(path=target))
    click.echo(
        _(
            "Warning: this is an unencrypted copy. The vault does not protect or delete it; "
            "delete it yourself when you are done."
        )
    )
