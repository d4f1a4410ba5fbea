"""What ``retention status`` shows, as plain data: built from the vault, each case's own
policy and "now"; rendered by the CLI as text or JSON."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from retention_agent import __version__, contact_person
from retention_agent.contact_person import ContactPerson
from retention_agent.enforce import assess, case_facts, pending, policy_of
from retention_agent.lifecycle import checklist_done, checklist_places
from retention_agent.policy.assessment import CaseAssessment, Decision
from retention_agent.policy.facts import CaseFacts, Hold
from retention_agent.policy.loader import default_policy
from retention_agent.policy.model import Policy
from retention_agent.scan.summary import Leftovers, leftovers
from retention_agent.vault import backups, finality, recovery, rescue
from retention_agent.vault.cases import get_case, list_cases
from retention_agent.vault.finality import Finality
from retention_agent.vault.records import KINDS, CaseRecord
from retention_agent.vault.vault import Vault


@dataclass(frozen=True)
class CaseStatus:
    case: CaseRecord
    facts: CaseFacts
    policy: Policy
    assessment: CaseAssessment
    next: tuple[Decision, ...]  # overdue deletions first, then everything from today on
    days_left: int  # until the year end; negative once it has passed
    items: dict[str, int]
    checklist: dict[str, dt.date]  # places outside the vault recorded as cleaned up
    places: dict[str, str]  # the case's checklist: every case's places and its imports
    holds: tuple[Hold, ...]  # those still protecting the case today


@dataclass(frozen=True)
class Status:
    today: dt.date
    key_kind: str
    key_location: str
    finality: Finality  # what deletion achieves on this disk
    backups_excluded: bool  # the markers that keep the vault out of backups are in place
    installed_policy: Policy
    cases: tuple[CaseStatus, ...]
    problems: tuple[tuple[str, str], ...]
    leftovers: Leftovers  # copies outside the vault, tombstones, synced folders
    program_version: str
    recovery_code: bool  # the vault has a recovery file (``retention recovery new``)
    contact_person: ContactPerson | None


def build_status(vault: Vault, now: dt.datetime, case_id: str | None = None) -> Status:
    """Every case, or only ``case_id`` (UnknownCase if there is none)."""
    today = now.date()
    counts = Counter(
        (row["case_id"], row["kind"])
        for row in vault.db.execute("SELECT case_id, kind FROM items WHERE state = 'live'")
    )
    records = list_cases(vault) if case_id is None else [get_case(vault, case_id)]
    cases = []
    for record in records:
        # A case whose rows cannot be trusted shows only its start; its items are due now.
        trusted = vault.damage.case_trusted(record.id)
        facts = case_facts(vault, record.id) if trusted else CaseFacts(record.id, record.start)
        assessment = assess(vault, record, today)
        cases.append(
            CaseStatus(
                case=record,
                facts=facts,
                policy=policy_of(record),
                assessment=assessment,
                next=pending(assessment, today),
                days_left=(assessment.year_end - today).days,
                items={kind: counts[(record.id, kind)] for kind in KINDS},
                checklist=checklist_done(vault, record.id),
                places=checklist_places(vault, record.id),
                holds=tuple(h for h in facts.holds if h.until >= today),
            )
        )
    return Status(
        today=today,
        key_kind=vault.store.kind,
        key_location=vault.store.describe(),
        finality=finality.assess(vault.home, vault.store.kind),
        backups_excluded=backups.excluded(vault.home),
        installed_policy=default_policy(),
        cases=tuple(cases),
        problems=tuple(recovery.problems(vault)),
        leftovers=leftovers(vault),
        program_version=__version__,
        recovery_code=rescue.has_code(vault.home),
        contact_person=contact_person.get(vault),
    )
