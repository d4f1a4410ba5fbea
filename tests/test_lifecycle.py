"""Recording decisions, holds and exports, and applying the policy over a whole year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from retention_agent import errors
from retention_agent.enforce import apply_due, assess, case_facts, due_deletions, pending
from retention_agent.formats.vcard import Contact
from retention_agent.lifecycle import (
    CHECKLIST,
    IMPORT_ORIGIN_TOPIC,
    checklist_done,
    checklist_places,
    mark_checklist,
    place_hold,
    record_continue,
    record_end,
    record_export_outcome,
    record_import_origin,
    release_hold,
)
from retention_agent.policy.assessment import Action, CaseAssessment, Decision
from retention_agent.policy.facts import Hold
from retention_agent.vault import catalog, crypto, receipts, sealed
from retention_agent.vault.adding import ingest_contact, ingest_file
from retention_agent.vault.cases import case_key_id, get_case
from retention_agent.vault.records import Kind
from retention_agent.vault.vault import Vault
from tests.support.vaults import NOW, PASSPHRASE, add_case

START = dt.date(2026, 3, 1)
YEAR_END = dt.date(2027, 3, 1)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)


@pytest.fixture
def vault(vault_home: Path) -> Iterator[Vault]:
    with Vault.init(vault_home, PASSPHRASE, NOW) as opened:
        yield opened


@pytest.fixture
def case_id(vault: Vault, tmp_path: Path) -> str:
    """A case holding one item of every kind, added on the match date."""
    case = add_case(vault, start=START)
    files: list[tuple[str, Kind]] = [
        ("mp.pdf", "match_paper"),
        ("chat.txt", "message"),
        ("a.jpg", "photo"),
    ]
    for name, kind in files:
        (tmp_path / name).write_bytes(name.encode())
        ingest_file(
            vault,
            case_id=case,
            kind=kind,
            source=tmp_path / name,
            now=at(START),
            keep_original=False,
        )
    ingest_contact(vault, case_id=case, contact=Contact(name="Forælder B"), now=at(START))
    return case


def kinds_left(vault: Vault, case_id: str) -> set[str]:
    return {item.kind for item in catalog.list_items(vault, case_id=case_id)}


def test_nothing_is_due_during_the_year(vault: Vault, case_id: str) -> None:
    assert due_deletions(vault, YEAR_END - dt.timedelta(days=1)) == []
    assert apply_due(vault, at(YEAR_END - dt.timedelta(days=1))) == []
    assert kinds_left(vault, case_id) == {"match_paper", "message", "photo", "contact"}


def test_continue_keeps_everything_but_the_match_paper(vault: Vault, case_id: str) -> None:
    record_continue(vault, case_id, dt.date(2027, 2, 1))
    assert apply_due(vault, at(dt.date(2027, 2, 1))) == []  # R3: not before the year end
    (receipt,) = apply_due(vault, at(YEAR_END))
    assert receipt.body["rules"] == ["R1"]
    assert kinds_left(vault, case_id) == {"message", "photo", "contact"}
    later = at(YEAR_END + dt.timedelta(days=400))
    assert apply_due(vault, later) == []
    assert assess(vault, get_case(vault, case_id), later.date()).phase == "private"


def test_end_deletes_messages_at_once_and_photos_after_the_export(
    vault: Vault, case_id: str
) -> None:
    ended = dt.date(2026, 9, 1)
    record_end(vault, case_id, ended, ended, "child-family")
    apply_due(vault, at(ended))
    assert kinds_left(vault, case_id) == {"photo", "contact"}  # kept for the export (R2b)
    record_export_outcome(vault, case_id, dt.date(2026, 9, 10), "done")
    apply_due(vault, at(dt.date(2026, 9, 10)))
    assert kinds_left(vault, case_id) == set()
    assert get_case(vault, case_id).alias is None
    assert assess(vault, get_case(vault, case_id), dt.date(2026, 9, 10)).phase == "closed"


def test_export_window_closes_by_itself(vault: Vault, case_id: str) -> None:
    record_end(vault, case_id, YEAR_END, YEAR_END, "other")
    apply_due(vault, at(YEAR_END))
    assert kinds_left(vault, case_id) == {"photo", "contact"}
    apply_due(vault, at(YEAR_END + dt.timedelta(days=29)))
    assert kinds_left(vault, case_id) == {"photo", "contact"}
    apply_due(vault, at(YEAR_END + dt.timedelta(days=30)))
    assert kinds_left(vault, case_id) == set()


def test_no_decision_counts_as_ended_after_the_window(vault: Vault, case_id: str) -> None:
    apply_due(vault, at(YEAR_END))
    assert kinds_left(vault, case_id) == {"message", "photo", "contact"}
    assessment = assess(vault, get_case(vault, case_id), START)
    assert assessment.assumed_end == YEAR_END + dt.timedelta(days=30)
    apply_due(vault, at(YEAR_END + dt.timedelta(days=30)))
    assert kinds_left(vault, case_id) == {"photo", "contact"}
    apply_due(vault, at(YEAR_END + dt.timedelta(days=60)))
    assert kinds_left(vault, case_id) == set()
    with pytest.raises(errors.CaseAlreadyEnded):
        record_continue(vault, case_id, YEAR_END + dt.timedelta(days=61))


def test_hold_postpones_every_deletion_until_released(vault: Vault, case_id: str) -> None:
    place_hold(vault, case_id, dt.date(2027, 2, 1), dt.date(2027, 6, 1), "concern reported")
    record_end(vault, case_id, YEAR_END, YEAR_END, "other")
    assert apply_due(vault, at(dt.date(2027, 5, 1))) == []
    assert len(kinds_left(vault, case_id)) == 4
    release_hold(vault, case_id, dt.date(2027, 5, 2))
    # Released on 2 May: it protected up to and including 1 May.
    assert case_facts(vault, case_id).holds == (
        Hold(placed_on=dt.date(2027, 2, 1), until=dt.date(2027, 5, 1)),
    )
    apply_due(vault, at(dt.date(2027, 5, 2)))
    assert kinds_left(vault, case_id) == set()


def test_hold_reason_is_sealed(vault: Vault, case_id: str) -> None:
    """Not readable on disk, yet kept: it opens under the case's own key."""
    place_hold(vault, case_id, START, dt.date(2026, 6, 1), "Bekymring om Solsikke")
    raw = vault.db.execute("SELECT sealed FROM holds").fetchone()["sealed"]
    assert b"Solsikke" not in raw
    key_id = case_key_id(case_id)
    opened = crypto.unseal(vault.unwrap(key_id), vault.id, key_id, raw)
    assert opened == {"hold_reason": "Bekymring om Solsikke"}


