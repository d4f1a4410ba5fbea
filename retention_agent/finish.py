"""The end of a family's time with Hjem til Os on this laptop: what is still held, the
deletion of all of it with receipts, the last summary of the receipts, and the vault's
removal (``vault.teardown``).

Used by ``retention finish`` (every case closed, or the family confirms what is still
held; never while a C2 hold protects a case) and ``retention transfer done`` (the vault
lives on on the new laptop, so a hold does not stop the old copy's deletion).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from retention_agent import __version__
from retention_agent.enforce import case_facts, item_facts, live_item_ids, policy_of
from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_
from retention_agent.vault import receipts, teardown
from retention_agent.vault.cases import list_cases
from retention_agent.vault.deletion import delete_items
from retention_agent.vault.records import DeletionRequest
from retention_agent.vault.vault import Vault

FINISHED = "family-finished"
TRANSFERRED = "transferred"


class CaseUnderHold(RetentionError):
    message = N_(
        "Case {case} has a hold until {date} (C2): nothing in it may be deleted while it "
        "lasts. Nothing was changed; talk to your Red Barnet contact person first."
    )
    exit_code = ExitCode.REFUSED


class FinishNotConfirmed(RetentionError):
    message = N_(
        "Nothing was deleted: this deletes the whole vault and needs a yes. Run the "
        "command in a terminal to answer, or add --yes."
    )
    exit_code = ExitCode.REFUSED


@dataclass(frozen=True)
class StillHeld:
    case_id: str
    kinds: dict[str, int]
    hold_until: dt.date | None  # a hold protecting the case today


def still_held(vault: Vault, today: dt.date) -> list[StillHeld]:
    """Every case that still holds items, with what and whether a hold protects it."""
    held = []
    for case in list_cases(vault):
        items = item_facts(vault, case.id)
        if not live_item_ids(vault, case.id):
            continue
        # A damaged case's holds cannot be trusted: they protect nothing.
        trusted = vault.damage.case_trusted(case.id)
        facts_holds = case_facts(vault, case.id).holds if trusted else ()
        holds = [hold.until for hold in facts_holds if hold.until >= today]
        kinds: dict[str, int] = dict(Counter(str(item.kind) for item in items))
        held.append(StillHeld(case.id, kinds, max(holds, default=None)))
    return held


def delete_everything(vault: Vault, now: dt.datetime, reason: str) -> None:
    """Delete every item of every case, one journaled deletion with its receipt per case.
    ``finish`` refuses a case under a hold; a transfer does not (the data lives on)."""
    today = now.date()
    held = still_held(vault, today)
    if reason == FINISHED:
        for case in held:
            if case.hold_until is not None:
                raise CaseUnderHold(case=case.case_id, date=case.hold_until.isoformat())
    cases = {case.id: case for case in list_cases(vault)}
    for case in held:
        policy = policy_of(cases[case.case_id])
        request = DeletionRequest(
            case_id=case.case_id,
            item_ids=live_item_ids(vault, case.case_id),
            rules=(),
            policy_id=policy.id,
            policy_version=policy.version,
            reason=reason,
        )
        delete_items(vault, request, now)


def summary(vault: Vault, now: dt.datetime, reason: str) -> dict[str, Any]:
    """The last summary: every receipt's facts (case ids, dates, rules, counts; never a
    name), totals per kind, and the head of the receipt chain, which Red Barnet can hold
    against a summary sent earlier."""
    log = receipts.all_receipts(vault.db)
    totals: Counter[str] = Counter()
    for receipt in log:
        for kind, entry in receipt.body.get("kinds", {}).items():
            totals[kind] += entry["count"]
    return {
        "type": "last-summary",
        "reason": reason,
        "date": now.date().isoformat(),
        "program_version": __version__,
        "receipts": [{"seq": r.seq, **_public(r.body)} for r in log],
        "deleted_items": dict(sorted(totals.items())),
        "chain_head": log[-1].hash if log else receipts.GENESIS,
        "chain_intact": receipts.first_broken(vault.db) is None,
    }


def _public(body: dict[str, Any]) -> dict[str, Any]:
    """A receipt's body as it is (receipts hold no personal data), less bulky details."""
    return {key: value for key, value in body.items() if key not in ("finality",)}


def finish(vault: Vault, now: dt.datetime, reason: str) -> dict[str, Any]:
    """Delete what is left, remove the vault for good; returns the last summary."""
    delete_everything(vault, now, reason)
    last = summary(vault, now, reason)
    teardown.tear_down(vault, last)
    return last
