"""Every lifecycle path of a Hjem til Os case under the shipped policy, with real dates.

The match is on 2025-03-01, so the Hjem til Os year ends on 2026-03-01 and, without a
decision, the case counts as ended on 2026-03-31.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from retention_agent.policy import engine
from retention_agent.policy.assessment import CaseAssessment, Decision, due_now, upcoming
from retention_agent.policy.duration import Duration
from retention_agent.policy.engine import evaluate
from retention_agent.policy.facts import CaseFacts, Hold, ItemFacts
from retention_agent.policy.loader import default_policy, default_policy_text, load_policy_text

d = dt.date
START = d(2025, 3, 1)
YEAR_END = d(2026, 3, 1)
ASSUMED_END = d(2026, 3, 31)
ITEMS = (
    ItemFacts("mp", "match_paper", START),
    ItemFacts("c1", "contact", START),
    ItemFacts("m1", "message", d(2025, 4, 1)),
    ItemFacts("m2", "message", d(2025, 5, 1)),
    ItemFacts("p1", "photo", d(2025, 6, 1)),
)


def assess(case: CaseFacts, now: dt.date, items: tuple[ItemFacts, ...] = ITEMS) -> CaseAssessment:
    return evaluate(case, items, default_policy(), now)


def deletions(assessment: CaseAssessment) -> list[tuple[dt.date, str | None, tuple[str, ...]]]:
    return [(x.due, x.rule, x.items) for x in assessment.decisions if x.action == "delete"]


def reminders(assessment: CaseAssessment) -> list[dt.date]:
    return [x.due for x in assessment.decisions if x.action == "remind"]


def only(assessment: CaseAssessment, action: str) -> Decision:
    [decision] = [x for x in assessment.decisions if x.action == action]
    return decision


def ended_case(**facts: Any) -> CaseFacts:
    """Ended on 2025-09-01 and recorded that day, unless ``facts`` say otherwise."""
    ended = {"decision": "end", "decided_on": d(2025, 9, 1), "ended_on": d(2025, 9, 1)}
    return CaseFacts("c", START, **{**ended, **facts})


# -- no decision ------------------------------------------------------------------------


def test_without_a_decision_the_case_ends_30_days_after_the_year() -> None:
    case = CaseFacts("c", START)
    assessment = assess(case, START)
    assert (assessment.phase, assessment.year_end) == ("active", YEAR_END)
    assert assessment.assumed_end == assessment.ended == ASSUMED_END  # known from day one
    assert reminders(assessment) == [
        d(2026, 1, 30),
        d(2026, 2, 22),
        d(2026, 3, 1),
        d(2026, 3, 8),
        d(2026, 3, 15),
        d(2026, 3, 22),
        d(2026, 3, 29),
    ]
    reasons = [x.reason for x in assessment.decisions if x.action == "remind"]
    assert reasons[:3] == [engine.YEAR_ENDING, engine.YEAR_ENDING, engine.YEAR_ENDS_TODAY]
    assert set(reasons[3:]) == {engine.DECISION_OVERDUE}
    assert {x.rule for x in assessment.decisions if x.action == "remind"} == {"R3"}
    assert deletions(assessment) == [
        (YEAR_END, "R3", ("mp",)),
        (ASSUMED_END, "R2a", ("m1", "m2")),
        (d(2026, 4, 30), "R2", ("c1",)),
        (d(2026, 4, 30), "R2a", ("p1",)),
    ]
    offer = only(assessment, "offer_photo_export")
    assert (offer.due, offer.rule, offer.items, offer.kinds) == (
        ASSUMED_END,
        "R2b",
        ("p1",),
        ("photo",),
    )
    why = {x.items: x.reason for x in assessment.decisions if x.action == "delete"}
    assert why[("mp",)] == engine.YEAR_ENDED
    assert why[("m1", "m2")] == engine.ASSUMED_ENDED
    assert why[("p1",)] == why[("c1",)] == engine.OFFER_EXPIRED


@pytest.mark.parametrize(
    ("now", "phase"),
    [
        (START, "active"),
        (d(2026, 2, 28), "active"),
        (YEAR_END, "decision_due"),
        (d(2026, 3, 30), "decision_due"),
        (ASSUMED_END, "ending"),
        (d(2030, 1, 1), "ending"),
    ],
)
def test_phases_without_a_decision(now: dt.date, phase: str) -> None:
    assert assess(CaseFacts("c", START), now).phase == phase


def test_a_case_without_items_is_closed_once_it_has_ended() -> None:
    assert assess(CaseFacts("c", START), ASSUMED_END, items=()).phase == "closed"
    assert assess(CaseFacts("c", START), d(2026, 3, 30), items=()).phase == "decision_due"


def test_due_now_and_upcoming_split_the_timeline_at_now() -> None:
    assessment = assess(CaseFacts("c", START), d(2026, 3, 31))
    assert [x.items for x in due_now(assessment, d(2026, 3, 31))] == [("mp",), ("m1", "m2")]
    assert due_now(assessment, d(2026, 2, 28)) == ()
    later = upcoming(assessment, d(2026, 3, 31))
    assert [x.action for x in later] == ["offer_photo_export", "delete", "delete", "delete"]
    assert all(x.due >= d(2026, 3, 31) for x in later)


# -- continuing privately (R1) ----------------------------------------------------------


def test_continuing_before_the_year_end_deletes_only_the_match_paper() -> None:
    case = CaseFacts("c", START, decision="continue", decided_on=d(2026, 2, 1))
    assessment = assess(case, d(2026, 2, 15))
    assert assessment.phase == "active"
    assert (assessment.assumed_end, assessment.ended) == (None, None)
    assert deletions(assessment) == [(YEAR_END, "R1", ("mp",))]
    assert only(assessment, "delete").reason == engine.CONTINUED
    assert reminders(assessment) == [d(2026, 1, 30)]  # none after the decision
    assert assess(case, YEAR_END).phase == "private"
    assert assess(case, d(2040, 1, 1), items=ITEMS[1:]).phase == "private"


@pytest.mark.parametrize(
    ("decided_on", "last_reminder"),
    [(d(2026, 2, 22), d(2026, 1, 30)), (d(2026, 3, 8), YEAR_END)],
)
def test_no_reminder_on_the_day_the_decision_is_recorded(
    decided_on: dt.date, last_reminder: dt.date
) -> None:
    case = CaseFacts("c", START, decision="continue", decided_on=decided_on)
    assert reminders(assess(case, START))[-1] == last_reminder


def test_continuing_after_the_year_end_deletes_the_match_paper_at_once() -> None:
    case = CaseFacts("c", START, decision="continue", decided_on=d(2026, 3, 10))
    assessment = assess(case, d(2026, 3, 10))
    assert assessment.phase == "private"
    assert deletions(assessment) == [(YEAR_END, "R3", ("mp",))]
    assert [x.items for x in due_now(assessment, d(2026, 3, 10))] == [("mp",)]
    assert reminders(assessment)[-1] == d(2026, 3, 8)


# -- the relationship ends (R2) -----------------------------------------------------------


def test_ending_early_deletes_messages_and_match_paper_and_offers_the_photos() -> None:
    assessment = assess(ended_case(initiated_by="child-family"), d(2025, 9, 1))
    assert (assessment.phase, assessment.ended, assessment.assumed_end) == (
        "ending",
        d(2025, 9, 1),
        None,
    )
    assert deletions(assessment) == [
        (d(2025, 9, 1), "R2a", ("mp", "m1", "m2")),
        (d(2025, 10, 1), "R2", ("c1",)),
        (d(2025, 10, 1), "R2a", ("p1",)),
    ]
    assert only(assessment, "offer_photo_export").due == d(2025, 9, 1)
    assert reminders(assessment) == []
    assert not [x for x in assessment.decisions if x.action == "advise"]
    assert assess(ended_case(), d(2025, 8, 31)).phase == "active"


def test_an_end_recorded_late_is_due_when_it_is_recorded() -> None:
    assessment = assess(ended_case(ended_on=d(2025, 9, 1), decided_on=d(2025, 9, 10)), START)
    assert assessment.ended == d(2025, 9, 10)
    assert deletions(assessment)[0] == (d(2025, 9, 10), "R2a", ("mp", "m1", "m2"))


def test_an_end_recorded_in_advance_waits_for_the_end() -> None:
    assessment = assess(ended_case(ended_on=d(2025, 9, 1), decided_on=d(2025, 8, 1)), START)
    assert deletions(assessment)[0][0] == d(2025, 9, 1)


def test_ending_after_the_year_end_keeps_the_year_end_for_the_match_paper() -> None:
    end = d(2026, 3, 5)
    assessment = assess(ended_case(ended_on=end, decided_on=end), end)
    assert deletions(assessment)[:2] == [
        (YEAR_END, "R3", ("mp",)),
        (d(2026, 3, 5), "R2a", ("m1", "m2")),
    ]
    assert reminders(assessment)[-1] == YEAR_END


def test_ending_on_the_year_end_cites_the_ending_rule() -> None:
    assessment = assess(ended_case(ended_on=YEAR_END, decided_on=YEAR_END), YEAR_END)
    assert deletions(assessment)[0] == (YEAR_END, "R2a", ("mp", "m1", "m2"))


@pytest.mark.parametrize(
    ("outcome", "on", "due", "reason"),
    [
        ("done", d(2025, 9, 5), d(2025, 9, 5), engine.PHOTOS_SENT),
        ("declined", d(2025, 9, 2), d(2025, 9, 2), engine.PHOTOS_DECLINED),
        ("done", d(2025, 8, 1), d(2025, 9, 1), engine.PHOTOS_SENT),  # sent before the end
        ("done", d(2025, 10, 1), d(2025, 10, 1), engine.PHOTOS_SENT),  # on the last day
        ("done", d(2025, 10, 2), d(2025, 10, 1), engine.OFFER_EXPIRED),  # too late
    ],
)
def test_photos_and_contacts_go_when_the_offer_closes(
    outcome: str, on: dt.date, due: dt.date, reason: str
) -> None:
    assessment = assess(ended_case(export_outcome=outcome, export_outcome_on=on), START)
    deletes = [x for x in assessment.decisions if x.action == "delete"]
    kept = [x for x in deletes if x.kinds in (("contact",), ("photo",))]
    assert [(x.due, x.kinds, x.reason) for x in kept] == [
        (due, ("contact",), reason),
        (due, ("photo",), reason),
    ]


def test_without_photos_there_is_no_offer_and_contacts_go_at_once() -> None:
    no_photos = tuple(item for item in ITEMS if item.kind != "photo")
    assessment = assess(ended_case(), START, items=no_photos)
    assert [x.action for x in assessment.decisions] == ["delete", "delete"]
    assert deletions(assessment) == [
        (d(2025, 9, 1), "R2", ("c1",)),
        (d(2025, 9, 1), "R2a", ("mp", "m1", "m2")),
    ]


def test_ending_on_the_volunteers_initiative_advises_the_contact_person() -> None:
    advice = only(assess(ended_case(initiated_by="volunteers"), START), "advise")
    assert (advice.due, advice.rule, advice.reason) == (
        d(2025, 9, 1),
        "R2c",
        engine.RESUME_VIA_CONTACT_PERSON,
    )


# -- holds (C2) -----------------------------------------------------------------------


def test_a_hold_postpones_every_deletion_to_the_day_after_it() -> None:
    case = CaseFacts("c", START, holds=(Hold(d(2026, 2, 15), d(2026, 6, 30)),))
    assessment = assess(case, d(2026, 4, 1))
    deletes = [x for x in assessment.decisions if x.action == "delete"]
    assert {(x.due, x.held_until) for x in deletes} == {(d(2026, 7, 1), d(2026, 6, 30))}
    assert {item for x in deletes for item in x.items} == {item.id for item in ITEMS}
    assert due_now(assessment, d(2026, 6, 30)) == ()
    assert len(due_now(assessment, d(2026, 7, 1))) == len(deletes)
    assert only(assessment, "offer_photo_export").due == ASSUMED_END  # offers are not held


def test_a_hold_is_capped_at_the_policy_maximum() -> None:
    case = ended_case(holds=(Hold(d(2025, 8, 1), d(2030, 1, 1)),))
    assert {x.due for x in assess(case, START).decisions if x.action == "delete"} == {d(2026, 8, 2)}


def test_a_hold_placed_after_the_due_date_still_protects_what_is_left() -> None:
    case = ended_case(holds=(Hold(d(2025, 12, 1), d(2025, 12, 31)),))
    assert {x.due for x in assess(case, START).decisions if x.action == "delete"} == {d(2026, 1, 1)}


def test_a_hold_ending_on_the_due_date_still_protects_that_day() -> None:
    case = ended_case(holds=(Hold(d(2025, 8, 1), d(2025, 9, 1)),))
    assert deletions(assess(case, START))[0] == (d(2025, 9, 2), "R2a", ("mp", "m1", "m2"))


def test_an_expired_hold_changes_nothing() -> None:
    case = ended_case(holds=(Hold(d(2025, 6, 1), d(2025, 6, 30)),))
    assert deletions(assess(case, START)) == deletions(assess(ended_case(), START))
    assert all(x.held_until is None for x in assess(case, START).decisions)


def test_with_several_holds_deletion_waits_for_the_last() -> None:
    holds = (Hold(d(2025, 8, 1), d(2025, 11, 30)), Hold(d(2025, 8, 15), d(2025, 9, 30)))
    assessment = assess(ended_case(holds=holds), START)
    assert {x.due for x in assessment.decisions if x.action == "delete"} == {d(2025, 12, 1)}


# -- items and the policy file --------------------------------------------------------


def test_an_item_added_after_its_kind_became_due_is_due_at_once() -> None:
    late = ItemFacts("m3", "message", d(2025, 9, 20))
    assessment = assess(ended_case(), START, items=(*ITEMS, late))
    assert (d(2025, 9, 20), "R2a", ("m3",)) in deletions(assessment)


def test_the_timeline_follows_the_policy_file() -> None:
    text = default_policy_text()
    for old, new in [
        ('year = "P1Y"', 'year = "P6M"'),
        ('["P30D", "P7D", "P0D"]', '["P2W"]'),
        ('decision_window = "P30D"', 'decision_window = "P0D"'),
        ('deletes = ["contact"]', 'deletes = ["contact", "photo"]'),
        ('keeps_while_offered = ["photo", "contact"]', 'keeps_while_offered = ["photo"]'),
    ]:
        text = text.replace(old, new)
    assessment = evaluate(CaseFacts("c", START), ITEMS, load_policy_text(text, "custom"), START)
    assert assessment.year_end == assessment.assumed_end == d(2025, 9, 1)
    assert reminders(assessment) == [d(2025, 8, 18)]
    assert deletions(assessment) == [
        (d(2025, 9, 1), "R2", ("c1",)),  # contacts no longer wait for the offer
        (d(2025, 9, 1), "R2a", ("mp", "m1", "m2")),  # R2a, not R3: the outcome wins a tie
        (d(2025, 10, 1), "R2", ("p1",)),  # R2 and R2a both delete photos: the first wins
    ]
    grouped = [x for x in assessment.decisions if x.rule == "R2a"]
    assert grouped[0].kinds == ("match_paper", "message")


def test_evaluate_does_not_depend_on_the_order_of_items() -> None:
    case = ended_case()
    assert assess(case, START, ITEMS) == assess(case, START, tuple(reversed(ITEMS)))


@pytest.mark.parametrize(
    "facts",
    [
        {"decision": "end", "ended_on": d(2025, 9, 1)},
        {"decided_on": d(2025, 9, 1)},
        {"decision": "continue", "decided_on": d(2025, 9, 1), "ended_on": d(2025, 9, 1)},
        {"decision": "end", "decided_on": d(2025, 9, 1)},
        {"export_outcome": "done"},
        {"export_outcome_on": d(2025, 9, 1)},
    ],
)
def test_facts_that_cannot_happen_are_refused(facts: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"go together|names the day"):
        CaseFacts("c", START, **facts)


def test_a_hold_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it is placed"):
        Hold(d(2025, 9, 2), d(2025, 9, 1))


def test_a_hold_lasts_at_most_the_maximum() -> None:
    hold = Hold(d(2025, 9, 1), d(2027, 1, 1))
    assert hold.last_day(Duration(years=1)) == d(2026, 9, 1)
    assert dataclasses.replace(hold, until=d(2025, 10, 1)).last_day(Duration(years=1)) == d(
        2025, 10, 1
    )
