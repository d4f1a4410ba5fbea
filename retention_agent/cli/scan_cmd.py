"""``retention scan``: copies of vault items (and of recently deleted ones) outside the
vault, and removing them."""

from __future__ import annotations

from pathlib import Path

import click

from retention_agent.cli.common import (
    TranslatedCommand,
    common_options,
    emit_json,
    json_option,
    now,
    option,
)
from retention_agent.cli.leftover_texts import origin_label
from retention_agent.cli.session import open_vault
from retention_agent.cli.texts import kind_label
from retention_agent.i18n import N_, _, ngettext
from retention_agent.lifecycle import expire_tombstones
from retention_agent.names import shown
from retention_agent.scan.cloud import SyncedFolder, synced_folder_of, synced_folders
from retention_agent.scan.leftovers import Found, ScanResult, scan
from retention_agent.scan.removal import Removal, remove
from retention_agent.vault import originals

_METHODS = {
    originals.Method.OVERWRITTEN: N_("overwritten with zeros and deleted"),
    originals.Method.DELETED: N_(
        "deleted, but not overwritten: on this kind of disk overwriting does not reach the old data"
    ),
    originals.Method.LINK_REMOVED: N_(
        "this name removed; the file has other names (hard links) and lives on under them"
    ),
}
_KEPT = {
    originals.Kept.CHANGED: N_("Not removed (it changed since it was checked): {path}"),
    originals.Kept.GONE: N_("Not removed (it was already gone): {path}"),
    originals.Kept.FAILED: N_("Not removed (the system refused): {path}"),
}


@click.command("scan", cls=TranslatedCommand)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@option(
    "--remove", "remove_found", is_flag=True, help="Remove the copies found (not the likely ones)."
)
@json_option
@common_options
def scan_command(paths: tuple[Path, ...], remove_found: bool, as_json: bool) -> None:
    """Find copies of vault items outside the vault: in Downloads, Desktop, Documents,
    Pictures, the inbox and the folders files were added from or opened to (or in the
    folders given). Also finds copies of items deleted in the last 90 days, and photos
    that were resized or re-encoded ("likely copies", shown with how alike they are).

    Only files whose size matches an item are read. Shows the case and kind, never the
    item's name. --remove removes the exact copies the way 'add' removes an original.

    \b
    Example:
        retention scan
        retention scan ~/Downloads --remove
    """
    with open_vault() as vault:
        expire_tombstones(vault, now().date())
        result = scan(vault, list(paths) or None)
        removals = [remove(vault, f) for f in result.tracked + result.exact] if remove_found else []
    folders = synced_folders()
    if as_json:
        emit_json(_json(result, removals, folders))
    else:
        _render(result, removals, folders)


def _found_json(found: Found, folders: list[SyncedFolder]) -> dict[str, object]:
    synced = synced_folder_of(found.path, folders=folders)
    return {
        "path": str(found.path),
        "case": found.case_id,
        "kind": found.kind,
        "deleted": found.deleted,
        "origin": found.tracked.origin if found.tracked else None,
        "similarity": None if found.similarity is None else round(found.similarity, 3),
        "synced": synced.service if synced else None,
    }


def _json(result: ScanResult, removals: list[Removal], folders: list[SyncedFolder]) -> object:
    return {
        "places": [{"path": str(p.path), "why": p.why} for p in result.places],
        "tracked": [_found_json(f, folders) for f in result.tracked],
        "exact": [_found_json(f, folders) for f in result.exact],
        "likely": [_found_json(f, folders) for f in result.likely],
        "removed": [
            {
                "path": str(r.found.path),
                "method": r.outcome.method,
                "kept": r.outcome.kept,
                "synced": r.synced.service if r.synced else None,
            }
            for r in removals
        ],
        "files_seen": result.files_seen,
        "files_read": result.files_read,
        "images_compared": result.images_hashed,
        "unreadable": result.unreadable,
    }


def _describe(found: Found, folders: list[SyncedFolder]) -> str:
    parts = [_("case {case}").format(case=found.case_id), kind_label(found.kind)]
    if found.deleted:
        parts.append(_("deleted from the vault"))
    if found.tracked is not None:
        parts.append(origin_label(found.tracked.origin))
    if found.similarity is not None:
        parts.append(_("{percent} % alike").format(percent=round(found.similarity * 100)))
    synced = synced_folder_of(found.path, folders=folders)
    if synced is not None:
        parts.append(_("in a folder synced to {service}").format(service=synced.service))
    return f"  {shown(str(found.path))} — {', '.join(parts)}"


def _render(result: ScanResult, removals: list[Removal], folders: list[SyncedFolder]) -> None:
    click.echo(
        _("Looked in: {places}").format(
            places=", ".join(shown(str(p.path)) for p in result.places) or "—"
        )
    )
    sections = (
        (result.tracked, _("Copies the program left outside the vault:")),
        (result.exact, _("Copies of vault items:")),
        (
            result.likely,
            _("Likely copies (resized or re-encoded photos; look at each before deleting it):"),
        ),
    )
    for found, heading in sections:
        if found:
            click.echo(heading)
            for entry in found:
                click.echo(_describe(entry, folders))
    if not (result.tracked or result.exact or result.likely):
        click.echo(_("No copies of vault items found."))
    click.echo(
        ngettext(
            "Looked at {n} file and read {read} (the others' sizes match no item); "
            "compared {images} pictures.",
            "Looked at {n} files and read {read} (the others' sizes match no item); "
            "compared {images} pictures.",
            result.files_seen,
        ).format(n=result.files_seen, read=result.files_read, images=result.images_hashed)
    )
    for removal in removals:
        click.echo(_removal_line(removal))
    if not removals and (result.tracked or result.exact):
        click.echo(_("'retention scan --remove' removes the copies found (not the likely ones)."))


def _removal_line(removal: Removal) -> str:
    path, outcome = shown(str(removal.found.path)), removal.outcome
    if outcome.method is None:
        return _(_KEPT[outcome.kept or originals.Kept.FAILED]).format(path=path)
    line = _("Removed: {path} — {how}.").format(path=path, how=_(_METHODS[outcome.method]))
    if removal.synced is not None:
        line += " " + _(
            "It was in a folder synced to {service}: delete it there too, also from the bin."
        ).format(service=removal.synced.service)
    return line
