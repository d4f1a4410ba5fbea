"""Translated names for the values people see in tables: item kinds, phases, actions."""

from __future__ import annotations

from retention_agent.i18n import N_, _, ngettext

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


_PROBLEMS = {
    "blob_missing": N_("its encrypted file is missing"),
    "blob_truncated": N_("its encrypted file is cut short"),
}


def problem_label(code: str) -> str:
    return _(_PROBLEMS[code])


def relative_days(days: int) -> str:
    """``in 94 days`` / ``today`` / ``3 days ago``."""
    if days == 0:
        return _("today")
    if days > 0:
        return ngettext("in {n} day", "in {n} days", days).format(n=days)
    return ngettext("{n} day ago", "{n} days ago", -days).format(n=-days)
