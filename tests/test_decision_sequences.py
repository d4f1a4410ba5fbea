"""Random sequences of what a family records, on random days, through ``lifecycle`` on a
real vault and the engine behind it: once a deletion is due, no later record makes it
not due, except a hold (C2) while it lasts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from retention_agent.enforce import assess, case_facts
from retention_agent.errors import RetentionError
from retention_agent.formats.vcard import Contact
from retention_agent.lifecycle import (
    place_hold,
    record_close,
    record_continue,
    record_end,
    record_export_outcome,
    release_hold,
)
from retention_agent.policy.assessment import due_now
from retention_agent.vault.adding import ingest_contact, ingest_file
from retention_agent.vault.cases import get_case
from retention_agent.vault.vault import Vault
from tests.support.vaults import NOW, PASSPHRASE, add_case

START = dt.date(2026, 3, 1)

commands = st.one_of(
    st.tuples(st.just("continue")),
    st.tuples(st.just("end"), st.integers(0, 400), st.sampled_from(["volunteers", "other"])),
    st.tuples(st.just("export"), st.sampled_from(["done", "declined"])),
    st.tuples(st.just("hold"), st.integers(1, 400)),
    st.tuples(st.just("release")),
    st.tuples(st.just("close"), st.booleans()),
)
# Days after the match date; often close to the days that matter under the shipped
# policy: the year end (365), the assumed end (+30) and the end of its photo offer (+60).
offsets = st.integers(0, 900) | st.builds(
    lambda day, delta: day + delta, st.sampled_from([365, 395, 425]), st.integers(-2, 2)
)
steps = st.lists(st.tuples(offsets, commands), min_size=1, max_size=8).map(sorted)


@pytest.fixture
def vault(vault_home: Path) -> Iterator[Vault]:
    with Vault.init(vault_home, PASSPHRASE, NOW) as opened:
        yield opened


def new_case(vault: Vault, folder: Path) -> str:
    """A case matched on START holding one item of every kind."""
    case_id = add_case(vault, start=START)
    added = dt.datetime.combine(START, dt.time(9), tzinfo=dt.UTC)
    for kind in ("match_paper", "message", "photo"):
        source = folder / f"{case_id}-{kind}"
        source.write_bytes(f"synthetic {kind}".encode())
        ingest_file(
            vault,
            case_id=case_id,
            kind=kind,
            source=source,
            now=added,
            keep_original=False,
        )
    ingest_contact(vault, case_id=case_id, contact=Contact(name="Forælder B"), now=added)
    return case_id


def record(vault: Vault, case_id: str, day: dt.date, command: tuple[Any, ...]) -> None:
    match command:
        case ("continue",):
            record_continue(vault, case_id, day)
        case ("end", days_back, initiator):
            ended_on = max(START, day - dt.timedelta(days=days_back))
            record_end(vault, case_id, day, ended_on, initiator)
        case ("export", outcome):
            record_export_outcome(vault, case_id, day, outcome)
        case ("hold", days):
            place_hold(vault, case_id, day, day + dt.timedelta(days=days), "a concern")
        case ("release",):
            release_hold(vault, case_id, day)
        case ("close", offer):
            record_close(vault, case_id, day, offer)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps)
# The case: no decision, photos due after the offer ran out, then a late "end".
@example([(439, ("end", 0, "other"))])
# "continue" on the very day the case counts as ended.
@example([(395, ("continue",))])
def test_no_record_makes_a_due_deletion_wait_except_a_hold(
    vault: Vault, tmp_path: Path, sequence: list[tuple[int, tuple[Any, ...]]]
) -> None:
    case_id = new_case(vault, tmp_path)
    was_due: set[str] = set()
    for offset, command in sequence:
        day = START + dt.timedelta(days=offset)
        was_due |= due_and_held(vault, case_id, day)[0]
        before = case_facts(vault, case_id)
        try:
            record(vault, case_id, day, command)
        except RetentionError:
            assert case_facts(vault, case_id) == before  # refused: nothing changed
        due, held = due_and_held(vault, case_id, day)
        assert was_due <= due | held, (command, day, was_due - due)


def due_and_held(vault: Vault, case_id: str, day: dt.date) -> tuple[set[str], set[str]]:
    """The items due for deletion on ``day``, and those a hold keeps that day."""
    assessment = assess(vault, get_case(vault, case_id), day)
    due = {item for d in due_now(assessment, day) for item in d.items}
    held = {
        item
        for d in assessment.decisions
        if d.held_until is not None and d.held_until >= day
        for item in d.items
    }
    return due, held
