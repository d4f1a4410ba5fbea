"""Translated names for the values people see: item kinds, phases, actions, rules and the
reasons behind each decision, worded for whether its day is past or still to come."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from retention_agent.i18n import N_, _, format_date, ngettext
from retention_agent.names import shown
from retention_agent.policy import engine
from retention_agent.policy.assessment import Decision
from retention_agent.policy.model import KINDS, RuleId
from retention_agent.vault.finality import Finality
from retention_agent.vault.records import CaseRecord

# One item of a kind, as in "added as match paper" or a line of 'retention list'.
_KINDS = {
    "match_paper": N_("match paper"),
    "contact": N_("contact"),
    "message": N_("message"),
    "photo": N_("photo"),
}
# A kind as a whole, as in "delete: messages, photos".
_KIND_GROUPS = {
    "match_paper": N_("match paper"),
    "contact": N_("contact details"),
    "message": N_("messages"),
    "photo": N_("photos"),
}


def kind_label(kind: str) -> str:
    return _(_KINDS[kind])


def kinds_label(kinds: Iterable[str]) -> str:
    """``match paper, messages, photos``, always in the policy's order of kinds."""
    present = set(kinds)
    return ", ".join(_(_KIND_GROUPS[kind]) for kind in KINDS if kind in present) or "—"


def kind_count(kind: str, count: int) -> str:
    """``3 photos`` / ``3 billeder``."""
    forms = {
        "match_paper": ngettext("{n} match paper", "{n} match papers", count),
        "contact": ngettext("{n} contact", "{n} contacts", count),
        "message": ngettext("{n} message", "{n} messages", count),
        "photo": ngettext("{n} photo", "{n} photos", count),
    }
    return forms[kind].format(n=count)


def case_heading(case: CaseRecord) -> str:
    """``Case 4f2a9b – Barn A``; a case whose alias went with its data says so."""
    if case.alias is not None:
        alias = shown(case.alias)
    elif case.damaged:
        alias = _("(the alias cannot be read)")
    else:
        alias = _("(the alias is deleted)")
    return _("Case {case} – {alias}").format(case=case.id, alias=alias)


def rule_label(rule: RuleId | None) -> str:
    """The rule behind a decision, or the family's own decision where no rule is."""
    return rule if rule is not None else _("your decision")


def relative_days(days: int) -> str:
    """``in 94 days`` / ``today`` / ``3 days ago``."""
    if days == 0:
        return _("today")
    if days > 0:
        return ngettext("in {n} day", "in {n} days", days).format(n=days)
    return ngettext("{n} day ago", "{n} days ago", -days).format(n=-days)


_ACTIONS = {
    "remind": N_("reminder"),
    "offer_photo_export": N_("offer to the family"),
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


# The engine states why in the words of the day the decision takes effect; said of a day
# still to come, these read as what will be true by then.
_BY_THEN = {
    engine.YEAR_ENDED: N_("By then the Hjem til Os year is over."),
    engine.ASSUMED_ENDED: N_(
        "Unless a decision is recorded in time, the relationship counts as ended by then."
    ),
    engine.OFFER_EXPIRED: N_("By then the time for offering the photos has run out."),
}


def reason_text(decision: Decision, today: dt.date) -> str:
    reason = decision.reason
    if decision.due > today:
        reason = _BY_THEN.get(reason, reason)
    return _(reason)


def held_text(decision: Decision) -> str | None:
    if decision.held_until is None:
        return None
    return _("Postponed by a hold (C2) until after {date}.").format(
        date=format_date(decision.held_until)
    )


def decision_json(decision: Decision, today: dt.date) -> dict[str, object]:
    return {
        "date": decision.due.isoformat(),
        "action": decision.action,
        "kinds": list(decision.kinds),
        "rule": decision.rule,  # null: the family's own decision, not a policy rule
        "items": list(decision.items),
        "held_until": decision.held_until.isoformat() if decision.held_until else None,
        "reason": reason_text(decision, today),
    }


def deletions_ahead(decisions: Iterable[Decision], today: dt.date) -> list[str]:
    """One line per day with deletions: what goes and under which rules; whatever is
    already due goes at the next 'retention apply'."""
    days: dict[dt.date, list[Decision]] = {}
    for decision in decisions:
        if decision.action == "delete" and decision.items:
            days.setdefault(max(decision.due, today), []).append(decision)
    lines = []
    for day, group in sorted(days.items()):
        kinds = kinds_label(kind for d in group for kind in d.kinds)
        rules = ", ".join(dict.fromkeys(rule_label(d.rule) for d in group))
        if day <= today:
            text = _("Deleted at the next 'retention apply': {kinds} ({rules}).")
        else:
            text = _("Deleted on {date}: {kinds} ({rules}).")
        lines.append(text.format(date=format_date(day), kinds=kinds, rules=rules))
    return lines


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
