"""The wizard's words for what the engine decides, in plain language for a family."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from retention_agent.export.offer import PhotoOffer
from retention_agent.i18n import N_, _

_KINDS = {
    "photo": N_("photos"),
    "contact": N_("contact details"),
    "message": N_("messages"),
    "match_paper": N_("the match paper"),
}
LEFT_OUT = {
    "video-too-large": N_("This video is too large to be cleaned on this computer."),
    "video-unreadable": N_("This video's format cannot be cleaned of its hidden data."),
    "unreadable": N_("This file could not be read as a photo or a video."),
}
PROBLEMS = {
    "missing": N_("The file is gone."),
    "changed": N_("The file is not what was written."),
    "zip-damaged": N_("The zip file is damaged."),
    "not-clean": N_("Hidden data was found in it."),
    "count": N_("The number of photos does not add up."),
}


@dataclass(frozen=True)
class Line:
    """One line of a case's timeline: a date and what happens on it."""

    date: dt.date
    text: str
    past: bool


def kinds_text(kinds: Sequence[str]) -> str:
    names = [_(_KINDS[kind]) for kind in kinds]
    if len(names) < 2:
        return "".join(names)
    return _("{first} and {last}").format(first=", ".join(names[:-1]), last=names[-1])


def timeline(offer: PhotoOffer, today: dt.date) -> list[Line]:
    """Milestones so far, then what is still to come; deletions of one day in one line.
    A deletion whose day has passed happens the next time the program tidies up: today."""
    year_end = _("The Hjem til Os year ended") if offer.year_end <= today else None
    lines = [
        Line(offer.start, _("The match: the Hjem til Os year began"), True),
        Line(offer.year_end, year_end or _("The Hjem til Os year ends"), year_end is not None),
    ]
    if offer.ended is not None and offer.ended <= today:
        lines.append(Line(offer.ended, _("The relationship ended"), True))
    if offer.outcome_on is not None:
        sent = offer.state == "sent"
        text = _("The photos were sent") if sent else _("The family did not want the photos")
        lines.append(Line(offer.outcome_on, text, True))
    deleted: dict[dt.date, list[str]] = {}
    for decision in offer.timeline:
        if decision.action == "delete":
            kinds = deleted.setdefault(max(decision.due, today), [])
            kinds.extend(kind for kind in decision.kinds if kind not in kinds)
        elif decision.action == "offer_photo_export":
            text = _("The photos may be offered to the child's family")
            lines.append(Line(decision.due, text, decision.due <= today))
        else:
            lines.append(Line(decision.due, _(decision.reason), decision.due < today))
    for day, kinds in deleted.items():
        ordered = [kind for kind in _KINDS if kind in kinds]
        lines.append(Line(day, _("Deleted: {kinds}").format(kinds=kinds_text(ordered)), False))
    return sorted(lines, key=lambda line: (line.date, not line.past))
