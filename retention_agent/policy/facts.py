"""What the engine is told about a case: plain dates and kinds that the vault keeps
readable in its index. Nothing here is private: a hold's reason, the child's name and
every item's content stay encrypted in the vault.

The constructors refuse facts that cannot happen (a decision without its date, a hold
that ends before it starts) with ``ValueError``: that is a bug in the caller, not
something a person can fix.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from retention_agent.policy.duration import Duration
from retention_agent.policy.model import Kind

FamilyDecision = Literal["continue", "end"]
Initiator = Literal["volunteers", "child-family", "other"]
ExportOutcome = Literal["done", "declined"]


@dataclass(frozen=True)
class Hold:
    """C2: the family asked that nothing in the case be deleted until ``until``."""

    placed_on: dt.date
    until: dt.date

    def __post_init__(self) -> None:
        if self.until < self.placed_on:
            raise ValueError(f"hold ends ({self.until}) before it is placed ({self.placed_on})")

    def last_day(self, max_hold: Duration) -> dt.date:
        """The last day the hold protects: ``until``, but never beyond the policy's limit."""
        return min(self.until, max_hold.after(self.placed_on))


@dataclass(frozen=True)
class CaseFacts:
    id: str
    start: dt.date  # the match date; the Hjem til Os year is counted from here
    decision: FamilyDecision | None = None
    decided_on: dt.date | None = None  # the day the decision was recorded
    ended_on: dt.date | None = None  # for "end": the day the relationship ended
    initiated_by: Initiator | None = None  # for "end": whose initiative it was
    export_outcome: ExportOutcome | None = None  # the offer of photos to the family
    export_outcome_on: dt.date | None = None
    holds: tuple[Hold, ...] = ()
    # After the year, a family that continued privately may still decide to stop keeping
    # the case's data: the day they closed it, and whether the photos are offered first.
    closed_on: dt.date | None = None
    offer_on_close: bool = True

    def __post_init__(self) -> None:
        if (self.decision is None) != (self.decided_on is None):
            raise ValueError("a decision and the day it was recorded go together")
        if (self.decision == "end") != (self.ended_on is not None):
            raise ValueError("an 'end' decision, and only that, names the day it ended")
        if (self.export_outcome is None) != (self.export_outcome_on is None):
            raise ValueError("an export outcome and the day it was recorded go together")
        if self.closed_on is not None and self.decision != "continue":
            raise ValueError("only a case that continued privately can be closed")


@dataclass(frozen=True)
class ItemFacts:
    id: str
    kind: Kind
    added: dt.date  # the day the item entered the vault
