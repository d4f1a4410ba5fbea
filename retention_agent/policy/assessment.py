"""What the engine answers: a case's phase and its whole timeline of decisions.

The timeline holds past and future decisions alike, sorted by date, so ``status`` can
say what happened and what will happen from the same data. ``apply`` carries out
:func:`due_now`; ``plan`` shows :func:`upcoming`.

Phases:
  active        the Hjem til Os year is running (also after an early "continue" decision)
  decision_due  the year is over and no decision is recorded; the case counts as ended
                on ``assumed_end`` unless one is
  private       the family continues privately and the year is over: no more deadlines
  ending        the relationship has ended (or the family closed a private case) and
                items remain to be deleted
  closed        the same, and no items remain
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from retention_agent.policy.model import Kind, RuleId

Phase = Literal["active", "decision_due", "private", "ending", "closed"]
Action = Literal["remind", "offer_photo_export", "advise", "delete"]
# On the same day, remind and offer before anything is deleted.
ACTIONS: tuple[Action, ...] = ("remind", "offer_photo_export", "advise", "delete")


@dataclass(frozen=True)
class Decision:
    due: dt.date  # the day it takes effect, after any hold
    action: Action
    # The policy rule that causes it; None when no rule does: the family's own decision
    # (closing a case they had continued privately), or damage in the vault's index;
    # ``reason`` says which.
    rule: RuleId | None
    reason: str  # an English msgid: show it with _(reason)
    kinds: tuple[Kind, ...] = ()
    items: tuple[str, ...] = ()  # item ids, for "offer_photo_export" and "delete"
    held_until: dt.date | None = None  # a hold postponed this deletion to the day after


@dataclass(frozen=True)
class CaseAssessment:
    case_id: str
    phase: Phase
    year_end: dt.date  # the day the Hjem til Os year is over
    # The day the case will count as ended if no decision is recorded; None once one is.
    assumed_end: dt.date | None
    # The day the relationship ends or ended (recorded or assumed), or the day the family
    # closed a case they had continued; None while it continues.
    ended: dt.date | None
    decisions: tuple[Decision, ...]


def due_now(assessment: CaseAssessment, now: dt.date) -> tuple[Decision, ...]:
    """The deletions to carry out now: due today or earlier. A held deletion is due the
    day after its hold, so it is never among them while the hold lasts."""
    return tuple(d for d in assessment.decisions if d.action == "delete" and d.due <= now)


def upcoming(assessment: CaseAssessment, now: dt.date) -> tuple[Decision, ...]:
    """Everything from today on, in date order."""
    return tuple(d for d in assessment.decisions if d.due >= now)
