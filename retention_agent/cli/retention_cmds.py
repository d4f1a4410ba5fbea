"""``plan``, ``apply``, ``remove``, ``hold``, ``release`` and ``checklist``:
seeing and carrying out what the rules say, and recording what the family did outside
the vault."""

from __future__ import annotations

import datetime as dt

import click

from retention_agent.cli.common import (
    DATE,
    TranslatedCommand,
    common_options,
    confirm,
    emit_json,
    json_option,
    now,
    option,
    yes_option,
)
from retention_agent.cli.contact_person_cmds import echo_contact_person
from retention_agent.cli.leftover_texts import copies_line, tombstone_line
from retention_agent.cli.receipts_cmd import describe_receipt, receipt_json, why_text
from retention_agent.cli.session import open_vault
from retention_agent.cli.texts import (
    action_label,
    case_heading,
    decision_json,
    held_text,
    kind_label,
    kinds_label,
    reason_text,
    rule_label,
)
from retention_agent.enforce import (
    apply_due,
    assess,
    check_remove,
    due_deletions,
    pending,
    remove_items,
)
from retention_agent.i18n import _, format_date, ngettext
from retention_agent.lifecycle import (
    ALL_PLACES,
    checklist_done,
    checklist_places,
    expire_tombstones,
    mark_checklist,
    place_hold,
    release_hold,
)
from retention_agent.names import shown
from retention_agent.scan.summary import copies_outside, leftovers
from retention_agent.vault import catalog
from retention_agent.vault.cases import get_case, list_cases, require_case


@click.command(cls=TranslatedCommand)
@option("--case", "case_id", help="Only this case.")
@json_option
@common_options
def plan(case_id: str | None, as_json: bool) -> None:
    """Show the whole timeline from today: every reminder, offer and deletion, with its
    date, the kinds it concerns and the rule behind it. Changes nothing.

    \b
    Example:
        retention plan
        RETENTION_NOW=2027-02-01 retention plan --case 4f2a9b --json
    """
    today = now().date()
    with open_vault(read_only=True) as vault:
        cases = [get_case(vault, case_id)] if case_id else list_cases(vault)
        timelines = [(case, pending(assess(vault, case, today), today)) for case in cases]
    if as_json:
        emit_json(
            [
                {"case": case.id, "next": [decision_json(d, today) for d in decisions]}
                for case, decisions in timelines
            ]
        )
        return
    for case, decisions in timelines:
        click.echo(case_heading(case))
        if not decisions:
            click.echo("  " + _("Nothing more is planned."))
        for decision in decisions:
            click.echo(
                f"  {format_date(decision.due):<18} {action_label(decision.action):<22} "
                f"{kinds_label(decision.kinds):<34} ({rule_label(decision.rule)})"
            )
            click.echo(f"  {'':<18} {reason_text(decision, today)}")
            held = held_text(decision)
            if held:
                click.echo(f"  {'':<18} {held}")


@click.command(cls=TranslatedCommand)
@option("--dry-run", is_flag=True, help="Only show what would be deleted.")
@json_option
@common_options
def apply(dry_run: bool, as_json: bool) -> None:
    """Carry out every deletion that is due today: keys destroyed, encrypted files
    removed, the vault key rotated, a receipt written.

    \b
    Example:
        retention apply --dry-run
        retention apply
    """
    moment = now()
    with open_vault(read_only=dry_run) as vault:
        # Copies the program left outside the vault: the deletion does not reach them.
        outside = copies_outside(vault)
        if dry_run:
            due = due_deletions(vault, moment.date())
            if as_json:
                emit_json(
                    [
                        {
                            "case": d.case_id,
                            "items": list(d.request.item_ids),
                            "kinds": list(d.kinds),
                            "rules": list(d.request.rules),
                            "reason": d.request.reason,
                            "copies_outside": outside[d.case_id],
                        }
                        for d in due
                    ]
                )
                return
            if not due:
                click.echo(_("Nothing is due for deletion today."))
            for d in due:
                click.echo(
                    ngettext(
                        "Would delete: case {case}: {count} file ({kinds}) {why}.",
                        "Would delete: case {case}: {count} files ({kinds}) {why}.",
                        len(d.request.item_ids),
                    ).format(
                        case=d.case_id,
                        count=len(d.request.item_ids),
                        kinds=kinds_label(d.kinds),
                        why=why_text(d.request.rules, d.request.reason),
                    )
                )
                if outside[d.case_id]:
                    click.echo("  " + copies_line(outside[d.case_id]))
            return
        done = apply_due(vault, moment)
        expire_tombstones(vault, moment.date())
        outside = copies_outside(vault)
    if as_json:
        emit_json([receipt_json(r) | {"copies_outside": outside[r.body["case"]]} for r in done])
        return
    if not done:
        click.echo(_("Nothing is due for deletion today."))
    for receipt in done:
        click.echo(describe_receipt(receipt))
        if outside[receipt.body["case"]]:
            click.echo("  " + copies_line(outside[receipt.body["case"]]))


