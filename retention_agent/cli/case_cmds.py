"""``case new`` and ``case list``: one case per Hjem til Os relationship."""

from __future__ import annotations

import datetime as dt
from typing import get_args

import click

from retention_agent.cli.common import (
    DATE,
    TranslatedGroup,
    common_options,
    emit_json,
    json_option,
    now,
    option,
)
from retention_agent.cli.contact_person_cmds import echo_contact_person, naming_contact_person_on
from retention_agent.cli.session import open_vault
from retention_agent.errors import DecisionAlreadyRecorded
from retention_agent.i18n import _, format_date
from retention_agent.lifecycle import record_continue, record_end, record_export_outcome
from retention_agent.names import json_fields, shown
from retention_agent.policy.engine import RESUME_VIA_CONTACT_PERSON
from retention_agent.policy.facts import Initiator
from retention_agent.policy.loader import default_policy
from retention_agent.vault.cases import list_cases, new_case


@click.group(cls=TranslatedGroup)
@common_options
def case() -> None:
    """Cases: one per child your family is matched with.

    \b
    Example:
        retention case new --child "Barn A" --start 2026-03-01
        retention case end --case 4f2a9b --initiated-by child-family
    """


@case.command("new")
@option("--child", "alias", required=True, help="A name or nickname you will recognise.")
@option("--start", required=True, type=DATE, help="The match date, when the year begins.")
@json_option
@common_options
def case_new(alias: str, start: dt.date, as_json: bool) -> None:
    """Start a case for a new Hjem til Os match; prints its id.

    The alias is stored encrypted. The case follows the policy installed today, even if
    a newer version arrives later.

    \b
    Example:
        retention case new --child "Barn A" --start 2026-03-01
    """
    policy = default_policy()
    with open_vault() as vault:
        case_id = new_case(
            vault,
            alias=alias,
            start=start,
            policy_id=policy.id,
            policy_version=policy.version,
            policy_text=policy.text,
            now=now(),
        )
    if as_json:
        emit_json({"id": case_id})
    else:
        click.echo(case_id)


@case.command("list")
@json_option
@common_options
def case_list(as_json: bool) -> None:
    """List the cases.

    \b
    Example:
        retention case list
    """
    with open_vault(read_only=True) as vault:
        cases = list_cases(vault)
    if as_json:
        emit_json(
            [
                {
                    "id": record.id,
                    **json_fields("alias", record.alias),
                    "start": record.start.isoformat(),
                }
                for record in cases
            ]
        )
        return
    if not cases:
        click.echo(_("No cases yet. Start one with 'retention case new'."))
    for record in cases:
        click.echo(f"{record.id}  {format_date(record.start)}  {shown(record.alias or '—')}")


@case.command("continue")
@option("--case", "case_id", required=True, help="The case.")
@common_options
def case_continue(case_id: str) -> None:
    """Record that the relationship continues privately after the Hjem til Os year (R1).

    Only the match paper is deleted (at the end of the year, or at once if it has
    ended); contacts, messages and photos stay as part of a private relationship.

    \b
    Example:
        retention case continue --case 4f2a9b
    """
    with open_vault() as vault, naming_contact_person_on(vault, DecisionAlreadyRecorded):
        record_continue(vault, case_id, now().date())
    click.echo(_("Recorded: case {case} continues privately (R1).").format(case=case_id))
    click.echo(_("The match paper will be deleted when the year ends (R3); run 'retention plan'."))


@case.command("end")
@option("--case", "case_id", required=True, help="The case.")
@option("--date", "ended_on", type=DATE, help="The day the relationship ended (default: today).")
@option(
    "--initiated-by",
    type=click.Choice(get_args(Initiator)),
    default="other",
    show_default=True,
    help="Whose initiative the ending was.",
)
@common_options
def case_end(case_id: str, ended_on: dt.date | None, initiated_by: str) -> None:
    """Record that the relationship has ended, early or at/after the year end (R2).

    Messages and the match paper are deleted at once. Photos and contacts stay while
    you offer the photos to the child's family (R2b), then they are deleted too.

    \b
    Example:
        retention case end --case 4f2a9b --date 2027-03-01 --initiated-by child-family
    """
    today = now().date()
    with open_vault() as vault, naming_contact_person_on(vault, DecisionAlreadyRecorded):
        record_end(vault, case_id, today, ended_on or today, initiated_by)  # type: ignore[arg-type]
        click.echo(
            _("Recorded: the relationship in case {case} has ended (R2).").format(case=case_id)
        )
        if initiated_by == "volunteers":
            click.echo(_(RESUME_VIA_CONTACT_PERSON))
            echo_contact_person(vault)
    click.echo(_("Run 'retention plan' to see what will be deleted when."))


@case.command("export-done")
@option("--case", "case_id", required=True, help="The case.")
@option("--declined", is_flag=True, help="The child's family did not want the photos.")
@common_options
def case_export_done(case_id: str, declined: bool) -> None:
    """Record that the photos were sent to the child's family, or that they declined (R2b).

    Photos and contacts are then due for deletion.

    \b
    Example:
        retention case export-done --case 4f2a9b
        retention case export-done --case 4f2a9b --declined
    """
    with open_vault() as vault:
        record_export_outcome(vault, case_id, now().date(), "declined" if declined else "done")
    click.echo(
        _(
            "Recorded. Photos and contacts of case {case} are now due for deletion; "
            "run 'retention apply'."
        ).format(case=case_id)
    )