@pytest.mark.parametrize(
    ("until", "reason", "error"),
    [
        (dt.date(2026, 3, 1), "x", errors.HoldInPast),
        (dt.date(2030, 1, 1), "x", errors.HoldTooLong),
        (dt.date(2026, 6, 1), "  ", errors.HoldNeedsReason),
    ],
)
def test_bad_holds_are_refused(
    vault: Vault, case_id: str, until: dt.date, reason: str, error: type[errors.RetentionError]
) -> None:
    with pytest.raises(error) as refused:
        place_hold(vault, case_id, START, until, reason)
    assert (
        refused.value.fields
        == {
            errors.HoldInPast: {"today": START},
            errors.HoldTooLong: {"latest": YEAR_END, "case": case_id},
            errors.HoldNeedsReason: {},
        }[error]
    )
    assert vault.db.execute("SELECT COUNT(*) FROM holds").fetchone()[0] == 0


def test_a_hold_may_last_exactly_the_policy_maximum(vault: Vault, case_id: str) -> None:
    """The cap is inclusive: until exactly ``max_hold`` after today is allowed (the
    policy's P1Y), one day more is refused and names that last allowed day."""
    today = dt.date(2027, 2, 1)
    latest = dt.date(2028, 2, 1)
    with pytest.raises(errors.HoldTooLong) as refused:
        place_hold(vault, case_id, today, latest + dt.timedelta(days=1), "concern")
    assert refused.value.fields == {"latest": latest, "case": case_id}
    place_hold(vault, case_id, today, latest, "concern")
    assert case_facts(vault, case_id).holds == (Hold(placed_on=today, until=latest),)


def test_decision_rules(vault: Vault, case_id: str) -> None:
    """Each refusal, with what its message names (the error's fields)."""
    today = dt.date(2026, 5, 1)
    refusals: list[tuple[Callable[[], object], errors.RetentionError]] = [
        (
            lambda: record_end(vault, case_id, today, dt.date(2026, 6, 1), "other"),
            errors.BadEndDate(start=START, today=today),
        ),
        (
            lambda: record_end(vault, case_id, today, dt.date(2026, 2, 1), "other"),
            errors.BadEndDate(start=START, today=today),
        ),
        (
            lambda: record_export_outcome(vault, case_id, today, "done"),
            errors.CaseNotEnded(case=case_id),
        ),
        (lambda: release_hold(vault, case_id, today), errors.NoActiveHold(case=case_id)),
    ]
    for act, expected in refusals:
        with pytest.raises(type(expected)) as refused:
            act()
        assert refused.value.fields == expected.fields
    record_end(vault, case_id, today, today, "volunteers")
    facts = case_facts(vault, case_id)
    assert (facts.decision, facts.decided_on, facts.ended_on, facts.initiated_by) == (
        "end",
        today,
        today,
        "volunteers",
    )
    # A relationship may end on the match date itself.
    other = add_case(vault, "Barn B", start=START)
    record_end(vault, other, today, START, "child-family")
    assert case_facts(vault, other).ended_on == START
    with pytest.raises(errors.DecisionAlreadyRecorded) as decided:
        record_continue(vault, case_id, dt.date(2026, 5, 2))
    assert decided.value.fields["case"] == case_id
    # The photos may be offered on the very day the relationship ended.
    record_export_outcome(vault, case_id, today, "declined")
    with pytest.raises(errors.ExportAlreadyRecorded) as exported:
        record_export_outcome(vault, case_id, dt.date(2026, 5, 3), "done")
    assert exported.value.fields["case"] == case_id
    with pytest.raises(errors.UnknownCase) as unknown:
        record_continue(vault, "nope00", dt.date(2026, 5, 2))
    assert unknown.value.fields == {"case": "nope00"}


