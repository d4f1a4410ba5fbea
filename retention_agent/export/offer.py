"""The offer of photos to the child's family (R2b) as the wizard, the CLI and the agent see
it: whether it is open, until when, what is deleted when, and recording the answer.

Exporting is not sending: the contact details are kept until the photos are sent. The
family confirms that with :func:`confirm_sent` (what ``retention case export-done``
records), or the family's "no" is recorded with :func:`decline` (``--declined``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from retention_agent.enforce import assess, case_facts, pending, policy_of
from retention_agent.export import records
from retention_agent.export.records import Answers
from retention_agent.lifecycle import record_export_outcome
from retention_agent.policy.assessment import Decision
from retention_agent.vault import catalog
from retention_agent.vault.cases import get_case
from retention_agent.vault.vault import Vault

OfferState = Literal["not_ended", "no_photos", "open", "sent", "declined"]


@dataclass(frozen=True)
class PhotoOffer:
    case_id: str
    state: OfferState
    start: dt.date  # the match date
    year_end: dt.date
    ended: dt.date | None  # the day the relationship ended, or will count as ended
    closes: dt.date | None  # photos and contacts are deleted on this day unless sent sooner
    outcome_on: dt.date | None  # the day "sent" or "declined" was recorded
    photos: int  # photos still in the vault
    exports: int  # exports recorded so far
    timeline: tuple[Decision, ...]  # what is still to come, in date order

    @property
    def deletions(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.timeline if d.action == "delete")


def photo_offer(vault: Vault, case_id: str, today: dt.date) -> PhotoOffer:
    case = get_case(vault, case_id)
    assessment = assess(vault, case, today)
    facts = case_facts(vault, case_id)
    policy = policy_of(case)
    ended = assessment.ended
    photos = len(catalog.list_items(vault, case_id=case_id, kind="photo"))
    state: OfferState
    if facts.export_outcome == "done":
        state = "sent"
    elif facts.export_outcome == "declined":
        state = "declined"
    elif ended is None or ended > today:
        state = "not_ended"
    elif not photos:
        state = "no_photos"
    else:
        state = "open"
    return PhotoOffer(
        case_id=case_id,
        state=state,
        start=case.start,
        year_end=assessment.year_end,
        ended=ended,
        closes=None if ended is None else policy.timing.photo_export_window.after(ended),
        outcome_on=facts.export_outcome_on,
        photos=photos,
        exports=len(records.exports(vault, case_id)),
        timeline=pending(assessment, today),
    )


def confirm_sent(vault: Vault, case_id: str, today: dt.date) -> None:
    """The photos have been sent: photos and contacts may now be deleted."""
    record_export_outcome(vault, case_id, today, "done")


def decline(vault: Vault, case_id: str, now: dt.datetime, answers: Answers) -> None:
    """The child's family does not want the photos: recorded as ``--declined`` does, with
    the child's answer and the note kept beside it."""
    record_export_outcome(vault, case_id, now.date(), "declined")
    records.add_declined(vault, case_id, now, Answers("no", answers.child, answers.note))
