"""Turning the engine's decisions into action: the facts of a case as the engine needs
them, and ``apply`` — carry out every deletion that is due, one journaled deletion with
its receipt per case.

``retention apply`` and the background agent call :func:`apply_due`; ``--dry-run`` and
``retention plan`` call :func:`due_deletions` / the engine, which never change anything.
The agent's schedule reads :func:`read_timelines`, which needs no key. ``retention
remove`` calls :func:`remove_items` for items added by mistake.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Collection, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from retention_agent.errors import (
    CaseDamaged,
    CaseOnHold,
    UnknownCase,
    UnknownItem,
    VaultNotInitialised,
)
from retention_agent.i18n import N_
from retention_agent.policy.assessment import CaseAssessment, Decision, due_now
from retention_agent.policy.engine import evaluate
from retention_agent.policy.facts import CaseFacts, Hold, ItemFacts
from retention_agent.policy.loader import load_policy_text
from retention_agent.policy.model import KINDS, Kind, Policy
from retention_agent.vault import index
from retention_agent.vault.cases import list_cases, policy_text
from retention_agent.vault.receipts import Receipt
from retention_agent.vault.records import CaseRecord, DeletionRequest
from retention_agent.vault.vault import INDEX, Vault

DAMAGED_ROW = N_(
    "Its row in the index was changed or damaged, so it is deleted at the earliest date "
    "any reading of the case allows."
)
DAMAGED_CASE = N_(
    "The case's rows in the index were changed or damaged, so no date can be trusted and "
    "its data is deleted now."
)
DAMAGED_REASON = "damaged-index"  # the reason on the receipt of such a deletion


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
    """The case's authenticated facts (readable columns; nothing is decrypted). A case
    whose rows cannot be trusted has no facts to go by: :class:`CaseDamaged`. A hold
    whose row is damaged is left out: it could only postpone."""
    row = vault.db.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone()
    if row is None:
        raise UnknownCase(case=case_id)
    if not vault.damage.case_trusted(case_id):
        raise CaseDamaged(case=case_id)
    return _facts(vault.db, row, skip_holds=vault.damage.rows.get("holds", set()))


def _facts(db: sqlite3.Connection, row: sqlite3.Row, skip_holds: Collection[int] = ()) -> CaseFacts:
    case_id = row["id"]
    columns = row.keys()  # a version 2 index read before its upgrade has no closing columns
    holds = tuple(
        Hold(placed_on=dt.date.fromisoformat(h["placed_on"]), until=_hold_end(h))
        for h in db.execute("SELECT rowid AS row_id, * FROM holds WHERE case_id = ?", (case_id,))
        if h["row_id"] not in skip_holds
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
        closed_on=_date(row["closed_on"]) if "closed_on" in columns else None,
        offer_on_close=row["offer_on_close"] != 0 if "offer_on_close" in columns else True,
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
    """The case's items whose rows are authenticated (see :func:`damaged_items`)."""
    return tuple(i for i in _items(vault.db, case_id) if i.id not in vault.damage.items)


def damaged_items(vault: Vault, case_id: str) -> tuple[str, ...]:
    """Items of the case whose rows failed authentication: their kind and date are
    unknown, so they are deleted at the earliest date any kind would be (:func:`assess`)."""
    return tuple(i.id for i in _items(vault.db, case_id) if i.id in vault.damage.items)


def live_item_ids(vault: Vault, case_id: str) -> tuple[str, ...]:
    """Every item of the case, damaged or not (for deleting a whole case)."""
    return tuple(i.id for i in _items(vault.db, case_id))


def _items(db: sqlite3.Connection, case_id: str) -> tuple[ItemFacts, ...]:
    rows = db.execute(
        "SELECT id, kind, added FROM items WHERE case_id = ? AND state = 'live'", (case_id,)
    )
    return tuple(
        ItemFacts(row["id"], row["kind"], dt.datetime.fromisoformat(row["added"]).date())
        for row in rows
    )


def assess(vault: Vault, case: CaseRecord, today: dt.date) -> CaseAssessment:
    """The engine's assessment of the case from its authenticated facts. Damage never
    postpones a deletion: an item whose row is damaged is due at the earliest date any
    kind of item would be in this case; a case whose rows cannot be trusted has every
    item due today."""
    if not vault.damage.case_trusted(case.id):
        return _untrusted(case, live_item_ids(vault, case.id), policy_of(case), today)
    facts, policy = case_facts(vault, case.id), policy_of(case)
    assessment = evaluate(facts, item_facts(vault, case.id), policy, today)
    damaged = [_earliest(facts, policy, item, today) for item in damaged_items(vault, case.id)]
    if not damaged:
        return assessment
    decisions = sorted([*assessment.decisions, *damaged], key=lambda d: (d.due, d.items))
    return replace(assessment, decisions=tuple(decisions))


def _earliest(facts: CaseFacts, policy: Policy, item_id: str, today: dt.date) -> Decision:
    """The deletion of a damaged item: as if it were each kind, added at the start."""
    probes = [ItemFacts(f"{item_id}#{kind}", kind, facts.start) for kind in KINDS]
    assessment = evaluate(facts, probes, policy, today)
    due = min(
        (d.due for d in assessment.decisions if d.action == "delete" and d.items),
        default=today,
    )
    return Decision(due, "delete", None, DAMAGED_ROW, (), (item_id,))


