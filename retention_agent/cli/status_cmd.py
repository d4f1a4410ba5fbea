"""``retention status``: what the vault holds, until when, and what needs attention."""

from __future__ import annotations

import datetime as dt

import click

from retention_agent.agent import heartbeat
from retention_agent.cli.agent_cmds import agent_line
from retention_agent.cli.common import (
    TranslatedCommand,
    common_options,
    emit_json,
    json_option,
    now,
    option,
)
from retention_agent.cli.contact_person_cmds import person_lines
from retention_agent.cli.leftover_texts import (
    copies_line,
    echo_sync_warnings,
    leftovers_json,
    synced_json,
    tombstone_line,
)
from retention_agent.cli.problems import problem_line
from retention_agent.cli.session import open_vault
from retention_agent.cli.texts import (
    action_label,
    case_heading,
    decision_json,
    finality_text,
    kind_count,
    kinds_label,
    phase_label,
    relative_days,
    rule_label,
)
from retention_agent.contact_person import ContactPerson
from retention_agent.i18n import _, current_language, format_date
from retention_agent.names import json_fields
from retention_agent.paths import vault_home
from retention_agent.policy.engine import RESUME_VIA_CONTACT_PERSON
from retention_agent.report import CaseStatus, Status, build_status

# The status shows the first few coming actions; ``retention plan`` shows them all.
NEXT_SHOWN = 4


@click.command(cls=TranslatedCommand)
@option("--case", "case_id", help="Only this case.")
@json_option
@common_options
def status(case_id: str | None, as_json: bool) -> None:
    """Show each case: when its Hjem til Os year ends, what the vault holds for it, where
    the key is kept, and any problems.

    \b
    Example:
        retention status
        retention status --case 4f2a9b
        RETENTION_NOW=2027-02-01 retention status --json
    """
    with open_vault(read_only=True) as vault:
        report = build_status(vault, now(), case_id)
    agent = heartbeat.status(vault_home())
    if as_json:
        emit_json(to_json(report) | {"agent": heartbeat.to_json(agent)})
    else:
        render(report, agent)


def to_json(report: Status) -> dict[str, object]:
    return {
        "today": report.today.isoformat(),
        "key": {"kind": report.key_kind, "location": report.key_location},
        "finality": report.finality.as_json(),
        "backups_excluded": report.backups_excluded,
        "policy": {"id": report.installed_policy.id, "version": report.installed_policy.version},
        "program_version": report.program_version,
        "recovery_code": report.recovery_code,
        "contact_person": report.contact_person is not None,
        "cases": [
            _case_json(case, report.today) | leftovers_json(report.leftovers, case.case.id)
            for case in report.cases
        ],
        "problems": [{"item": item, "problem": code} for item, code in report.problems],
        "synced": synced_json(report.leftovers),
    }


def _case_json(case: CaseStatus, today: dt.date) -> dict[str, object]:
    facts, assessment = case.facts, case.assessment
    return {
        "id": case.case.id,
        **json_fields("alias", case.case.alias),
        "start": case.case.start.isoformat(),
        "year_end": assessment.year_end.isoformat(),
        "days_left": case.days_left,
        "items": case.items,
        "policy": {"id": case.policy.id, "version": case.policy.version},
        "phase": assessment.phase,
        "decision": facts.decision,
        "decided_on": _iso(facts.decided_on),
        "ended_on": _iso(assessment.ended),
        "initiated_by": facts.initiated_by,
        "assumed_end": _iso(assessment.assumed_end),
        "export": facts.export_outcome,
        "closed_on": _iso(facts.closed_on),
        "holds": [{"placed_on": _iso(h.placed_on), "until": _iso(h.until)} for h in case.holds],
        "next": [decision_json(d, today) for d in case.next],
        "checklist": (
            {place: _iso(case.checklist.get(place)) for place in case.places}
            if _has_ended(case, today)
            else None
        ),
    }


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _has_ended(case: CaseStatus, today: dt.date) -> bool:
    return case.assessment.ended is not None and case.assessment.ended <= today


def render(report: Status, agent: heartbeat.AgentStatus) -> None:
    language = current_language()
    click.echo(_("Status on {date}").format(date=format_date(report.today)))
    click.echo(_("The key is kept in: {backend}.").format(backend=report.key_location))
    click.echo(finality_text(report.finality))
    if not report.backups_excluded:
        click.echo(
            _(
                "Warning: the markers that keep the vault out of backups are missing "
                "(the disk is read-only), so a backup program may copy it."
            )
        )
    click.echo(agent_line(agent))
    click.echo(_("Program: retention-agent {version}.").format(version=report.program_version))
    click.echo(
        _("Installed policy: {policy}, version {version} ({label}).").format(
            policy=report.installed_policy.id,
            version=report.installed_policy.version,
            label=report.installed_policy.label.text(language),
        )
    )
    if not report.recovery_code:
        click.echo(
            _(
                "Warning: this vault has no recovery code. If the passphrase is forgotten or "
                "the keyring is lost, nothing can open it. Make one with 'retention recovery "
                "new'."
            )
        )
    if not report.cases:
        click.echo(_("No cases yet. Start one with 'retention case new'."))
    echo_sync_warnings(report.leftovers)
    for case in report.cases:
        _render_case(case, report.today, report.contact_person)
        _render_leftovers(report, case.case.id)
    click.echo("")
    if not report.problems:
        click.echo(_("Problems: none."))
    for subject, code in report.problems:
        click.echo(_("Problem: {problem}").format(problem=problem_line(subject, code)))


