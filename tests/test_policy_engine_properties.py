"""Invariants of the engine over random cases, items, holds, dates and policy timings."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from retention_agent.policy.assessment import ACTIONS, CaseAssessment, due_now, upcoming
from retention_agent.policy.duration import Duration
from retention_agent.policy.engine import DECISION_OVERDUE, evaluate
from retention_agent.policy.facts import CaseFacts, ExportOutcome, Hold, ItemFacts
from retention_agent.policy.loader import default_policy
from retention_agent.policy.model import KINDS, Policy, Timing

FAR_FUTURE = dt.date(2050, 1, 1)
ANY_DECISION = st.sampled_from([None, "continue", "end"])
OUTCOMES: st.SearchStrategy[ExportOutcome | None] = st.sampled_from([None, "done", "declined"])
MAYBE = st.booleans()
starts = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))


def days(low: int, high: int) -> st.SearchStrategy[Duration]:
    return st.builds(Duration, days=st.integers(low, high))


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    """The shipped rules, in any order, with any sensible timing."""
    base = default_policy()
    timing = Timing(
        year=draw(st.builds(Duration, months=st.integers(1, 24)) | days(1, 800)),
        reminders_before_year_end=tuple(draw(st.lists(days(0, 60), max_size=4))),
        decision_window=draw(days(0, 60)),
        overdue_reminder_interval=draw(days(1, 30) | st.builds(Duration, weeks=st.integers(1, 4))),
        photo_export_window=draw(days(0, 60)),
        max_hold=draw(days(0, 400) | st.just(Duration(years=1))),
    )
    rules = tuple(draw(st.permutations(base.rules)))
    return dataclasses.replace(base, timing=timing, rules=rules)


@st.composite
def cases(
    draw: st.DrawFn,
    decisions: st.SearchStrategy[Any] = ANY_DECISION,
    closes: st.SearchStrategy[bool] = MAYBE,
) -> tuple[CaseFacts, tuple[ItemFacts, ...]]:
    """A case and its items; a continued one is sometimes closed by the family."""
    start = draw(starts)

    def day(low: int, high: int) -> dt.date:
        return start + dt.timedelta(days=draw(st.integers(low, high)))

    decision = draw(decisions)
    outcome = draw(OUTCOMES)
    holds = []
    for _ in range(draw(st.integers(0, 3))):
        placed = day(-100, 900)
        holds.append(Hold(placed, placed + dt.timedelta(days=draw(st.integers(0, 800)))))
    case = CaseFacts(
        id="case",
        start=start,
        decision=decision,
        decided_on=day(0, 800) if decision else None,
        ended_on=day(0, 800) if decision == "end" else None,
        initiated_by=draw(st.sampled_from([None, "volunteers", "child-family", "other"])),
        export_outcome=outcome,
        export_outcome_on=day(0, 900) if outcome else None,
        holds=tuple(holds),
        closed_on=day(0, 900) if decision == "continue" and draw(closes) else None,
        offer_on_close=draw(st.booleans()),
    )
    items = tuple(
        ItemFacts(f"i{n}", draw(st.sampled_from(KINDS)), day(-30, 900))
        for n in range(draw(st.integers(0, 8)))
    )
    return case, items


nows = st.integers(-30, 1500)


def at(case: CaseFacts, offset: int) -> dt.date:
    return case.start + dt.timedelta(days=offset)


def deleted(assessment: CaseAssessment) -> dict[str, dt.date]:
    """Item id → the day it is deleted."""
    return {
        item: decision.due
        for decision in assessment.decisions
        if decision.action == "delete"
        for item in decision.items
    }


@given(cases(), policies(), nows)
def test_nothing_is_deleted_before_the_rules_allow(
    facts: tuple[CaseFacts, tuple[ItemFacts, ...]], policy: Policy, offset: int
) -> None:
    case, items = facts
    assessment = evaluate(case, items, policy, at(case, offset))
    by_id = {item.id: item for item in items}
    for item_id, due in deleted(assessment).items():
        item = by_id[item_id]
        assert due >= item.added
        if item.kind == "match_paper":
            earliest = min(assessment.year_end, assessment.ended or dt.date.max)
        else:
            assert assessment.ended is not None
            earliest = assessment.ended
        assert due >= earliest
        if case.ended_on is not None:
            assert due >= min(case.ended_on, assessment.year_end)


@given(cases(decisions=st.just("continue"), closes=st.just(False)), policies())
def test_a_continued_relationship_never_loses_contacts_messages_or_photos(
    facts: tuple[CaseFacts, tuple[ItemFacts, ...]], policy: Policy
) -> None:
    case, items = facts
    assessment = evaluate(case, items, policy, FAR_FUTURE)
    kinds = {item.id: item.kind for item in items}
    assert {kinds[item_id] for item_id in deleted(assessment)} <= {"match_paper"}
    assert assessment.ended is None
    assert assessment.phase == "private"


@given(cases(decisions=st.just("continue"), closes=st.just(True)), policies())
def test_a_closed_case_deletes_everything_by_the_familys_own_decision(
    facts: tuple[CaseFacts, tuple[ItemFacts, ...]], policy: Policy
) -> None:
    case, items = facts
    assert case.closed_on is not None
    assessment = evaluate(case, items, policy, FAR_FUTURE)
    gone = {item for decision in due_now(assessment, FAR_FUTURE) for item in decision.items}
    assert gone == {item.id for item in items}
    assert assessment.ended == case.closed_on
    offered = [d for d in assessment.decisions if d.action == "offer_photo_export"]
    assert bool(offered) == (case.offer_on_close and any(i.kind == "photo" for i in items))
    for decision in assessment.decisions:
        if decision.action == "delete" and decision.rule is None:
            assert decision.due >= case.closed_on
        elif decision.action == "delete":  # only the policy's own year-end/continue rules
            assert decision.kinds == ("match_paper",)


@given(cases(decisions=st.just(None)), policies(), nows, st.integers(0, 900))
def test_an_end_recorded_late_never_postpones_a_deletion_that_was_due(
    facts: tuple[CaseFacts, tuple[ItemFacts, ...]], policy: Policy, offset: int, back: int
) -> None:
    """Issue 6, point 4: the case counted as ended for lack of a decision; recording the
    end later (on ``today``, ended on any day up to it) must not move a due date."""
    case, items = facts
    today = at(case, offset)
    ended_on = max(case.start, today - dt.timedelta(days=back))
    if ended_on > today:
        return
    undecided = evaluate(case, items, policy, today)
    recorded = dataclasses.replace(
        case, decision="end", decided_on=today, ended_on=ended_on, initiated_by="other"
    )
    after = evaluate(recorded, items, policy, today)
    for item_id, due in deleted(undecided).items():
        if due <= today:
            assert deleted(after)[item_id] <= due
    due_before = {i for d in due_now(undecided, today) for i in d.items}
    assert due_before <= {i for d in due_now(after, today) for i in d.items}


@given(cases(decisions=st.sampled_from([None, "end"])), policies())
def test_every_ended_case_eventually_deletes_everything(
    facts: tuple[CaseFacts, tuple[ItemFacts, ...]], policy: Policy
) -> None:
    case, items = facts
    assessment = evaluate(case, items, policy, FAR_FUTURE)
    gone = {item for decision in due_now(assessment, FAR_FUTURE) for item in decision.items}
    assert gone == {item.id for item in items}
    assert assessment.phase == ("ending" if items else "closed")


@given(cases(), policies())
def test_a_hold_only_ever_postpones(
    facts: tuple[CaseFacts, tuple[ItemFacts, ...]], policy: Policy
) -> None:
    case, items = facts
    held = evaluate(case, items, policy, case.start)
    free = evaluate(dataclasses.replace(case, holds=()), items, policy, case.start)
    for hold in case.holds:
        protected = (hold.placed_on, hold.last_day(policy.timing.max_hold))
        assert not any(protected[0] <= due <= protected[1] for due in deleted(held).values())
    for item_id, due in deleted(held).items():
        assert due >= deleted(free)[item_id]
    for decision in held.decisions:
        if decision.held_until is not None:
            assert decision.due == decision.held_until + dt.timedelta(days=1)
    assert [x for x in held.decisions if x.action != "delete"] == [
        x for x in free.decisions if x.action != "delete"
    ]


@given(cases(), policies(), nows, nows)
def test_the_timeline_is_deterministic_sorted_and_independent_of_now(
    facts: tuple[CaseFacts, tuple[ItemFacts, ...]], policy: Policy, first: int, second: int
) -> None:
    case, items = facts
    assessment = evaluate(case, items, policy, at(case, first))
    assert assessment == evaluate(case, items, policy, at(case, first))
    assert assessment == evaluate(case, tuple(reversed(items)), policy, at(case, first))
    assert assessment.decisions == evaluate(case, items, policy, at(case, second)).decisions
    keys = [(x.due, ACTIONS.index(x.action)) for x in assessment.decisions]
    assert keys == sorted(keys)


@given(cases(), policies())
def test_decisions_are_well_formed(
    facts: tuple[CaseFacts, tuple[ItemFacts, ...]], policy: Policy
) -> None:
    case, items = facts
    assessment = evaluate(case, items, policy, case.start)
    decide_by = policy.timing.decision_window.after(assessment.year_end)
    kinds = {item.id: item.kind for item in items}
    ids = [item for x in assessment.decisions if x.action == "delete" for item in x.items]
    assert len(ids) == len(set(ids))  # each item is deleted once
    for decision in assessment.decisions:
        # No rule: a deletion the family decided on when closing a continued case.
        if decision.rule is None:
            assert (decision.action, case.closed_on is not None) == ("delete", True)
        else:
            assert decision.rule in policy.rule_ids
        assert decision.reason
        assert decision.kinds == tuple(k for k in KINDS if k in {kinds[i] for i in decision.items})
        assert (decision.action in ("delete", "offer_photo_export")) == bool(decision.items)
        if decision.action == "remind":
            assert decision.due < (case.decided_on or dt.date.max)
            assert decision.due <= (assessment.assumed_end or dt.date.max)
        if decision.reason == DECISION_OVERDUE:
            assert assessment.year_end < decision.due < decide_by


@given(cases(), policies(), nows)
def test_the_phase_agrees_with_the_facts(
    facts: tuple[CaseFacts, tuple[ItemFacts, ...]], policy: Policy, offset: int
) -> None:
    case, items = facts
    now = at(case, offset)
    assessment = evaluate(case, items, policy, now)
    ended = assessment.ended is not None and now >= assessment.ended
    assert (assessment.phase in ("ending", "closed")) == ended
    assert (assessment.phase == "closed") == (ended and not items)
    assert (assessment.phase == "private") == (
        case.decision == "continue" and now >= assessment.year_end and not ended
    )
    if assessment.phase == "decision_due":
        assert case.decision is None
        assert assessment.assumed_end is not None
        assert assessment.year_end <= now < assessment.assumed_end
    assert (assessment.assumed_end is None) == (case.decision is not None)


@given(cases(), policies(), nows)
def test_due_now_and_upcoming_cover_every_deletion(
    facts: tuple[CaseFacts, tuple[ItemFacts, ...]], policy: Policy, offset: int
) -> None:
    case, items = facts
    now = at(case, offset)
    assessment = evaluate(case, items, policy, now)
    now_items = due_now(assessment, now)
    later = upcoming(assessment, now)
    assert all(x.action == "delete" and x.due <= now for x in now_items)
    assert all(x.due >= now for x in later)
    deletes = [x for x in assessment.decisions if x.action == "delete"]
    assert all(x in now_items or x in later for x in deletes)
