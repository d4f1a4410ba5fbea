"""``contact-person set|show|clear``: the family's Red Barnet contact person, and the lines
that name them wherever the rules send the family to them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from retention_agent import contact_person
from retention_agent.cli.common import TranslatedGroup, common_options, emit_json, json_option, now
from retention_agent.cli.common import option as cli_option
from retention_agent.cli.session import open_vault
from retention_agent.contact_person import ContactPerson
from retention_agent.errors import RetentionError
from retention_agent.i18n import _
from retention_agent.vault.vault import Vault


@click.group("contact-person", cls=TranslatedGroup)
@common_options
def contact_person_group() -> None:
    """Your Red Barnet contact person: whom to ask when the rules say so.

    Kept encrypted in the vault, apart from the cases: deleting a case leaves it.

    \b
    Example:
        retention contact-person set --name "Mette Hansen" --phone "+45 12 34 56 78"
        retention contact-person show
    """


@contact_person_group.command("set")
@cli_option("--name", required=True, help="The contact person's name.")
@cli_option("--phone", help="Their phone number.")
@cli_option("--email", help="Their e-mail address.")
@common_options
def contact_person_set(name: str, phone: str | None, email: str | None) -> None:
    """Record (or replace) your Red Barnet contact person.

    \b
    Example:
        retention contact-person set --name "Mette Hansen" --phone "+45 12 34 56 78"
        retention contact-person set --name "Mette Hansen" --email mette@example.org
    """
    person = ContactPerson.checked(name, phone, email)
    with open_vault() as vault:
        contact_person.set_person(vault, person, now())
    click.echo(_("Recorded: your Red Barnet contact person is {name}.").format(name=person.name))


@contact_person_group.command("show")
@json_option
@common_options
def contact_person_show(as_json: bool) -> None:
    """Show your Red Barnet contact person.

    \b
    Example:
        retention contact-person show
    """
    with open_vault(read_only=True) as vault:
        person = contact_person.get(vault)
    if as_json:
        emit_json(person.as_json() if person else None)
        return
    for line in person_lines(person):
        click.echo(line)


@contact_person_group.command("clear")
@common_options
def contact_person_clear() -> None:
    """Remove your contact person's details from the vault for good.

    \b
    Example:
        retention contact-person clear
    """
    with open_vault() as vault:
        cleared = contact_person.clear(vault)
    if cleared:
        click.echo(_("Your contact person's details are deleted from the vault."))
    else:
        click.echo(_("No contact person was recorded; nothing was changed."))


def person_lines(person: ContactPerson | None) -> list[str]:
    """Who the contact person is and how to reach them, or how to record them."""
    if person is None:
        return [
            _(
                "No contact person recorded. Add yours with 'retention contact-person set "
                "--name …' so the details are at hand when you need them."
            )
        ]
    lines = [_("Your Red Barnet contact person: {name}").format(name=person.name)]
    if person.phone:
        lines.append("  " + _("Phone: {phone}").format(phone=person.phone))
    if person.email:
        lines.append("  " + _("E-mail: {email}").format(email=person.email))
    return lines


def echo_contact_person(vault: Vault, *, err: bool = False) -> None:
    for line in person_lines(contact_person.get(vault)):
        click.echo(line, err=err)


@contextmanager
def naming_contact_person_on(vault: Vault, *refusals: type[RetentionError]) -> Iterator[None]:
    """Where a refusal sends the family to their contact person, say who that is (on
    stderr, after the error line the CLI prints)."""
    try:
        yield
    except refusals as error:
        click.echo(_("Error: {message}").format(message=error.user_text()), err=True)
        echo_contact_person(vault, err=True)
        raise click.exceptions.Exit(error.exit_code) from None
