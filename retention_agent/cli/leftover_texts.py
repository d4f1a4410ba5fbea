"""Lines about copies outside the vault that ``status``, ``apply``, ``checklist`` and
``scan`` share: tracked copies still out there, the tombstones' period, cloud sync."""

from __future__ import annotations

import click

from retention_agent.i18n import N_, _, format_date, ngettext
from retention_agent.scan import sync_warnings
from retention_agent.scan.summary import CaseLeftovers, Leftovers

_ORIGINS = {
    "open": N_("decrypted with 'retention open'"),
    "kept-original": N_("original kept with --keep-original"),
    "changed-original": N_("original kept because it changed while it was added"),
    "unremovable-original": N_("original the system refused to remove"),
    "import-partial": N_("original an import did not fully understand"),
    "photo-export": N_("photo export"),
}


def origin_label(origin: str) -> str:
    return _(_ORIGINS[origin])


def copies_line(count: int) -> str:
    """How many copies the program left outside the vault are still there."""
    if count == 0:
        return _("Copies left outside the vault by the program: none.")
    return ngettext(
        "{n} copy the program left outside the vault is still there; deleting from the "
        "vault does not reach it. 'retention scan --remove' removes it.",
        "{n} copies the program left outside the vault are still there; deleting from the "
        "vault does not reach them. 'retention scan --remove' removes them.",
        count,
    ).format(n=count)


def tombstone_line(case: CaseLeftovers) -> str | None:
    if not case.deleted_remembered or case.remembered_until is None:
        return None
    return ngettext(
        "The fingerprint of {n} deleted item is kept until {date} (or until the checklist "
        "is complete) so that 'retention scan' can find copies of it.",
        "The fingerprints of {n} deleted items are kept until {date} (or until the checklist "
        "is complete) so that 'retention scan' can find copies of them.",
        case.deleted_remembered,
    ).format(n=case.deleted_remembered, date=format_date(case.remembered_until))


def echo_sync_warnings(report: Leftovers) -> None:
    for subject, folder in report.synced:
        click.echo(sync_warnings.text(subject, folder), err=True)


def leftovers_json(report: Leftovers, case_id: str) -> dict[str, object]:
    case = report.of(case_id)
    return {
        "copies_outside": case.copies_outside,
        "deleted_fingerprints": {
            "items": case.deleted_remembered,
            "kept_until": case.remembered_until.isoformat() if case.remembered_until else None,
        },
    }


def synced_json(report: Leftovers) -> list[dict[str, str]]:
    return [
        {"what": subject, "service": folder.service, "folder": str(folder.root)}
        for subject, folder in report.synced
    ]
