"""Decisions that come late, early or twice, cases whose year is over before they start,
closing a continued case and removing what was added by mistake (issue 6, points 4-6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention_agent import errors
from retention_agent.enforce import (
    ADDED_BY_MISTAKE,
    CLOSED_BY_FAMILY,
    apply_due,
    assess,
    due_deletions,
    remove_items,
)
from retention_agent.formats.vcard import Contact
from retention_agent.lifecycle import (
    check_start,
    kinds_due_on_arrival,
    place_hold,
    record_close,
    record_continue,
    record_end,
    record_export_outcome,
)
from retention_agent.policy.loader import default_policy
from retention_agent.vault import catalog, index, receipts
from retention_agent.vault.adding import ingest_contact, ingest_file
from retention_agent.vault.cases import get_case
from retention_agent.vault.records import Kind
from retention_agent.vault.vault import Vault
from tests.support.vaults import NOW, PASSPHRASE, add_case

START = dt.date(2026, 3, 1)
YEAR_END = dt.date(2027, 3, 1)
ASSUMED_END = dt.date(2027, 3, 31)
KINDS_ALL = ("match_paper", "contact", "message", "photo")


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)


@pytest.fixture
def vault(vault_home: Path) -> Iterator[Vault]:
    with Vault.init(vault_home, PASSPHRASE, NOW) as opened:
        yield opened


def fill(vault: Vault, case_id: str, folder: Path, added: dt.date = START) -> dict[str, str]:
    """One item of every kind; returns kind → item id."""
    ids: dict[str, str] = {}
    files: list[tuple[str, Kind]] = [
        ("mp.pdf", "match_paper"),
        ("chat.txt", "message"),
        ("a.jpg", "photo"),
    ]
    for name, kind in files:
        source = folder / f"{case_id}-{name}"
        source.write_bytes(name.encode())
        ids[kind] = ingest_file(
            vault,
            case_id=case_id,
            kind=kind,
            source=source,
            now=at(added),
            keep_original=False,
        ).item_id
    contact = ingest_contact(vault, case_id=case_id, contact=Contact(name="B"), now=at(added))
    ids["contact"] = contact.item_id
    return ids


@pytest.fixture
def case_id(vault: Vault, tmp_path: Path) -> str:
    case = add_case(vault, start=START)
    fill(vault, case, tmp_path)
    return case


def kinds_left(vault: Vault, case_id: str) -> set[str]:
    return {item.kind for item in catalog.list_items(vault, case_id=case_id)}


# --- point 4: a late "end" moves no date -------------------------------------------------


def test_a_late_end_keeps_what_was_due_due(vault: Vault, tmp_path: Path) -> None:
    """The issue's case: matched 2026-05-01, a photo, no decision; on 2027-07-14 the
    photo is due (the case counted as ended on 2027-05-31, the offer ran out 2027-06-30)."""
    case_id = add_case(vault, start=dt.date(2026, 5, 1))
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"photo")
    ingest_file(
        vault,
        case_id=case_id,
        kind="photo",
        source=photo,
        now=at(dt.date(2026, 6, 1)),
        keep_original=False,
    )
    today = dt.date(2027, 7, 14)
    assert [d.kinds for d in due_deletions(vault, today)] == [("photo",)]
    recorded = record_end(vault, case_id, today, today, "volunteers")
    assert recorded.counted_as_ended_on == dt.date(2027, 5, 31)
    assert recorded.replaced_continue_on is None
    assert [d.kinds for d in due_deletions(vault, today)] == [("photo",)]
    assessment = assess(vault, get_case(vault, case_id), today)
    assert assessment.ended == dt.date(2027, 5, 31)
    (receipt,) = apply_due(vault, at(today))
    assert receipt.body["rules"] == ["R2a"]


def test_an_end_recorded_in_time_counts_from_its_day(vault: Vault, case_id: str) -> None:
    recorded = record_end(vault, case_id, ASSUMED_END, YEAR_END, "other")
    assert recorded.counted_as_ended_on is None  # not late: the assumed end is that day
    assert assess(vault, get_case(vault, case_id), ASSUMED_END).ended == ASSUMED_END


def test_continue_is_refused_from_the_day_the_case_counts_as_ended(
    vault: Vault, case_id: str
) -> None:
    with pytest.raises(errors.CaseAlreadyEnded):
        record_continue(vault, case_id, ASSUMED_END)
    record_continue(vault, case_id, ASSUMED_END - dt.timedelta(days=1))


# --- point 5: match dates and items that arrive after their time ---------------------------


def test_a_match_date_more_than_a_year_ahead_is_refused() -> None:
    policy, today = default_policy(), dt.date(2026, 3, 1)
    with pytest.raises(errors.StartTooFarAhead):
        check_start(policy, dt.date(2027, 3, 2), today)
    assert check_start(policy, dt.date(2027, 3, 1), today) == ()


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (dt.date(2026, 3, 1), ()),  # the year runs
        (dt.date(2025, 2, 1), ("match_paper",)),  # year over, decision window open
        (dt.date(2025, 1, 20), ("match_paper", "message")),  # counts as ended; offer open
        (dt.date(1990, 1, 1), ("match_paper", "contact", "message", "photo")),
    ],
)
def test_a_new_case_says_what_would_be_deleted_at_once(
    start: dt.date, expected: tuple[str, ...]
) -> None:
    assert check_start(default_policy(), start, dt.date(2026, 3, 1)) == expected


def test_kinds_due_on_arrival_follow_the_case(vault: Vault, case_id: str) -> None:
    assert kinds_due_on_arrival(vault, case_id, START) == ()
    assert kinds_due_on_arrival(vault, case_id, YEAR_END) == ("match_paper",)
    assert kinds_due_on_arrival(vault, case_id, ASSUMED_END) == ("match_paper", "message")
    later = ASSUMED_END + dt.timedelta(days=30)
    assert kinds_due_on_arrival(vault, case_id, later) == KINDS_ALL
    place_hold(vault, case_id, later, later + dt.timedelta(days=10), "a concern")
    assert kinds_due_on_arrival(vault, case_id, later) == ()
    with pytest.raises(errors.UnknownCase):
        kinds_due_on_arrival(vault, "nope00", START)


# --- point 6: an early "continue" gives way; a continued case can be closed -----------------


def test_an_early_continue_gives_way_to_end(vault: Vault, case_id: str) -> None:
    record_continue(vault, case_id, dt.date(2026, 6, 1))
    ended = dt.date(2026, 9, 1)
    recorded = record_end(vault, case_id, ended, dt.date(2026, 8, 20), "child-family")
    assert recorded.replaced_continue_on == dt.date(2026, 6, 1)
    (receipt,) = apply_due(vault, at(ended))
    assert receipt.body["rules"] == ["R2a"]
    assert kinds_left(vault, case_id) == {"photo", "contact"}  # offered first (R2b)
    record_export_outcome(vault, case_id, dt.date(2026, 9, 5), "declined")
    apply_due(vault, at(dt.date(2026, 9, 5)))
    assert kinds_left(vault, case_id) == set()


def test_a_continued_case_cannot_be_ended_after_its_year(vault: Vault, case_id: str) -> None:
    record_continue(vault, case_id, dt.date(2027, 2, 1))
    with pytest.raises(errors.CaseIsPrivate):
        record_end(vault, case_id, YEAR_END, YEAR_END, "other")
    with pytest.raises(errors.DecisionAlreadyRecorded):
        record_continue(vault, case_id, dt.date(2027, 2, 2))


def test_closing_a_continued_case_offers_the_photos_then_deletes_everything(
    vault: Vault, case_id: str
) -> None:
    record_continue(vault, case_id, dt.date(2027, 2, 1))
    apply_due(vault, at(YEAR_END))  # R1: the match paper
    closed = dt.date(2027, 6, 1)
    record_close(vault, case_id, closed, offer_photos=True)
    (receipt,) = apply_due(vault, at(closed))
    assert receipt.body["reason"] == CLOSED_BY_FAMILY
    assert receipt.body["rules"] == []
    assert list(receipt.body["kinds"]) == ["message"]
    assert kinds_left(vault, case_id) == {"photo", "contact"}
    assert assess(vault, get_case(vault, case_id), closed).phase == "ending"
    record_export_outcome(vault, case_id, dt.date(2027, 6, 10), "done")
    (receipt,) = apply_due(vault, at(dt.date(2027, 6, 10)))
    assert receipt.body["reason"] == CLOSED_BY_FAMILY
    assert kinds_left(vault, case_id) == set()
    assert get_case(vault, case_id).alias is None


def test_closing_without_the_offer_deletes_everything_at_once(vault: Vault, case_id: str) -> None:
    record_continue(vault, case_id, dt.date(2027, 2, 1))
    closed = dt.date(2027, 4, 1)
    record_close(vault, case_id, closed, offer_photos=False)
    # The match paper went under R1 (the policy); the rest by the family's decision.
    by_reason = {d.request.reason: d.kinds for d in due_deletions(vault, closed)}
    assert by_reason == {None: ("match_paper",), CLOSED_BY_FAMILY: KINDS_ALL[1:]}
    first, second = apply_due(vault, at(closed))
    assert (first.body["rules"], first.body.get("reason")) == (["R1"], None)
    assert (second.body["rules"], second.body["reason"]) == ([], CLOSED_BY_FAMILY)
    assert kinds_left(vault, case_id) == set()


def test_only_a_continued_case_after_its_year_can_be_closed(
    vault: Vault, case_id: str, tmp_path: Path
) -> None:
    with pytest.raises(errors.CaseNotContinued):
        record_close(vault, case_id, YEAR_END, offer_photos=True)
    record_continue(vault, case_id, dt.date(2026, 6, 1))
    with pytest.raises(errors.CloseWithinYear):
        record_close(vault, case_id, YEAR_END - dt.timedelta(days=1), offer_photos=True)
    record_close(vault, case_id, YEAR_END, offer_photos=True)
    with pytest.raises(errors.CaseAlreadyClosed):
        record_close(vault, case_id, YEAR_END, offer_photos=True)
    ended = add_case(vault, alias="Barn B", start=START)
    record_end(vault, ended, dt.date(2026, 5, 1), dt.date(2026, 5, 1), "other")
    with pytest.raises(errors.CaseNotContinued):
        record_close(vault, ended, YEAR_END, offer_photos=True)


# --- point 6: removing what was added by mistake -------------------------------------------


def test_remove_deletes_for_good_with_its_own_receipt(
    vault: Vault, case_id: str, vault_home: Path
) -> None:
    photo = next(i for i in catalog.list_items(vault, case_id=case_id) if i.kind == "photo")
    blobs_before = set((vault_home / "blobs").iterdir())
    epoch_before = vault.epoch
    (receipt,) = remove_items(vault, [photo.id], at(START))
    assert receipt.body["reason"] == ADDED_BY_MISTAKE
    assert receipt.body["rules"] == []
    assert receipt.body["kinds"] == {"photo": {"count": 1, "bytes": len(b"a.jpg")}}
    assert vault.epoch == epoch_before + 1  # the vault key was rotated
    assert len(blobs_before - set((vault_home / "blobs").iterdir())) == 1
    assert kinds_left(vault, case_id) == {"match_paper", "message", "contact"}
    assert receipts.first_broken(vault.db) is None
    assert index.get_meta(vault.db, "kek_epoch") == str(epoch_before + 1)


def test_remove_checks_every_item_before_deleting_any(vault: Vault, case_id: str) -> None:
    items = [item.id for item in catalog.list_items(vault, case_id=case_id)]
    with pytest.raises(errors.UnknownItem):
        remove_items(vault, [items[0], "deadbeef"], at(START))
    place_hold(vault, case_id, START, dt.date(2026, 6, 1), "a concern")
    with pytest.raises(errors.CaseOnHold):
        remove_items(vault, items[:1], at(START))
    assert len(catalog.list_items(vault, case_id=case_id)) == 4
    assert receipts.all_receipts(vault.db) == []
