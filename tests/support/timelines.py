"""Case timelines built by the real engine from plain facts, for the agent's rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from retention_agent.enforce import CaseTimeline
from retention_agent.policy.engine import evaluate
from retention_agent.policy.facts import CaseFacts, ItemFacts
from retention_agent.policy.loader import default_policy

START = dt.date(2026, 3, 1)
YEAR_END = dt.date(2027, 3, 1)


def timeline(facts: CaseFacts, items: Iterable[ItemFacts], today: dt.date) -> CaseTimeline:
    policy = default_policy()
    items = tuple(items)
    return CaseTimeline(facts, items, policy, evaluate(facts, items, policy, today))


def day(offset: int, base: dt.date = YEAR_END) -> dt.date:
    return base + dt.timedelta(days=offset)