def test_continuing_is_possible_until_the_day_before_the_assumed_end(
    vault: Vault, case_id: str
) -> None:
    """Without a decision the case counts as ended 30 days after the year; from that
    day on R2 applies and the case can no longer be continued, the day before it can."""
    assumed_end = YEAR_END + dt.timedelta(days=30)
    other = add_case(vault, "Barn B", start=START)
    with pytest.raises(errors.CaseAlreadyEnded) as late:
        record_continue(vault, other, assumed_end)
    assert late.value.fields == {"case": other, "date": assumed_end}
    record_continue(vault, case_id, assumed_end - dt.timedelta(days=1))
    assert case_facts(vault, case_id).decision == "continue"


def test_an_import_adds_its_place_to_that_case_only_once(vault: Vault, case_id: str) -> None:
    other = add_case(vault, "Barn B")
    for _ in range(2):
        record_import_origin(vault, case_id, "whatsapp", NOW)
    record_import_origin(vault, other, "whatsapp", NOW)
    record_import_origin(vault, other, "sms", NOW)
    assert list(checklist_places(vault, case_id)) == [*CHECKLIST, "whatsapp-chat"]
    assert list(checklist_places(vault, other)) == [*CHECKLIST, "whatsapp-chat", "sms-thread"]
    assert len(sealed.find(vault, IMPORT_ORIGIN_TOPIC, case_id=case_id)) == 1


def test_checklist_is_recorded_with_receipts(vault: Vault, case_id: str) -> None:
    mark_checklist(vault, case_id, dt.date(2027, 3, 2), ["phone-contacts", "sms-chat"])
    mark_checklist(vault, case_id, dt.date(2027, 3, 3), ["sms-chat"])  # already done: no-op
    assert checklist_done(vault, case_id) == {
        "phone-contacts": dt.date(2027, 3, 2),
        "sms-chat": dt.date(2027, 3, 2),
    }
    log = receipts.all_receipts(vault.db)
    assert [(r.body["type"], r.body["place"]) for r in log] == [
        ("checklist", "phone-contacts"),
        ("checklist", "sms-chat"),
    ]
    with pytest.raises(errors.UnknownChecklistPlace) as unknown:
        mark_checklist(vault, case_id, dt.date(2027, 3, 2), ["the-attic"])
    assert unknown.value.fields == {"place": "the-attic", "places": ", ".join(CHECKLIST)}


def test_a_case_keeps_the_policy_it_was_created_under(vault: Vault, case_id: str) -> None:
    """A newer policy text in the vault's future must not change this case: its stored
    text is what the engine reads."""
    stored = get_case(vault, case_id).policy_text
    vault.db.execute(
        "UPDATE cases SET policy_text = ? WHERE id = ?",
        (stored.replace('year = "P1Y"', 'year = "P2Y"'), case_id),
    )
    assert 'year = "P1Y"' in stored
    assert assess(vault, get_case(vault, case_id), START).year_end == dt.date(2028, 3, 1)


def test_pending_keeps_today_and_what_is_still_to_be_done() -> None:
    """What status and plan show as still to come: everything from today on, and past
    deletions and photo offers whose items are still there; past reminders are gone."""
    today = dt.date(2027, 3, 10)
    yesterday = today - dt.timedelta(days=1)

    def decision(due: dt.date, action: Action, items: tuple[str, ...] = ()) -> Decision:
        return Decision(due=due, action=action, rule="R3", reason="why", items=items)

    decisions = (
        decision(yesterday, "remind"),
        decision(yesterday, "advise", ("a1",)),
        decision(yesterday, "delete"),  # carried out: no items left
        decision(yesterday, "delete", ("a1",)),
        decision(yesterday, "offer_photo_export", ("p1",)),
        decision(today, "remind"),
        decision(today + dt.timedelta(days=1), "delete"),
    )
    assessment = CaseAssessment(
        case_id="c",
        phase="ending",
        year_end=YEAR_END,
        assumed_end=None,
        ended=YEAR_END,
        decisions=decisions,
    )
    assert pending(assessment, today) == decisions[3:]
