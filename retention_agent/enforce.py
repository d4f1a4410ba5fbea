"""Turning the engine's decisions into action: the facts of a case as the engine needs
them, and ``apply`` — carry out every deletion that is due, one journaled deletion with
its receipt per case.

``retention apply`` and the background agent call :func:`apply_due`; ``--dry-run`` and
``retention plan`` call :func:`due_deletions` / the engine, which never change anything.
``retention remove`` calls :func:`remove_items` for items added by mistake.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from retention_agent.errors import CaseOnHold, UnknownCase, UnknownItem
from retention_agent.policy.assessment import CaseAssessment, Decision, due_now
from retention_agent.policy.engine import evaluate
from retention_agent.policy.facts import CaseFacts, Hold, ItemFacts
from retention_agent.policy.loader import load_policy_text
from retention_agent.policy.model import KINDS, Kind, Policy
from retention_agent.vault import sealed
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


# The family closed a case they had continued: {"closed_on": ISO date, "offer_photos": bool}.
CLOSED_TOPIC = "case-closed"


def case_facts(vault: Vault, case_id: str) -> CaseFacts:
    """The case's readable columns, and the family's closing of a continued case (a
    sealed record: only a closed case has one to unwrap); nothing else is decrypted."""
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
        **_closing(vault, case_id, row["decision"]),
    )


def _closing(vault: Vault, case_id: str, decision: str | None) -> dict[str, Any]:
    """``closed_on`` and ``offer_on_close`` of a continued case the family closed."""
    records = sealed.find(vault, CLOSED_TOPIC, case_id=case_id) if decision == "continue" else []
    if not records:
        return {}
    value = records[0].value
    return {"closed_on": _date(value["closed_on"]), "offer_on_close": bool(value["offer_photos"])}


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


# Why a deletion happened when no policy rule caused it (the receipt's "reason").
CLOSED_BY_FAMILY = "closed-by-family"  # the family closed a case they had continued
ADDED_BY_MISTAKE = "added-by-mistake"  # ``retention remove``


@dataclass(frozen=True)
class DueDeletion:
    case_id: str
    request: DeletionRequest
    kinds: tuple[Kind, ...]  # in ``KINDS`` order


def due_deletions(vault: Vault, today: dt.date) -> list[DueDeletion]:
    """What ``apply`` would delete today: per case, one entry for what the policy's rules
    cause and one for what the family's own decision to close the case causes."""
    due = []
    for case in list_cases(vault):
        decisions = [d for d in due_now(assess(vault, case, today), today) if d.items]
        by_rule = [d for d in decisions if d.rule is not None]
        by_family = [d for d in decisions if d.rule is None]
        for chosen, reason in ((by_rule, None), (by_family, CLOSED_BY_FAMILY)):
            if chosen:
                due.append(_due(case.id, policy_of(case), chosen, reason))
    return due


def _due(
    case_id: str, policy: Policy, decisions: list[Decision], reason: str | None
) -> DueDeletion:
    request = DeletionRequest(
        case_id=case_id,
        item_ids=tuple(dict.fromkeys(i for d in decisions for i in d.items)),
        rules=tuple(sorted({d.rule for d in decisions if d.rule is not None})),
        policy_id=policy.id,
        policy_version=policy.version,
        reason=reason,
    )
    present = {kind for d in decisions for kind in d.kinds}
    return DueDeletion(case_id, request, tuple(k for k in KINDS if k in present))


def apply_due(vault: Vault, now: dt.datetime) -> list[Receipt]:
    """Carry out every deletion due on ``now``; returns one receipt per entry of
    :func:`due_deletions`."""
    return [delete_items(vault, due.request, now) for due in due_deletions(vault, now.date())]


def check_remove(vault: Vault, item_ids: Sequence[str], today: dt.date) -> dict[str, list[str]]:
    """The items to remove, by case; raises if one does not exist or its case is under a
    hold (C2), before anything is deleted or anyone is asked."""
    by_case: dict[str, list[str]] = {}
    for item_id in dict.fromkeys(item_ids):
        row = vault.db.execute(
            "SELECT case_id FROM items WHERE id = ? AND state = 'live'", (item_id,)
        ).fetchone()
        if row is None:
            raise UnknownItem(item=item_id)
        by_case.setdefault(row["case_id"], []).append(item_id)
    for case_id in by_case:
        max_hold = policy_for(vault, case_id).timing.max_hold
        held = [hold.last_day(max_hold) for hold in case_facts(vault, case_id).holds]
        if any(last >= today for last in held):
            raise CaseOnHold(case=case_id, date=max(held))
    return by_case


def remove_items(vault: Vault, item_ids: Sequence[str], now: dt.datetime) -> list[Receipt]:
    """Delete items the family added by mistake, for good, the way ``apply`` deletes:
    journaled, keys destroyed, the vault key rotated, one receipt per case. Every item is
    checked (:func:`check_remove`) before any is deleted."""
    receipts = []
    for case_id, ids in check_remove(vault, item_ids, now.date()).items():
        policy = policy_for(vault, case_id)
        request = DeletionRequest(
            case_id=case_id,
            item_ids=tuple(ids),
            rules=(),
            policy_id=policy.id,
            policy_version=policy.version,
            reason=ADDED_BY_MISTAKE,
        )
        receipts.append(delete_items(vault, request, now))
    return receipts