def _render_case(case: CaseStatus, today: dt.date, person: ContactPerson | None) -> None:
    language = current_language()
    facts, assessment = case.facts, case.assessment
    line = _line
    click.echo("")
    click.echo(case_heading(case.case))
    line(_("Match date: {date}").format(date=format_date(case.case.start)))
    if not _has_ended(case, today):
        year_end = (
            _("The Hjem til Os year ended: {date} ({relative})")
            if case.days_left < 0
            else _("The Hjem til Os year ends: {date} ({relative})")
        )
        line(
            year_end.format(
                date=format_date(assessment.year_end), relative=relative_days(case.days_left)
            )
        )
    line(_("Phase: {phase}").format(phase=phase_label(assessment.phase)))
    line(_decision_text(case, today))
    for hold in case.holds:
        line(
            _("Hold (C2): nothing is deleted until after {until} (placed {placed}).").format(
                until=format_date(hold.until), placed=format_date(hold.placed_on)
            )
        )
    policy_line = _("Policy: {policy}, version {version} ({label})").format(
        policy=case.policy.id, version=case.policy.version, label=case.policy.label.text(language)
    )
    line(policy_line)
    held = [kind_count(kind, count) for kind, count in case.items.items() if count]
    line(_("Held: {items}").format(items=", ".join(held) or _("nothing")))
    if case.next:
        line(_("Next:"))
    for decision in case.next[:NEXT_SHOWN]:
        due = _("now") if decision.due < today else format_date(decision.due)
        kinds = f" – {kinds_label(decision.kinds)}" if decision.kinds else ""
        line(f"  {due}: {action_label(decision.action)}{kinds} ({rule_label(decision.rule)})")
    if len(case.next) > NEXT_SHOWN:
        line("  " + _("… 'retention plan --case {case}' shows all.").format(case=case.case.id))
    if _has_ended(case, today):
        done = len(case.checklist)
        line(
            _(
                "Outside the vault: {done} of {total} places checked. "
                "'retention checklist --case {case}' shows them."
            ).format(done=done, total=len(case.places), case=case.case.id)
        )
    if facts.decision == "end" and facts.initiated_by == "volunteers":
        line(_(RESUME_VIA_CONTACT_PERSON))
        for text in person_lines(person):
            line(text)


def _render_leftovers(report: Status, case_id: str) -> None:
    case = report.leftovers.of(case_id)
    if case.copies_outside:
        _line(copies_line(case.copies_outside))
    remembered = tombstone_line(case)
    if remembered is not None:
        _line(remembered)


def _decision_text(case: CaseStatus, today: dt.date) -> str:
    facts, assessment = case.facts, case.assessment
    if facts.decision == "continue" and facts.decided_on is not None:
        if facts.closed_on is not None:
            return _(
                "Decision: continued privately (R1), recorded {date}; you closed the case on "
                "{closed}, so nothing in it is kept."
            ).format(date=format_date(facts.decided_on), closed=format_date(facts.closed_on))
        return _("Decision: continues privately (R1), recorded {date}.").format(
            date=format_date(facts.decided_on)
        )
    if assessment.ended is not None and facts.decision == "end" and facts.decided_on is not None:
        if facts.decided_on > assessment.ended:  # recorded after it counted as ended
            return _(
                "Decision: the end was recorded on {recorded}; the relationship already "
                "counted as ended on {date} (R2)."
            ).format(recorded=format_date(facts.decided_on), date=format_date(assessment.ended))
        return _("Decision: the relationship ended on {date} (R2).").format(
            date=format_date(assessment.ended)
        )
    if assessment.ended is not None and assessment.ended <= today:
        return _(
            "Decision: none recorded, so the relationship counts as ended since {date} (R2)."
        ).format(date=format_date(assessment.ended))
    assumed = assessment.assumed_end or assessment.year_end
    return _(
        "Decision: none yet. Without one, the relationship counts as ended on {date} and "
        "everything is then deleted (R2)."
    ).format(date=format_date(assumed))


def _line(text: str) -> None:
    click.echo("  " + text)
