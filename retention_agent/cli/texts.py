"""Translated names for the values people see in tables: item kinds, phases, actions."""

from __future__ import annotations

from collections.abc import Sequence

from retention_agent.i18n import N_, _, ngettext
from retention_agent.policy.assessment import Decision
from retention_agent.vault.finality import Finality

_KINDS = {
    "match_paper": N_("match paper"),
    "contact": N_("contact"),
    "message": N_("message"),
    "photo": N_("photo"),
}


def kind_label(kind: str) -> str:
    return _(_KINDS[kind])


def kind_count(kind: str, count: int) -> str:
    """``3 photos`` / ``3 billeder``."""
    forms = {
        "match_paper": ngettext("{n} match paper", "{n} match papers", count),
        "contact": ngettext("{n} contact", "{n} contacts", count),
        "message": ngettext("{n} message", "{n} messages", count),
        "photo": ngettext("{n} photo", "{n} photos", count),
    }
    return forms[kind].format(n=count)


def relative_days(days: int) -> str:
    """``in 94 days`` / ``today`` / ``3 days ago``."""
    if days == 0:
        return _("today")
    if days > 0:
        return ngettext("in {n} day", "in {n} days", days).format(n=days)
    return ngettext("{n} day ago", "{n} days ago", -days).format(n=-days)


_ACTIONS = {
    "remind": N_("reminder"),
    "offer_photo_export": N_("offer photos to family"),
    "advise": N_("advice"),
    "delete": N_("delete"),
}

_PHASES = {
    "active": N_("the Hjem til Os year is running"),
    "decision_due": N_("the year is over: a decision is needed"),
    "private": N_("continued privately"),
    "ending": N_("ended: data is being deleted"),
    "closed": N_("closed: everything is deleted"),
}


def action_label(action: str) -> str:
    return _(_ACTIONS[action])


def phase_label(phase: str) -> str:
    return _(_PHASES[phase])


def kinds_label(kinds: Sequence[str]) -> str:
    return ", ".join(kind_label(kind) for kind in kinds) or "—"


def decision_json(decision: Decision) -> dict[str, object]:
    return {
        "date": decision.due.isoformat(),
        "action": decision.action,
        "kinds": list(decision.kinds),
        "rule": decision.rule,
        "items": list(decision.items),
        "held_until": decision.held_until.isoformat() if decision.held_until else None,
        "reason": _(decision.reason),
    }


def finality_text(honest: Finality) -> str:
    """What deletion achieves on this disk, in words a family understands."""
    if not honest.old_copies_possible:
        return _(
            "Deleted data is gone for good on this disk: the key that could open it is "
            "destroyed and overwritten."
        )
    if honest.opened_by == "login":
        return _(
            "The key is destroyed. On this disk ({disk}) a specialist with your login "
            "password might still find old copies of it in the keyring's files; without "
            "the password the deleted data is unreadable."
        ).format(disk=honest.key_disk.type)
    return _(
        "The key is destroyed. On this disk ({disk}) a specialist with your passphrase "
        "might still find old copies; without the passphrase the deleted data is unreadable."
    ).format(disk=honest.disk.type)


def backups_text() -> str:
    return _(
        "The vault is left out of backups on purpose (marked for Time Machine, Déjà Dup, "
        "borg and restic): a backup would keep deleted data readable with the passphrase. "
        "Do not copy the vault folder into a backup or a synced folder yourself."
    )
