"""``retention status``: what the vault holds, until when, and what needs attention."""

from __future__ import annotations

import click

from retention_agent.cli.common import (
    TranslatedCommand,
    common_options,
    emit_json,
    json_option,
    now,
)
from retention_agent.cli.session import open_vault
from retention_agent.cli.texts import kind_count, problem_label, relative_days
from retention_agent.i18n import _, current_language, format_date
from retention_agent.report import Status, build_status


@click.command(cls=TranslatedCommand)
@json_option
@common_options
def status(as_json: bool) -> None:
    """Show each case: when its Hjem til Os year ends, what the vault holds for it, where
    the key is kept, and any problems.

    \b
    Example:
        retention status
        RETENTION_NOW=2027-02-01 retention status --json
    """
    with open_vault() as vault:
        report = build_status(vault, now())
    if as_json:
        emit_json(to_json(report))
    else:
        render(report)


def to_json(report: Status) -> dict[str, object]:
    return {
        "today": report.today.isoformat(),
        "key": {"kind": report.key_kind, "location": report.key_location},
        "policy": {"id": report.installed_policy.id, "version": report.installed_policy.version},
        "cases": [
            {
                "id": case.case.id,
                "alias": case.case.alias,
                "start": case.case.start.isoformat(),
                "year_end": case.year_end.isoformat(),
                "days_left": case.days_left,
                "items": case.items,
                "policy": {"id": case.policy.id, "version": case.policy.version},
            }
            for case in report.cases
        ],
        "problems": [{"item": item, "problem": code} for item, code in report.problems],
    }


def render(report: Status) -> None:
    language = current_language()
    click.echo(_("Status on {date}").format(date=format_date(report.today)))
    click.echo(_("The key is kept in: {backend}.").format(backend=report.key_location))
    click.echo(
        _("Installed policy: {policy}, version {version} ({label}).").format(
            policy=report.installed_policy.id,
            version=report.installed_policy.version,
            label=report.installed_policy.label.text(language),
        )
    )
    if not report.cases:
        click.echo(_("No cases yet. Start one with 'retention case new'."))
    for case in report.cases:
        click.echo("")
        click.echo(
            _("Case {case} – {alias}").format(case=case.case.id, alias=case.case.alias or "—")
        )
        click.echo("  " + _("Match date: {date}").format(date=format_date(case.case.start)))
        click.echo(
            "  "
            + _("The Hjem til Os year ends: {date} ({relative})").format(
                date=format_date(case.year_end), relative=relative_days(case.days_left)
            )
        )
        click.echo(
            "  "
            + _("Policy: {policy}, version {version} ({label})").format(
                policy=case.policy.id,
                version=case.policy.version,
                label=case.policy.label.text(language),
            )
        )
        held = [kind_count(kind, count) for kind, count in case.items.items() if count]
        click.echo("  " + _("Held: {items}").format(items=", ".join(held) or _("nothing")))
    click.echo("")
    if not report.problems:
        click.echo(_("Problems: none."))
    for item, code in report.problems:
        click.echo(
            _("Problem: item {item}: {problem}").format(item=item, problem=problem_label(code))
        )
