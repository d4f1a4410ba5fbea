"""The agent's rules for what it says and which deletions it carries out by itself, on
timelines from the real engine, one day at a time (the clock is a parameter)."""

from __future__ import annotations

import datetime as dt

from retention_agent.announce import LATE_WAIT, Memory, Plan, plan
from retention_agent.enforce import CaseTimeline
from retention_agent.policy.facts import CaseFacts, ItemFacts
from tests.support.timelines import START, YEAR_END, day, timeline

PAPER = ItemFacts("p1", "match_paper", START)
PHOTO = ItemFacts("f1", "photo", START)
CONTACT = ItemFacts("c1", "contact", START)


def run_days(
    facts: CaseFacts, items: list[ItemFacts], days: list[dt.date], memory: Memory | None = None
) -> tuple[list[tuple[dt.date, Plan]], Memory]:
    """The agent on each of ``days``; allowed units are carried out (their items go)."""
    memory = memory or Memory()
    plans = []
    for today in days:
        result = plan([timeline(facts, items, today)], memory, today)
        memory = result.memory
        gone = {item for unit in result.allowed for item in unit.items}
        items = [item for item in items if item.id not in gone]
        plans.append((today, result))
    return plans, memory


def topics(plans: list[tuple[dt.date, Plan]]) -> list[tuple[dt.date, str]]:
    return [(today, n.topic) for today, p in plans for n in p.notices]


