"""``case new``, ``case list`` and the decisions of the Hjem til Os year: ``continue``,
``end``, ``export-done`` and, after a private continuation, ``close``."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import get_args

import click

from retention_agent.cli.common import (
    DATE,
    TranslatedGroup,
    common_options,
    confirm,
    emit_json,
    json_option,
    now,
    option,
    yes_option,
)
from retention_agent.cli.contact_person_cmds import echo_contact_person, naming_contact_person_on
from retention_agent.cli.session import open_vault
from retention_agent.cli.texts import deletions_ahead, kind_count, kinds_label
from retention_agent.enforce import assess, item_facts
from retention_agent.errors import DecisionAlreadyRecorded
from retention_agent.i18n import _, format_date
from retention_agent.lifecycle import (
    check_close,
    check_start,
    record_close,
    record_continue,
    record_end,
    record_export_outcome,
)
from retention_agent.names import json_fields, shown
from retention_agent.policy.engine import RESUME_VIA_CONTACT_PERSON
from retention_agent.policy.facts import Initiator
from retention_agent.policy.loader import default_policy
from retention_agent.policy.model import KINDS
from retention_agent.vault.cases import get_case, list_cases, new_case
from retention_agent.vault.vault import Vault


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
@yes_option
@json_option
@common_options
def case_new(alias: str, start: dt.date, assume_yes: bool, as_json: bool) -> None:
    """Start a case for a new Hjem til Os match; prints its id.

    The alias is stored encrypted. The case follows the policy installed today, even if
    a newer version arrives later. A match date more than a year ahead is refused; for
    one whose Hjem til Os year is already over you are asked first.

    \b
    Example:
        retention case new --child "Barn A" --start 2026-03-01
    """
    policy = default_policy()
    moment = now()
    due_at_once = check_start(policy, start, moment.date())
    if due_at_once:
        click.echo(
            _(
                "The Hjem til Os year of a match on {start} ended on {end}. Whatever you add "
                "to this case is deleted at the next 'retention apply': {kinds}."
            ).format(
                start=format_date(start),
                end=format_date(policy.timing.year.after(start)),
                kinds=kinds_label(due_at_once),
            ),
            err=True,
        )
        confirm(_("Create the case anyway?"), assume_yes)
    with open_vault() as vault:
        case_id = new_case(
            vault,
            alias=alias,
            start=start,
            policy_id=policy.id,
            policy_version=policy.version,
            policy_text=policy.text,
            now=moment,
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
    ended); contacts, messages and photos stay as part of a private relationship. If
    the relationship stops before the year is over, 'retention case end' still applies.

    \b
    Example:
        retention case continue --case 4f2a9b
    """
    today = now().date()
    with open_vault() as vault, naming_contact_person_on(vault, DecisionAlreadyRecorded):
        record_continue(vault, case_id, today)
        ahead = _deletions_ahead(vault, case_id, today)
    click.echo(_("Recorded: case {case} continues privately (R1).").format(case=case_id))
    _echo_lines(ahead)


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
def case_end(case_id: str, ended_on: dt.date | None, initiated_by: Initiator) -> None:
    """Record that the relationship has ended, early or at/after the year end (R2).

    Messages and the match paper are deleted at once. Photos and contacts stay while
    you offer the photos to the child's family (R2b), then they are deleted too.
    Within the Hjem til Os year this also replaces a decision to continue.

    \b
    Example:
        retention case end --case 4f2a9b --date 2027-03-01 --initiated-by child-family
    """
    today = now().date()
    with open_vault() as vault, naming_contact_person_on(vault, DecisionAlreadyRecorded):
        recorded = record_end(vault, case_id, today, ended_on or today, initiated_by)
        ahead = _deletions_ahead(vault, case_id, today)
        click.echo(
            _("Recorded: the relationship in case {case} has ended (R2).").format(case=case_id)
        )
        if recorded.replaced_continue_on is not None:
            click.echo(
                _("This replaces the decision to continue privately, recorded on {date}.").format(
                    date=format_date(recorded.replaced_continue_on)
                )
            )
        if recorded.counted_as_ended_on is not None:
            click.echo(
                _(
                    "The case already counted as ended on {date}, as no decision was recorded "
                    "in time; that date stays, so no deletion is put off."
                ).format(date=format_date(recorded.counted_as_ended_on))
            )
        if initiated_by == "volunteers":
            click.echo(_(RESUME_VIA_CONTACT_PERSON))
            echo_contact_person(vault)
    _echo_lines(ahead)


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
    today = now().date()
    with open_vault() as vault:
        record_export_outcome(vault, case_id, today, "declined" if declined else "done")
        ahead = _deletions_ahead(vault, case_id, today)
    if declined:
        text = _("Recorded: the child's family did not want the photos of case {case} (R2b).")
    else:
        text = _("Recorded: the photos of case {case} were sent to the child's family (R2b).")
    click.echo(text.format(case=case_id))
    _echo_lines(ahead)


@case.command("close")
@option("--case", "case_id", required=True, help="The case.")
@option(
    "--no-offer",
    is_flag=True,
    help="Do not offer the photos to the child's family first; delete them at once.",
)
@yes_option
@common_options
def case_close(case_id: str, no_offer: bool, assume_yes: bool) -> None:
    """Stop keeping the data of a case you continued privately after the Hjem til Os year.

    Your own decision: no rule of the policy requires it any more. As when a
    relationship ends, the photos are first offered to the child's family (unless
    --no-offer); then everything left in the case is deleted. You are asked first.

    \b
    Example:
        retention case close --case 4f2a9b
        retention case close --case 4f2a9b --no-offer --yes
    """
    today = now().date()
    with open_vault(read_only=True) as vault:
        check_close(vault, case_id, today)
        held = Counter(item.kind for item in item_facts(vault, case_id))
    items = [kind_count(kind, held[kind]) for kind in KINDS if held[kind]]
    click.echo(
        _("Closing case {case} deletes everything left in it: {items}.").format(
            case=case_id, items=", ".join(items) or _("nothing")
        ),
        err=True,
    )
    confirm(_("Close the case?"), assume_yes)  # not while holding the vault's lock
    with open_vault() as vault:
        record_close(vault, case_id, today, offer_photos=not no_offer)
        assessment = assess(vault, get_case(vault, case_id), today)
    click.echo(_("Recorded: case {case} is closed at your own decision.").format(case=case_id))
    if any(d.action == "offer_photo_export" for d in assessment.decisions):
        click.echo(
            _(
                "Offer the photos to the child's family now (R2b), then record it with "
                "'retention case export-done --case {case}'."
            ).format(case=case_id)
        )
    _echo_lines(deletions_ahead(assessment.decisions, today))


def _deletions_ahead(vault: Vault, case_id: str, today: dt.date) -> list[str]:
    return deletions_ahead(assess(vault, get_case(vault, case_id), today).decisions, today)


def _echo_lines(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)
