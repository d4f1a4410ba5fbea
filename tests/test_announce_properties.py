"""Property tests of the agent's deletion rules, against an oracle written from the
issue's words rather than from the code:

- the agent deletes only what is due, and only if (a) an announcement named it on a day
  before its date and its date was last reached without a clock jump of more than two
  days, or (b) a late notice named it at least 7 days earlier and that week was last
  completed without such a jump; a confirmation (the tray, ``retention apply``) is the
  only other way, and it is outside the plan;
- every notice fires at most once;
- an agent that runs every day deletes each deletion on its date, without late notices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from retention_agent.announce import JUMP_TOLERANCE, LATE_WAIT, SENT_REMINDERS, Memory, Plan, plan
from retention_agent.policy.facts import CaseFacts, ExportOutcome, ItemFacts
from retention_agent.policy.model import KINDS
from tests.support.timelines import START, timeline

DAY = dt.timedelta(days=1)


@st.composite
def case_and_items(draw: st.DrawFn) -> tuple[CaseFacts, list[ItemFacts]]:
    start = START + draw(st.integers(0, 60)) * DAY
    choice = draw(st.sampled_from(["none", "continue", "end"]))
    decided = start + draw(st.integers(30, 420)) * DAY
    if choice == "continue":
        facts = CaseFacts("c", start, decision="continue", decided_on=decided)
    elif choice == "end":
        ended = start + draw(st.integers(0, (decided - start).days)) * DAY
        outcome: ExportOutcome | None = draw(st.sampled_from([None, "done", "declined"]))
        facts = CaseFacts(
            "c",
            start,
            decision="end",
            decided_on=decided,
            ended_on=ended,
            initiated_by=draw(st.sampled_from(["volunteers", "child-family", "other"])),
            export_outcome=outcome,
            export_outcome_on=None if outcome is None else decided + draw(st.integers(0, 40)) * DAY,
        )
    else:
        facts = CaseFacts("c", start)
    count = draw(st.integers(1, 6))
    items = [
        ItemFacts(f"i{n}", draw(st.sampled_from(KINDS)), start + draw(st.integers(0, 450)) * DAY)
        for n in range(count)
    ]
    return facts, items


@dataclass
class Run:
    days: list[dt.date] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)


def simulate(
    facts: CaseFacts, items: list[ItemFacts], days: list[dt.date], confirm_at: set[int]
) -> Run:
    """The agent's plan on each day; it carries out what is allowed, and on the steps in
    ``confirm_at`` the family confirms (everything due goes, outside the plan)."""
    run, memory = Run(), Memory()
    arrived: set[str] = set()  # an item added stays, whatever the clock does later
    for step, today in enumerate(days):
        arrived |= {item.id for item in items if item.added <= today}
        present = [item for item in items if item.id in arrived]
        result = plan([timeline(facts, present, today)], memory, today)
        memory = result.memory
        gone = {item for unit in result.allowed for item in unit.items}
        if step in confirm_at:
            gone |= {item for unit in result.waiting for item in unit.items}
        items = [item for item in items if item.id not in gone]
        run.days.append(today)
        run.plans.append(result)
    return run


def refs(key: str) -> list[str]:
    return key.split("|")[2].split("+")


def last_crossing(days: list[dt.date], upto: int, moment: dt.date) -> int | None:
    """The last step at or before ``upto`` at which the clock went from before
    ``moment`` to on or after it."""
    for step in range(upto, 0, -1):
        if days[step - 1] < moment <= days[step]:
            return step
    return None


def jumped(days: list[dt.date], step: int) -> bool:
    return days[step] > days[step - 1] + JUMP_TOLERANCE


def justified(run: Run, step: int, unit_key: str, due: dt.date) -> bool:
    days = run.days
    for earlier in range(step + 1):
        for notice in run.plans[earlier].notices:
            if unit_key not in refs(notice.key):
                continue
            if notice.topic == "deletion_soon" and days[earlier] <= due - DAY:
                crossing = last_crossing(days, step, due)
                if crossing is not None and crossing > earlier and not jumped(days, crossing):
                    return True
            if notice.topic == "deletion_late" and days[step] >= days[earlier] + LATE_WAIT:
                crossing = last_crossing(days, step, days[earlier] + LATE_WAIT)
                if crossing is not None and crossing > earlier and not jumped(days, crossing):
                    return True
    return False


@settings(max_examples=300, deadline=None)
@given(
    case_and_items(),
    st.integers(300, 480),
    st.lists(st.integers(-6, 12), min_size=1, max_size=60),
    st.sets(st.integers(0, 60), max_size=3),
)
def test_no_deletion_without_announcement_or_late_week(
    case: tuple[CaseFacts, list[ItemFacts]], offset: int, steps: list[int], confirm_at: set[int]
) -> None:
    facts, items = case
    days = [facts.start + offset * DAY]
    for delta in steps:
        days.append(days[-1] + delta * DAY)
    run = simulate(facts, items, days, confirm_at)
    fired: set[str] = set()
    for step, result in enumerate(run.plans):
        for notice in result.notices:
            assert notice.key not in fired, "a notice fired twice"
            fired.add(notice.key)
        for unit in result.allowed:
            assert unit.due <= run.days[step]
            assert justified(run, step, unit.key, unit.due), (step, unit, run.days[: step + 1])


@settings(max_examples=150, deadline=None)
@given(case_and_items())
def test_a_daily_agent_deletes_each_deletion_on_its_date(
    case: tuple[CaseFacts, list[ItemFacts]],
) -> None:
    facts, items = case
    first = facts.start + 8 * DAY
    days = [first + n * DAY for n in range(700)]
    run = simulate(facts, items, days, set())
    for step, result in enumerate(run.plans):
        # Items added to a kind that is already due are due the day they come: those
        # alone may need the late notice.
        late = [n for n in result.notices if n.topic == "deletion_late"]
        for notice in late:
            for ref in refs(notice.key):
                due = dt.date.fromisoformat(ref.split("/")[1])
                assert any(item.added == due for item in items), notice
        for unit in result.allowed:
            assert unit.due == run.days[step] or any(
                n.topic == "deletion_late" and unit.key in refs(n.key)
                for p in run.plans[: step + 1]
                for n in p.notices
            )


@settings(max_examples=200, deadline=None)
@given(
    case_and_items(),
    st.integers(0, 480),
    st.integers(300, 480),
    st.lists(st.integers(-6, 12), min_size=1, max_size=60),
)
def test_asked_whether_the_photos_were_sent_only_while_it_matters(
    case: tuple[CaseFacts, list[ItemFacts]], exported_after: int, offset: int, steps: list[int]
) -> None:
    """Only with no outcome recorded, after an export made while the offer was open, on
    or after the export's reminder days, and before the offer closes; each once, at most
    as many as there are reminder days."""
    facts, items = case
    exported = facts.start + exported_after * DAY
    days = [facts.start + offset * DAY]
    for delta in steps:
        days.append(days[-1] + delta * DAY)
    memory, fired, asked = Memory(), set(), 0
    for today in days:
        current = timeline(facts, items, today)
        result = plan([current], memory, today, {"c": exported})
        memory = result.memory
        for notice in result.notices:
            if notice.topic != "photos_sent":
                continue
            assert notice.key not in fired
            fired.add(notice.key)
            asked += 1
            offers = [d for d in current.assessment.decisions if d.action == "offer_photo_export"]
            assert facts.export_outcome is None
            assert offers
            assert any(offer.due <= exported for offer in offers)
            assert today >= exported + min(SENT_REMINDERS) * DAY
            assert notice.date is None or today < notice.date
            assert notice.since == exported
    assert asked <= len(SENT_REMINDERS)
