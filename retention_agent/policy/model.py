"""A loaded retention policy: what the TOML file says, as frozen, typed values.

The vocabulary is closed: the item kinds the vault knows, the rule ids of the
samværspolitik (``RULES.md``), and the moments a rule can apply (``when``). Which kinds
each rule deletes, and every period, come from the file; the engine only knows what
each ``when`` means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from retention_agent.i18n import Language
from retention_agent.policy.duration import Duration

Kind = Literal["match_paper", "contact", "message", "photo"]
KINDS: tuple[Kind, ...] = ("match_paper", "contact", "message", "photo")

RuleId = Literal["R1", "R2", "R2a", "R2b", "R2c", "R3", "C2"]
RULE_IDS: tuple[RuleId, ...] = ("R1", "R2", "R2a", "R2b", "R2c", "R3", "C2")

# When a rule applies:
#   year-end             the Hjem til Os year is over, whatever the family decides
#   continued            the family continues the relationship privately
#   ended                the relationship has ended (recorded, or assumed for lack of a decision)
#   ended-by-volunteers  it ended on the volunteer family's own initiative (advice only)
#   hold                 a hold is recorded (documents the hold; deletes nothing itself)
When = Literal["year-end", "continued", "ended", "ended-by-volunteers", "hold"]
WHENS: tuple[When, ...] = ("year-end", "continued", "ended", "ended-by-volunteers", "hold")


@dataclass(frozen=True)
class Bilingual:
    """A text the policy author wrote in both languages."""

    da: str
    en: str

    def text(self, language: Language) -> str:
        return self.da if language == "da" else self.en


@dataclass(frozen=True)
class Rule:
    id: RuleId
    section: str  # the section of the source document, e.g. "Personoplysninger"
    summary: Bilingual
    when: When
    quote: str = ""  # the Danish wording of the source, for people reading the file
    deletes: tuple[Kind, ...] = ()
    # The offer before deletion (R2b): these kinds are offered to the child's family,
    # and those in ``keeps_while_offered`` stay until the offer is closed.
    offers_to_family: tuple[Kind, ...] = ()
    keeps_while_offered: tuple[Kind, ...] = ()


@dataclass(frozen=True)
class Timing:
    year: Duration  # the Hjem til Os year, counted from the match date
    reminders_before_year_end: tuple[Duration, ...]
    decision_window: Duration  # after the year end; without a decision the case then ends
    overdue_reminder_interval: Duration  # how often to remind while the decision is missing
    photo_export_window: Duration  # how long the offer to the family stays open
    max_hold: Duration  # the longest a single hold can postpone deletion


@dataclass(frozen=True)
class Policy:
    id: str
    version: str  # machine version, stored with every case
    label: Bilingual  # human version, e.g. "1. version, maj 2024"
    source: str  # file name of the source document
    timing: Timing
    rules: tuple[Rule, ...]
    # The exact text the policy was loaded from: the vault stores it with each case so a
    # newer policy never silently changes an existing case.
    text: str = field(default="", repr=False)

    @property
    def rule_ids(self) -> tuple[RuleId, ...]:
        return tuple(rule.id for rule in self.rules)

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def rules_when(self, when: When) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.when == when)

    @property
    def offer_rule(self) -> Rule | None:
        """The one rule that offers items to the family before deletion, if any."""
        return next((rule for rule in self.rules if rule.offers_to_family), None)