def _untrusted(
    case: CaseRecord, item_ids: tuple[str, ...], policy: Policy, today: dt.date
) -> CaseAssessment:
    decisions = (Decision(today, "delete", None, DAMAGED_CASE, (), item_ids),) if item_ids else ()
    return CaseAssessment(
        case_id=case.id,
        phase="ending" if item_ids else "closed",
        year_end=policy.timing.year.after(case.start),
        assumed_end=None,
        ended=today,
        decisions=decisions,
    )


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


def due_deletions(
    vault: Vault, today: dt.date, only: Collection[str] | None = None
) -> list[DueDeletion]:
    """What ``apply`` would delete today: per case, one entry for what the policy's rules
    cause and one for what the family's own decision to close the case causes; with
    ``only``, just those of the given item ids that are due (the agent passes the ones
    it has announced)."""
    due = []
    for case in list_cases(vault):
        chosen = [
            (d, tuple(i for i in d.items if only is None or i in only))
            for d in due_now(assess(vault, case, today), today)
        ]
        chosen = [(d, ids) for d, ids in chosen if ids]
        damage = (DAMAGED_ROW, DAMAGED_CASE)
        by_rule = [(d, ids) for d, ids in chosen if d.rule is not None]
        damaged = [(d, ids) for d, ids in chosen if d.rule is None and d.reason in damage]
        by_family = [(d, ids) for d, ids in chosen if d.rule is None and d.reason not in damage]
        for part, reason in (
            (by_rule, None),
            (damaged, DAMAGED_REASON),
            (by_family, CLOSED_BY_FAMILY),
        ):
            if part:
                due.append(_due(vault, case.id, policy_of(case), part, reason))
    return due


def _due(
    vault: Vault,
    case_id: str,
    policy: Policy,
    chosen: list[tuple[Decision, tuple[str, ...]]],
    reason: str | None,
) -> DueDeletion:
    item_ids = tuple(dict.fromkeys(i for _d, ids in chosen for i in ids))
    request = DeletionRequest(
        case_id=case_id,
        item_ids=item_ids,
        rules=tuple(sorted({d.rule for d, _ids in chosen if d.rule is not None})),
        policy_id=policy.id,
        policy_version=policy.version,
        reason=reason,
    )
    return DueDeletion(case_id, request, _kinds_of(vault, case_id, item_ids))


def _kinds_of(vault: Vault, case_id: str, item_ids: tuple[str, ...]) -> tuple[Kind, ...]:
    present = {item.kind for item in _items(vault.db, case_id) if item.id in item_ids}
    return tuple(kind for kind in KINDS if kind in present)


def apply_due(vault: Vault, now: dt.datetime, only: Collection[str] | None = None) -> list[Receipt]:
    """Carry out every deletion due on ``now`` (of ``only`` those items, if given);
    returns one receipt per entry of :func:`due_deletions`."""
    from retention_agent.vault.deletion import delete_items  # loaded only to delete

    return [delete_items(vault, due.request, now) for due in due_deletions(vault, now.date(), only)]


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
    from retention_agent.vault.deletion import delete_items  # loaded only to delete

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


# --- The schedule without the key ---------------------------------------------------


@dataclass(frozen=True)
class CaseTimeline:
    """One case as the agent's schedule sees it: readable facts and the engine's answer."""

    facts: CaseFacts
    items: tuple[ItemFacts, ...]
    policy: Policy
    assessment: CaseAssessment


def read_timelines(home: Path, today: dt.date) -> list[CaseTimeline]:
    """Every case's timeline from the index's readable columns, without loading the key
    or taking the vault lock (SQLite's WAL gives a consistent snapshot beside a writer):
    the agent schedules and notifies while the key is unavailable."""
    database = home / INDEX
    if not database.is_file():
        raise VaultNotInitialised()
    try:
        with closing(index.connect_reader(database, immutable=False)) as db:
            if index.get_meta(db, "vault_id") is None:
                raise VaultNotInitialised()
            timelines = []
            for row in db.execute("SELECT * FROM cases ORDER BY start, id").fetchall():
                facts = _facts(db, row)
                items = _items(db, row["id"])
                policy = _policy_from_text(row["policy_text"])
                timelines.append(
                    CaseTimeline(facts, items, policy, evaluate(facts, items, policy, today))
                )
    except sqlite3.DatabaseError as error:
        raise index.translate(error) from None
    return timelines


def accepts_new(timeline: CaseTimeline, kind: Kind, today: dt.date) -> bool:
    """Whether an item of ``kind`` added to the case today would be kept for now: not if
    the case is closed, nor if the kind is already due (it would be deleted at once)."""
    if timeline.assessment.phase == "closed":
        return False
    probe = ItemFacts("new-item-probe", kind, today)
    assessment = evaluate(timeline.facts, (*timeline.items, probe), timeline.policy, today)
    return not any(probe.id in d.items for d in due_now(assessment, today))
