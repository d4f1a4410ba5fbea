"""The policy engine: a pure function from (case, items, policy, now) to an assessment.

No I/O and no clock: ``now`` only decides the phase; the timeline is the same whatever
``now`` is. Every period comes from the policy's ``[timing]`` and every deleted kind
from its rules; the engine knows only what each rule's ``when`` means.

How the timeline is built:

1. The year ends at ``start + year``. Reminders fall ``reminders_before_year_end``
   before it and, while no decision is recorded, every ``overdue_reminder_interval``
   after it until ``decision_window`` closes. They stop the day a decision is recorded.
2. The relationship ends on the later of the day it ended and the day that was
   recorded (nothing is due before anyone knew); without a decision it counts as ended
   when the decision window closes (the assumed end). An end recorded after that day
   changes no date: it never postpones what was already due. A continued one ends
   only if the family closes the case after the year (their own decision, no rule).
3. Each kind is due under the earliest applicable rule: ``year-end`` rules at the year
   end; ``continued`` rules at the year end or on the decision day, whichever is later;
   ``ended`` rules (or, for a closed case, the family's decision for every kind) at the
   end, except the kinds kept while the offer to the family is open (if there is
   anything to offer, and a closing family did not skip it), which go when the offer
   closes: the day its outcome is recorded or when ``photo_export_window`` runs out,
   whichever is first. On equal dates the continued/ended rule is cited, being the
   more specific.
4. An item added after its kind became due is due the day it was added.
5. Holds postpone every deletion due on or before the last held day to the day after
   it. A hold never brings a deletion forward.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from retention_agent.i18n import N_
from retention_agent.policy.assessment import ACTIONS, CaseAssessment, Decision, Phase, due_now
from retention_agent.policy.facts import CaseFacts, ItemFacts
from retention_agent.policy.model import KINDS, Kind, Policy, Rule, RuleId

YEAR_ENDING = N_(
    "The Hjem til Os year ends soon. Decide whether you will continue the relationship "
    "privately or end it."
)
YEAR_ENDS_TODAY = N_(
    "The Hjem til Os year ends today. Decide whether you will continue the relationship "
    "privately or end it."
)
DECISION_OVERDUE = N_(
    "The Hjem til Os year has ended, and no decision has been recorded. Without a "
    "decision, the relationship counts as ended."
)
YEAR_ENDED = N_("The Hjem til Os year has ended.")
CONTINUED = N_("You continue the relationship privately after the Hjem til Os year.")
ENDED = N_("The relationship has ended.")
ASSUMED_ENDED = N_("No decision was recorded in time, so the relationship counts as ended.")
CLOSED = N_("You decided to stop keeping the data of this case.")
OFFER_PHOTOS = N_(
    "Before the photos are deleted, you may offer them to the child and the child's family."
)
PHOTOS_SENT = N_("The photos have been sent to the child's family.")
PHOTOS_DECLINED = N_("The child's family did not want the photos.")
OFFER_EXPIRED = N_("The time for offering the photos has run out.")
RESUME_VIA_CONTACT_PERSON = N_(
    "The relationship ended on your initiative. If you want to resume contact later, "
    "ask your contact person at Red Barnet; there is no need to keep contact details "
    "just in case."
)

_ONE_DAY = dt.timedelta(days=1)


class _Offer(NamedTuple):
    rule: Rule
    opens: dt.date
    closes: dt.date
    reason: str  # why the kept kinds go when it closes
    items: tuple[ItemFacts, ...]


def evaluate(
    case: CaseFacts, items: Iterable[ItemFacts], policy: Policy, now: dt.date
) -> CaseAssessment:
    """The phase of ``case`` on ``now`` and its whole timeline under ``policy``.
    ``items`` are the items the vault still holds."""
    items = tuple(items)
    year_end = policy.timing.year.after(case.start)
    decide_by = policy.timing.decision_window.after(year_end)
    ended = _end(case, decide_by)
    offer = _offer(case, items, policy, ended)
    decisions = [
        *_reminders(case, policy, year_end, decide_by),
        *_advice(case, policy, ended),
        *_offering(offer),
        *_deletions(case, items, policy, year_end, ended, offer),
    ]
    return CaseAssessment(
        case_id=case.id,
        phase=_phase(case, items, now, year_end, ended),
        year_end=year_end,
        assumed_end=decide_by if case.decision is None else None,
        ended=ended,
        decisions=tuple(sorted(decisions, key=_order)),
    )


def _end(case: CaseFacts, decide_by: dt.date) -> dt.date | None:
    if case.decision == "continue":
        return case.closed_on
    if case.ended_on is not None and case.decided_on is not None:  # a recorded end
        return min(max(case.ended_on, case.decided_on), decide_by)
    return decide_by


def _phase(
    case: CaseFacts,
    items: tuple[ItemFacts, ...],
    now: dt.date,
    year_end: dt.date,
    ended: dt.date | None,
) -> Phase:
    if ended is not None and now >= ended:
        return "ending" if items else "closed"
    if now >= year_end and case.decision == "continue":
        return "private"
    if now >= year_end and case.decision is None:
        return "decision_due"
    return "active"


def _reminders(
    case: CaseFacts, policy: Policy, year_end: dt.date, decide_by: dt.date
) -> Iterator[Decision]:
    rule = policy.rules_when("year-end")[0].id  # the loader makes sure there is one
    decided = case.decided_on
    for due in {offset.before(year_end) for offset in policy.timing.reminders_before_year_end}:
        if decided is None or due < decided:
            yield Decision(due, "remind", rule, YEAR_ENDS_TODAY if due == year_end else YEAR_ENDING)
    stop = decide_by if decided is None else min(decided, decide_by)
    interval = policy.timing.overdue_reminder_interval
    due = interval.after(year_end)
    while due < stop:
        yield Decision(due, "remind", rule, DECISION_OVERDUE)
        due = interval.after(due)


def _advice(case: CaseFacts, policy: Policy, ended: dt.date | None) -> Iterator[Decision]:
    if case.decision == "end" and case.initiated_by == "volunteers" and ended is not None:
        for rule in policy.rules_when("ended-by-volunteers"):
            yield Decision(ended, "advise", rule.id, RESUME_VIA_CONTACT_PERSON)


def _offer(
    case: CaseFacts, items: tuple[ItemFacts, ...], policy: Policy, ended: dt.date | None
) -> _Offer | None:
    rule = policy.offer_rule
    if ended is None or rule is None or (case.closed_on is not None and not case.offer_on_close):
        return None
    offered = tuple(item for item in items if item.kind in rule.offers_to_family)
    if not offered:  # nothing to offer: nothing needs to wait for it
        return None
    closes = policy.timing.photo_export_window.after(ended)
    outcome_on = case.export_outcome_on
    if outcome_on is None or outcome_on > closes:
        return _Offer(rule, ended, closes, OFFER_EXPIRED, offered)
    reason = PHOTOS_SENT if case.export_outcome == "done" else PHOTOS_DECLINED
    return _Offer(rule, ended, max(ended, outcome_on), reason, offered)


def _offering(offer: _Offer | None) -> Iterator[Decision]:
    if offer is not None:
        kinds, ids = _kinds(offer.items), _ids(offer.items)
        yield Decision(offer.opens, "offer_photo_export", offer.rule.id, OFFER_PHOTOS, kinds, ids)


def _deletions(
    case: CaseFacts,
    items: tuple[ItemFacts, ...],
    policy: Policy,
    year_end: dt.date,
    ended: dt.date | None,
    offer: _Offer | None,
) -> list[Decision]:
    due_by_kind = _due_by_kind(case, policy, year_end, ended, offer)
    max_hold = policy.timing.max_hold
    last_held = max((hold.last_day(max_hold) for hold in case.holds), default=None)
    groups: dict[tuple[dt.date, RuleId | None, str, dt.date | None], list[ItemFacts]] = {}
    for item in items:
        if item.kind not in due_by_kind:
            continue
        due, rule, reason = due_by_kind[item.kind]
        due = max(due, item.added)
        held_until = None
        if last_held is not None and due <= last_held:
            due, held_until = last_held + _ONE_DAY, last_held
        groups.setdefault((due, rule, reason, held_until), []).append(item)
    return [
        Decision(due, "delete", rule, reason, _kinds(members), _ids(members), held_until)
        for (due, rule, reason, held_until), members in groups.items()
    ]


def _due_by_kind(
    case: CaseFacts,
    policy: Policy,
    year_end: dt.date,
    ended: dt.date | None,
    offer: _Offer | None,
) -> dict[Kind, tuple[dt.date, RuleId | None, str]]:
    """The earliest (due date, rule, reason) for each kind that is to be deleted."""
    candidates: list[tuple[Kind, dt.date, RuleId | None, str]] = []
    if case.decision == "continue" and case.decided_on is not None:
        due = max(year_end, case.decided_on)
        for rule in policy.rules_when("continued"):
            candidates += [(kind, due, rule.id, CONTINUED) for kind in rule.deletes]
        if ended is not None:  # closed by the family: no rule, their own decision
            candidates += _at_end(KINDS, None, ended, CLOSED, offer)
    elif ended is not None:
        reason = ENDED if case.decision == "end" else ASSUMED_ENDED
        for rule in policy.rules_when("ended"):
            candidates += _at_end(rule.deletes, rule.id, ended, reason, offer)
    for rule in policy.rules_when("year-end"):
        candidates += [(kind, year_end, rule.id, YEAR_ENDED) for kind in rule.deletes]
    earliest: dict[Kind, tuple[dt.date, RuleId | None, str]] = {}
    for kind, due, rule_id, reason in candidates:  # outcome rules first: they win ties
        if kind not in earliest or due < earliest[kind][0]:
            earliest[kind] = (due, rule_id, reason)
    return earliest


def _at_end(
    kinds: Iterable[Kind], rule: RuleId | None, ended: dt.date, reason: str, offer: _Offer | None
) -> list[tuple[Kind, dt.date, RuleId | None, str]]:
    """Kinds deleted when the relationship ends, except those kept while the offer is open."""
    return [
        (kind, offer.closes, rule, offer.reason)
        if offer is not None and kind in offer.rule.keeps_while_offered
        else (kind, ended, rule, reason)
        for kind in kinds
    ]


def due_on_arrival(case: CaseFacts, policy: Policy, today: dt.date) -> tuple[Kind, ...]:
    """The kinds whose items would be due for deletion at once if added to ``case`` today."""
    arriving = tuple(ItemFacts(f"arriving-{kind}", kind, today) for kind in KINDS)
    due = {
        kind
        for decision in due_now(evaluate(case, arriving, policy, today), today)
        for kind in decision.kinds
    }
    return tuple(kind for kind in KINDS if kind in due)


def _kinds(items: Iterable[ItemFacts]) -> tuple[Kind, ...]:
    present = {item.kind for item in items}
    return tuple(kind for kind in KINDS if kind in present)


def _ids(items: Iterable[ItemFacts]) -> tuple[str, ...]:
    return tuple(item.id for item in sorted(items, key=lambda i: (KINDS.index(i.kind), i.id)))


def _order(decision: Decision) -> tuple[dt.date, int, str, str, tuple[int, ...], tuple[str, ...]]:
    return (
        decision.due,
        ACTIONS.index(decision.action),
        decision.rule or "",
        decision.reason,
        tuple(KINDS.index(kind) for kind in decision.kinds),
        decision.items,
    )
