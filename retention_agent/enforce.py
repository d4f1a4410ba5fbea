"""Turning the engine's decisions into action: the facts of a case as the engine needs
them, and ``apply`` — carry out every deletion that is due, one journaled deletion with
its receipt per case.

``retention apply`` and the background agent call :func:`apply_due`; ``--dry-run`` and
``retention plan`` call :func:`due_deletions` / the engine, which never change anything.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from functools import cache

from retention_agent.errors import UnknownCase
from retention_agent.policy.assessment import CaseAssessment, Decision, due_now
from retention_agent.policy.engine import evaluate
from retention_agent.policy.facts import CaseFacts, Hold, ItemFacts
from retention_agent.policy.loader import load_policy_text
from retention_agent.policy.model import Policy
from retention_agent.vault.cases import list_cases, policy_text
from retention_agent.vault.deletion import DeletionRequest, delete_items
from retention_agent.vault.receipts import Receipt
from retention_agent.vault.records import CaseRecord
from retention_agent.vault.vault import Vault


@cache
def _policy_from_text(text: str) -> Policy:
    return load_policy_text(text, "case policy")


def policy_of(case: CaseRecord) -> Policy:
    """The policy the case was created under (stored with it), not the newest one."""
    return _policy_from_text(case.policy_text)


def policy_for(vault: Vault, case_id: str) -> Policy:
    """The same, for a case id, without decrypting anything of the case."""
    return _policy_from_text(policy_text(vault, case_id))


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def case_facts(vault: Vault, case_id: str) -> CaseFacts:
    """The readable columns only: no key is unwrapped, nothing decrypted."""
    row = vault.db.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
    if row is None:
        raise UnknownCase(case=case_id)
    holds = tuple(
        Hold(placed_on=dt.date.fromisoformat(h["placed_on"]), until=_hold_end(h))
        for h in vault.db.execute("SELECT * FROM holds WHERE case_id = ?", (case_id,))
    )
    return CaseFacts(
        id=case_id,
        start=dt.date.fromisoformat(row["start"]),
        decision=row["decision"],
        decided_on=_date(row["decided_on"]),
        ended_on=_date(row["ended_on"]),
        initiated_by=row["initiated_by"],
        export_outcome=row["export_outcome"],
        export_outcome_on=_date(row["export_outcome_on"]),
        holds=holds,
    )


def _hold_end(row: sqlite3.Row) -> dt.date:
    """A released hold protected up to the day before its release."""
    until = dt.date.fromisoformat(row["until"])
    released = row["released_on"]
    if released is None:
        return until
    placed = dt.date.fromisoformat(row["placed_on"])
    return max(placed, min(until, dt.date.fromisoformat(released) - dt.timedelta(days=1)))


def item_facts(vault: Vault, case_id: str) -> tuple[ItemFacts, ...]:
    rows = vault.db.execute(
        "SELECT id, kind, added FROM items WHERE case_id = ? AND state = 'live'", (case_id,)
    )
    return tuple(
        ItemFacts(row["id"], row["kind"], dt.datetime.fromisoformat(row["added"]).date())
        for row in rows
    )


def assess(vault: Vault, case: CaseRecord, today: dt.date) -> CaseAssessment:
    return evaluate(case_facts(vault, case.id), item_facts(vault, case.id), policy_of(case), today)


def pending(assessment: CaseAssessment, today: dt.date) -> tuple[Decision, ...]:
    """What is still to come: everything from today on, plus deletions not yet carried
    out and photo offers still open (their items still exist, though their day has passed)."""
    return tuple(
        d
        for d in assessment.decisions
        if d.due >= today or (d.action in ("delete", "offer_photo_export") and d.items)
    )


@dataclass(frozen=True)
class DueDeletion:
    case_id: str
    request: DeletionRequest
    kinds: tuple[str, ...]


def due_deletions(vault: Vault, today: dt.date) -> list[DueDeletion]:
    """What ``apply`` would delete today, one entry per case."""
    due = []
    for case in list_cases(vault):
        decisions = due_now(assess(vault, case, today), today)
        item_ids = tuple(dict.fromkeys(i for d in decisions for i in d.items))
        if not item_ids:
            continue
        policy = policy_of(case)
        request = DeletionRequest(
            case_id=case.id,
            item_ids=item_ids,
            rules=tuple(sorted({d.rule for d in decisions if d.items})),
            policy_id=policy.id,
            policy_version=policy.version,
        )
        kinds = tuple(dict.fromkeys(k for d in decisions if d.items for k in d.kinds))
        due.append(DueDeletion(case.id, request, kinds))
    return due


def apply_due(vault: Vault, now: dt.datetime) -> list[Receipt]:
    """Carry out every deletion due on ``now``; returns one receipt per case."""
    return [delete_items(vault, due.request, now) for due in due_deletions(vault, now.date())]
