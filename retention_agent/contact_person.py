"""The family's Red Barnet contact person: whom the rules send the family to (R2c resuming
contact, C2 a concern for the child, a decision recorded by mistake).

Kept as one sealed record (topic ``contact-person``, no case): it is not case data, so a
case's deletion leaves it alone, and :func:`clear` destroys it key first like any other
sealed record. Its details are shown on the family's own screen (the CLI, the tray's
menu), never in a notification, which a lock screen shows to anyone: those say "jeres
kontaktperson".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_
from retention_agent.vault import sealed
from retention_agent.vault.vault import Vault

TOPIC = "contact-person"
MAX_LENGTH = 200


class ContactPersonNeedsName(RetentionError):
    message = N_("The contact person needs a name (--name).")
    exit_code = ExitCode.INPUT


class BadContactPersonDetail(RetentionError):
    message = N_(
        "'{value}' does not look like a phone number or an e-mail address for {field}. "
        "Nothing was changed."
    )
    exit_code = ExitCode.INPUT


@dataclass(frozen=True)
class ContactPerson:
    name: str
    phone: str | None = None
    email: str | None = None

    @classmethod
    def checked(cls, name: str, phone: str | None, email: str | None) -> ContactPerson:
        """The details as typed, trimmed; a blank name or an unlikely phone number or
        e-mail address is refused."""
        name = " ".join(name.split())
        if not name:
            raise ContactPersonNeedsName()
        phone = " ".join(phone.split()) if phone else None
        email = email.strip() if email else None
        if phone is not None and not _looks_like_phone(phone):
            raise BadContactPersonDetail(value=phone, field="--phone")
        if email is not None and not _looks_like_email(email):
            raise BadContactPersonDetail(value=email, field="--email")
        if len(name) > MAX_LENGTH:
            raise BadContactPersonDetail(value=name[:20] + "…", field="--name")
        return cls(name, phone or None, email or None)

    def as_json(self) -> dict[str, str | None]:
        return {"name": self.name, "phone": self.phone, "email": self.email}


def _looks_like_phone(value: str) -> bool:
    digits = sum(char.isdigit() for char in value)
    allowed = set("0123456789+ -()./")
    return 3 <= digits <= 20 and set(value) <= allowed and len(value) <= 40


def _looks_like_email(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    return bool(at and local and "." in domain and " " not in value and len(value) <= MAX_LENGTH)


def get(vault: Vault) -> ContactPerson | None:
    records = sealed.find(vault, TOPIC)
    if not records:
        return None
    value = records[-1].value
    return ContactPerson(value["name"], value.get("phone"), value.get("email"))


def set_person(vault: Vault, person: ContactPerson, now: dt.datetime) -> None:
    """Record ``person``, replacing (and destroying) any earlier record."""
    earlier = sealed.record_ids(vault, TOPIC)
    sealed.add(vault, TOPIC, person.as_json(), now)
    if earlier:
        sealed.destroy(vault, *earlier)


def clear(vault: Vault) -> bool:
    """Destroy the record (and any damaged one), key first; whether there was one."""
    earlier = sealed.record_ids(vault, TOPIC)
    if earlier:
        sealed.destroy(vault, *earlier)
    return bool(earlier)
