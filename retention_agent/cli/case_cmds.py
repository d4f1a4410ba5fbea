"""``case new`` and ``case list``: one case per Hjem til Os relationship."""

from __future__ import annotations

import datetime as dt

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
from retention_agent.cli.session import open_vault
from retention_agent.i18n import _, format_date
from retention_agent.policy.loader import default_policy
from retention_agent.vault.cases import list_cases, new_case


@click.group(cls=TranslatedGroup)
@common_options
def case() -> None:
    """Cases: one per child your family is matched with."""


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
    with open_vault() as vault:
        cases = list_cases(vault)
    if as_json:
        emit_json(
            [
                {"id": record.id, "alias": record.alias, "start": record.start.isoformat()}
                for record in cases
            ]
        )
        return
    if not cases:
        click.echo(_("No cases yet. Start one with 'retention case new'."))
    for record in cases:
        click.echo(f"{record.id}  {format_date(record.start)}  {record.alias or '—'}")