def every_day(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def test_match_paper_is_announced_7_and_1_days_before_and_deleted_on_the_day() -> None:
    facts = CaseFacts("4f2a9b", START, decision="continue", decided_on=dt.date(2026, 12, 1))
    plans, _ = run_days(facts, [PAPER], every_day(day(-10), day(2)))
    soon = [(today, n) for today, p in plans for n in p.notices if n.topic == "deletion_soon"]
    assert [(today, n.kinds, n.date) for today, n in soon] == [
        (day(-7), ("match_paper",), YEAR_END),
        (day(-1), ("match_paper",), YEAR_END),
    ]
    deleted_on = [today for today, p in plans if p.allowed]
    assert deleted_on == [YEAR_END]


def test_after_weeks_off_a_due_deletion_waits_for_a_yes_or_7_days() -> None:
    facts = CaseFacts("4f2a9b", START, decision="continue", decided_on=dt.date(2026, 12, 1))
    first = day(20)
    plans, _memory = run_days(facts, [PAPER], every_day(first, first + LATE_WAIT))
    (late,) = [n for _, p in plans for n in p.notices if n.topic == "deletion_late"]
    assert late.date == first + LATE_WAIT
    assert [today for today, p in plans if p.allowed] == [first + LATE_WAIT]
    assert all(p.waiting for today, p in plans if today < first + LATE_WAIT)


def test_a_jump_forward_over_the_due_date_counts_as_unannounced() -> None:
    facts = CaseFacts("4f2a9b", START, decision="continue", decided_on=dt.date(2026, 12, 1))
    # Announced 7 days before, then the clock jumps 3 days past the date.
    plans, _ = run_days(facts, [PAPER], [day(-7), day(-6), day(3)])
    _today, last = plans[-1]
    assert last.clock == "forward"
    assert not last.allowed
    assert [n.topic for n in last.notices] == ["deletion_late"]


def test_a_jump_of_two_days_is_tolerated() -> None:
    facts = CaseFacts("4f2a9b", START, decision="continue", decided_on=dt.date(2026, 12, 1))
    plans, _ = run_days(facts, [PAPER], [day(-7), day(-2), day(-1), day(1)])
    assert plans[-1][1].clock == "steady"
    assert plans[-1][1].allowed


def test_a_jump_backward_undoes_nothing_and_is_told_once() -> None:
    facts = CaseFacts("4f2a9b", START, decision="continue", decided_on=dt.date(2026, 12, 1))
    plans, memory = run_days(facts, [PAPER], [day(-7), day(-1), day(0)])
    assert plans[-1][1].allowed
    later, memory = run_days(facts, [], [day(-30), day(-30), day(-29)], memory)
    assert [topic for _, topic in topics(later)] == ["clock_back"]
    (notice,) = later[0][1].notices
    assert (notice.since, notice.date) == (day(0), day(-30))


def test_only_the_latest_reminder_fires_after_time_off() -> None:
    facts = CaseFacts("4f2a9b", START)
    plans, _ = run_days(facts, [PHOTO], [day(-40), day(-3), day(-2)])
    assert topics(plans) == [(day(-3), "year_ending")]
    (notice,) = plans[1][1].notices
    assert notice.date == YEAR_END


def test_reminders_stop_with_a_decision() -> None:
    undecided_plans, memory = run_days(CaseFacts("4f2a9b", START), [PAPER], [day(-30)])
    assert topics(undecided_plans) == [(day(-30), "year_ending")]
    decided = CaseFacts("4f2a9b", START, decision="continue", decided_on=day(-29))
    plans, _ = run_days(decided, [PAPER], [day(-28), day(-7), day(0)], memory)
    assert "year_ending" not in [topic for _, topic in topics(plans)]


def test_overdue_decision_reminds_every_week_until_the_window_closes() -> None:
    facts = CaseFacts("4f2a9b", START)
    plans, _ = run_days(facts, [PAPER], every_day(day(1), day(40)))
    overdue = [today for today, topic in topics(plans) if topic == "decision_overdue"]
    assert overdue == [day(1), day(7), day(14), day(21), day(28)]


def test_photo_offer_fires_once_and_not_after_the_outcome() -> None:
    ended = dt.date(2026, 9, 1)
    facts = CaseFacts(
        "4f2a9b",
        START,
        decision="end",
        decided_on=ended,
        ended_on=ended,
        initiated_by="child-family",
    )
    plans, _ = run_days(facts, [PHOTO, CONTACT], every_day(ended, ended + dt.timedelta(days=3)))
    offers = [n for _, p in plans for n in p.notices if n.topic == "photo_offer"]
    assert len(offers) == 1
    assert offers[0].date == ended + dt.timedelta(days=30)
    done = CaseFacts(
        "4f2a9b",
        START,
        decision="end",
        decided_on=ended,
        ended_on=ended,
        initiated_by="child-family",
        export_outcome="done",
        export_outcome_on=ended + dt.timedelta(days=2),
    )
    later, _ = run_days(done, [PHOTO, CONTACT], [ended + dt.timedelta(days=2)])
    assert "photo_offer" not in [topic for _, topic in topics(later)]


def test_units_of_one_day_share_a_notification() -> None:
    ended = dt.date(2026, 9, 20)
    facts = CaseFacts(
        "4f2a9b",
        START,
        decision="end",
        decided_on=ended,
        ended_on=ended,
        initiated_by="volunteers",
        export_outcome="declined",
        export_outcome_on=ended,
    )
    items = [PHOTO, CONTACT, ItemFacts("m1", "message", START)]
    plans, _ = run_days(facts, items, [ended - dt.timedelta(days=8), ended - dt.timedelta(days=7)])
    (notice,) = plans[1][1].notices
    assert notice.kinds == ("contact", "message", "photo")


def test_an_item_added_to_a_due_kind_is_not_deleted_without_notice() -> None:
    facts = CaseFacts("4f2a9b", START, decision="continue", decided_on=dt.date(2026, 12, 1))
    _plans, memory = run_days(facts, [PAPER], every_day(day(-7), day(0)))
    late_paper = ItemFacts("p2", "match_paper", day(5))
    later, _ = run_days(facts, [late_paper], [day(5)], memory)
    assert not later[0][1].allowed
    assert [n.topic for n in later[0][1].notices] == ["deletion_late"]


def test_the_next_date_is_the_next_announcement() -> None:
    facts = CaseFacts("4f2a9b", START, decision="continue", decided_on=dt.date(2026, 12, 1))
    result = plan([timeline(facts, [PAPER], day(-20))], Memory(), day(-20))
    assert result.next_date == day(-7)


def empty_case(case_id: str) -> CaseTimeline:
    return timeline(CaseFacts(case_id, START), [], START)


def test_memory_forgets_what_left_the_timeline() -> None:
    facts = CaseFacts("4f2a9b", START, decision="continue", decided_on=dt.date(2026, 12, 1))
    _, memory = run_days(facts, [PAPER], [day(-7)])
    assert memory.announced
    after = plan([empty_case("4f2a9b")], memory, day(-6))
    assert not after.memory.announced
    assert not [key for key in after.memory.fired if key.startswith("s|soon")]