@click.command(cls=TranslatedCommand)
@click.argument("item_ids", nargs=-1, required=True, metavar="ITEMS...")
@yes_option
@json_option
@common_options
def remove(item_ids: tuple[str, ...], assume_yes: bool, as_json: bool) -> None:
    """Delete files you added by mistake, for good, the way 'retention apply' deletes:
    keys destroyed, encrypted files removed, the vault key rotated, a receipt written.
    You are asked first. Nothing is deleted from a case under a hold (C2).

    \b
    Example:
        retention remove 1a2b3c4d
        retention remove 1a2b3c4d 5e6f7a8b --yes
    """
    with open_vault(read_only=True) as vault:
        check_remove(vault, item_ids, now().date())
        items = [catalog.get_item(vault, item_id) for item_id in dict.fromkeys(item_ids)]
    for item in items:  # the family's own terminal: the names help them check
        click.echo(
            _("{item}: {kind} in case {case}, {name}").format(
                item=item.id, kind=kind_label(item.kind), case=item.case_id, name=shown(item.name)
            ),
            err=True,
        )
    count = len(items)
    confirm(
        ngettext(
            "Delete this file for good? This cannot be undone.",
            "Delete these {count} files for good? This cannot be undone.",
            count,
        ).format(count=count),
        assume_yes,
    )  # asked with the vault closed, so nothing waits for the answer
    with open_vault() as vault:
        done = remove_items(vault, item_ids, now())
    if as_json:
        emit_json([receipt_json(r) for r in done])
        return
    for receipt in done:
        click.echo(describe_receipt(receipt))


# Why a deletion that no rule asked for was made (the receipt's ``reason``).
@click.command(cls=TranslatedCommand)
@option("--case", "case_id", required=True, help="The case.")
@option("--until", required=True, type=DATE, help="The last day nothing may be deleted.")
@option(
    "--reason", required=True, help="Why (stored encrypted), e.g. a concern reported to Red Barnet."
)
@common_options
def hold(case_id: str, until: dt.date, reason: str) -> None:
    """Keep everything in a case until a date, e.g. while a concern you passed on to your
    Red Barnet contact person is looked into (C2). Lasts at most as long as the policy allows.

    \b
    Example:
        retention hold --case 4f2a9b --until 2027-06-01 --reason "Bekymring meldt til Red Barnet"
    """
    with open_vault() as vault:
        place_hold(vault, case_id, now().date(), until, reason)
        click.echo(
            _("Nothing in case {case} will be deleted until after {date}.").format(
                case=case_id, date=format_date(until)
            )
        )
        click.echo(_("A concern for the child goes to your Red Barnet contact person first (C2)."))
        echo_contact_person(vault)


@click.command(cls=TranslatedCommand)
@option("--case", "case_id", required=True, help="The case.")
@common_options
def release(case_id: str) -> None:
    """End the holds on a case; postponed deletions become due again.

    \b
    Example:
        retention release --case 4f2a9b
    """
    with open_vault() as vault:
        release_hold(vault, case_id, now().date())
    click.echo(_("The hold on case {case} has ended.").format(case=case_id))


@click.command(cls=TranslatedCommand)
@option("--case", "case_id", required=True, help="The case.")
@option("--done", "mark_done", is_flag=True, help="Record the places named after it as done.")
@click.argument("places", nargs=-1, type=click.Choice(list(ALL_PLACES)), metavar="[PLACE]...")
@json_option
@common_options
def checklist(case_id: str, mark_done: bool, places: tuple[str, ...], as_json: bool) -> None:
    """The places outside the vault the rules also cover; record the ones you have cleaned
    up. Each gets a receipt.

    \b
    Example:
        retention checklist --case 4f2a9b
        retention checklist --case 4f2a9b --done phone-contacts sms-chat
    """
    if places and not mark_done:
        raise click.UsageError(_("Put --done before the places you have cleaned up."))
    today = now().date()
    with open_vault(read_only=not places) as vault:
        require_case(vault, case_id)
        if places:
            mark_checklist(vault, case_id, today, list(places))
        done = checklist_done(vault, case_id)
        places_of_case = checklist_places(vault, case_id)
        outside = leftovers(vault).of(case_id)
    if as_json:
        emit_json(
            {
                "case": case_id,
                "places": [
                    {
                        "place": place,
                        "label": _(label),
                        "done_on": done[place].isoformat() if place in done else None,
                    }
                    for place, label in places_of_case.items()
                ],
                "copies_outside": outside.copies_outside,
            }
        )
        return
    for place, label in places_of_case.items():
        mark = "x" if place in done else " "
        when = f" ({format_date(done[place])})" if place in done else ""
        click.echo(f"[{mark}] {place:<15} {_(label)}{when}")
    click.echo(copies_line(outside.copies_outside))
    remembered = tombstone_line(outside)
    if remembered is not None:
        click.echo(remembered)
