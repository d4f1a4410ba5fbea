"""What ``retention status`` shows, as plain data: built from the vault, each case's own
policy and "now"; rendered by the CLI as text or JSON."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from functools import cache

from retention_agent.policy.loader import default_policy, load_policy_text
from retention_agent.policy.model import Policy
from retention_agent.vault import recovery
from retention_agent.vault.cases import list_cases
from retention_agent.vault.records import KINDS, CaseRecord
from retention_agent.vault.vault import Vault


@dataclass(frozen=True)
class CaseStatus:
    case: CaseRecord
    policy: Policy
    year_end: dt.date
    days_left: int  # negative once the year has ended
    items: dict[str, int]


@dataclass(frozen=True)
class Status:
    today: dt.date
    key_kind: str
    key_location: str
    installed_policy: Policy
    cases: tuple[CaseStatus, ...]
    problems: tuple[tuple[str, str], ...]


@cache
def case_policy(text: str) -> Policy:
    """The policy a case was created under (stored with it), parsed once per process."""
    return load_policy_text(text, "case policy")


def build_status(vault: Vault, now: dt.datetime) -> Status:
    today = now.date()
    counts = Counter(
        (row["case_id"], row["kind"])
        for row in vault.db.execute("SELECT case_id, kind FROM items WHERE state = 'live'")
    )
    cases = []
    for record in list_cases(vault):
        policy = case_policy(record.policy_text)
        year_end = policy.timing.year.after(record.start)
        cases.append(
            CaseStatus(
                case=record,
                policy=policy,
                year_end=year_end,
                days_left=(year_end - today).days,
                items={kind: counts[(record.id, kind)] for kind in KINDS},
            )
        )
    return Status(
        today=today,
        key_kind=vault.store.kind,
        key_location=vault.store.describe(),
        installed_policy=default_policy(),
        cases=tuple(cases),
        problems=tuple(recovery.problems(vault)),
    )
