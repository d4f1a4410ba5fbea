"""``retention export photos``: clean copies of a case's photos for the child's family (R2b),
the same core code as the wizard, without a browser."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import click

from retention_agent.cli.common import (
    TranslatedGroup,
    common_options,
    emit_json,
    json_option,
    now,
    option,
)
from retention_agent.cli.session import open_vault
from retention_agent.errors import ExitCode
from retention_agent.export.errors import DestinationNeeded
from retention_agent.i18n import N_, _, format_size, ngettext

if TYPE_CHECKING:
    from retention_agent.export.check import ExportCheck
    from retention_agent.export.run import ExportResult

CONSENT = click.Choice(["yes", "no"])

LEFT_OUT = {
    "video-too-large": N_("a video too large to clean in memory (over 1 GiB)"),
    "video-unreadable": N_("a video whose format cannot be cleaned of its metadata"),
    "unreadable": N_("not readable as a photo or video"),
}
PROBLEMS = {
    "missing": N_("the file is gone"),
    "changed": N_("the file is not what was written"),
    "zip-damaged": N_("the zip file is damaged"),
    "not-clean": N_("metadata was found"),
    "count": N_("the number of photos does not add up"),
}


@click.group(cls=TranslatedGroup)
@common_options
def export() -> None:
    """Take photos out of the vault as clean copies for the child's family (R2b).

    \b
    Example:
        retention export photos --case 4f2a9b --to ~/Skrivebord --zip
    """


@export.command("photos")
@option("--case", "case_id", required=True, help="The case.")
@option(
    "--to",
    "destination",
    type=click.Path(path_type=Path, file_okay=False),
    help="An existing folder; a new folder for the photos is made inside it.",
)
@option("--zip", "as_zip", is_flag=True, help="Make zip files instead of a folder of photos.")
@option(
    "--max-part-mb",
    "part_mb",
    type=int,
    default=15,
    show_default=True,
    help="The largest size of each zip file, in MB (15 MB still fits most mail limits).",
)
@option("--long-edge", type=int, help="Make larger photos smaller: the long edge in pixels.")
@option(
    "--items",
    multiple=True,
    help="Only these photos: item ids, separated by commas or given one --items each.",
)
@option(
    "--family-consent",
    type=CONSENT,
    help="The child's family's answer; 'no' records that they declined and exports nothing.",
)
@option("--child-consent", type=CONSENT, help="The child's answer, recorded beside the family's.")
@option("--note", help="A note kept, encrypted, with the answers.")
@json_option
@common_options
def export_photos(
    case_id: str,
    destination: Path | None,
    as_zip: bool,
    part_mb: int,
    long_edge: int | None,
    items: tuple[str, ...],
    family_consent: Literal["yes", "no"] | None,
    child_consent: Literal["yes", "no"] | None,
    note: str | None,
    as_json: bool,
) -> None:
    """Export a case's photos as clean copies: no location, camera or other hidden data,
    neutral file names, in a new folder or in zip files small enough to mail.

    Exporting is not sending: when the photos have been sent to the child's family,
    record it with 'retention case export-done'. A family's 'no' is recorded at once.

    \b
    Example:
        retention export photos --case 4f2a9b --to ~/Skrivebord --family-consent yes
        retention export photos --case 4f2a9b --to . --zip --max-part-mb 10 --long-edge 2048
        retention export photos --case 4f2a9b --family-consent no --child-consent yes
    """
    from retention_agent.export import offer
    from retention_agent.export.check import check_export
    from retention_agent.export.records import Answers, get_export
    from retention_agent.export.run import ExportOptions, export_photos

    answers = Answers(family_consent, child_consent, note)
    moment = now()
    if family_consent == "no":
        with open_vault() as vault:
            offer.decline(vault, case_id, moment, answers)
        if as_json:
            emit_json({"case": case_id, "outcome": "declined"})
            return
        click.echo(
            _(
                "Recorded: the child's family does not want the photos (R2b). Photos and "
                "contacts of case {case} are now due for deletion; run 'retention apply'."
            ).format(case=case_id)
        )
        return
    if destination is None:
        raise DestinationNeeded()
    options = ExportOptions(
        destination=destination,
        as_zip=as_zip,
        part_mb=part_mb,
        long_edge=long_edge,
        items=tuple(item for value in items for item in value.replace(" ", ",").split(",") if item),
        answers=answers,
    )
    with open_vault() as vault:
        result = export_photos(vault, case_id, options, moment)
        check = check_export(vault, get_export(vault, result.record_id))
    if as_json:
        emit_json(_to_json(case_id, result, check))
    else:
        _render(case_id, result, check)
    if not check.ok:
        click.get_current_context().exit(ExitCode.INTEGRITY)


def _to_json(case_id: str, result: ExportResult, check: ExportCheck) -> dict[str, object]:
    return {
        "case": case_id,
        "record": result.record_id,
        "destination": str(result.folder),
        "zip": result.as_zip,
        "count": len(result.items),
        "files": [{"path": str(f.path), "size": f.size} for f in result.files],
        "items": list(result.items),
        "left_out": [{"item": i.item_id, "reason": i.reason} for i in result.left_out],
        "oversized": [str(path) for path in result.oversized],
        "check": {
            "ok": check.ok,
            "files": check.files,
            "photos": check.photos,
            "problems": [{"path": str(p), "problem": code} for p, code in check.problems],
        },
    }


def _render(case_id: str, result: ExportResult, check: ExportCheck) -> None:
    count = len(result.items)
    click.echo(
        ngettext(
            "Exported {n} photo to {folder}.", "Exported {n} photos to {folder}.", count
        ).format(n=count, folder=result.folder)
    )
    for file in result.files:
        click.echo(f"  {file.path.name}  {format_size(file.size)}")
    for path in result.oversized:
        click.echo(
            _("Note: {name} is larger than the limit: it holds one large photo or video.").format(
                name=path.name
            )
        )
    for item in result.left_out:
        click.echo(
            _("Left out: item {item}, {reason}.").format(
                item=item.item_id, reason=_(LEFT_OUT[item.reason])
            )
        )
    if check.ok:
        click.echo(_("Checked: every file reads back as written, with no location or camera data."))
    for path, code in check.problems:
        click.echo(
            _("Check failed: {name}: {problem}.").format(name=path.name, problem=_(PROBLEMS[code]))
        )
    click.echo(
        _(
            "Exporting is not sending. When the photos have been sent to the child's family, "
            "run 'retention case export-done --case {case}', then delete the folder."
        ).format(case=case_id)
    )
