"""The wizard's steps keep their order, show each state of the offer honestly, and turn
every problem into a page with one translated sentence and a way back."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention_agent.export import offer, records
from retention_agent.vault.vault import Vault
from retention_agent.wizard.server import Wizard
from tests.support.exports import TODAY, ended_case_with_photos
from tests.support.photos import laden_jpeg
from tests.support.vaults import NOW as CREATED
from tests.support.vaults import PASSPHRASE, add_case
from tests.support.wizard import request, running_wizard, session_path

pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO")


@pytest.fixture
def vault(vault_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RETENTION_NOW", TODAY.isoformat())
    Vault.init(vault_home, PASSPHRASE, CREATED).close()
    return vault_home


def _case(home: Path, inbox: Path, photos: list[tuple[str, bytes]]) -> tuple[str, list[str]]:
    with Vault.open(home, PASSPHRASE) as vault:
        return ended_case_with_photos(vault, inbox, photos)


@pytest.fixture
def wizard(vault: Path, tmp_path: Path) -> Iterator[Wizard]:
    case_id, _ = _case(vault, tmp_path / "inbox", [("a.jpg", laden_jpeg()), ("b.jpg", b"junk")])
    with running_wizard(vault, case_id=case_id, destination=tmp_path, language="en") as running:
        yield running


def where(wizard: Wizard, page: str) -> str:
    answer = request(wizard, "GET", session_path(wizard, page))
    assert answer.status in (200, 302), answer.status
    return answer.headers.get("location", session_path(wizard, page)).rsplit("/", 1)[1]


def post(wizard: Wizard, page: str, **form: str | list[str]) -> str:
    answer = request(
        wizard, "POST", session_path(wizard, page), form={"csrf": wizard.tokens.csrf, **form}
    )
    return answer.headers.get("location", "").rsplit("/", 1)[-1] or answer.body.decode()


def test_steps_cannot_be_skipped(wizard: Wizard) -> None:
    assert where(wizard, "3") == "2"  # no photos chosen yet
    assert where(wizard, "4") == "2"
    assert where(wizard, "5") == "4"
    assert where(wizard, "6") == "5"
    assert where(wizard, "decline") == "2"
    assert where(wizard, "2") == "2"  # every photo chosen by default
    assert where(wizard, "4") == "3"  # the family has not answered
    assert "Tick the family" in post(wizard, "3", child="yes")  # no family answer: asked again
    assert post(wizard, "3", family="yes") == "4"
    assert where(wizard, "decline") == "3"  # they said yes


def test_a_problem_is_one_sentence_with_a_way_back(wizard: Wizard, tmp_path: Path) -> None:
    where(wizard, "2")
    post(wizard, "3", family="yes")
    page = post(wizard, "4", delivery="folder", destination=str(tmp_path / "nowhere"))
    assert "Something needs your attention" in page
    assert "The destination is not an existing folder." in page
    assert wizard.session.job is None


def _finished(wizard: Wizard) -> None:
    job = wizard.session.job
    assert job is not None
    deadline = time.monotonic() + 60
    while job.running:
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_a_failed_export_can_be_retried_and_left_out_files_are_named(
    wizard: Wizard, tmp_path: Path
) -> None:
    grid = request(wizard, "GET", session_path(wizard, "2")).body.decode()
    ids = dict(re.findall(r'value="(\w+)" checked>\s*<img [^>]*alt="([\w.]+)"', grid))
    junk = next(item for item, name in ids.items() if name == "b.jpg")
    assert post(wizard, "2", item=junk) == "3"
    post(wizard, "3", family="yes")
    assert post(wizard, "4", delivery="folder", destination=str(tmp_path)) == "5"
    _finished(wizard)
    page = request(wizard, "GET", session_path(wizard, "5")).body.decode()
    assert "None of the chosen photos could be exported cleanly" in page
    assert where(wizard, "6") == "5"
    assert post(wizard, "retry") == "4"

    request(
        wizard,
        "POST",
        session_path(wizard, "2"),
        form={"csrf": wizard.tokens.csrf, "select": "all"},
    )
    assert post(wizard, "2", item=list(ids)) == "3"
    post(wizard, "3", family="yes")
    assert post(wizard, "4", delivery="folder", destination=str(tmp_path)) == "5"
    _finished(wizard)
    page = request(wizard, "GET", session_path(wizard, "5")).body.decode()
    assert "1 file was left out:" in page
    assert "b.jpg: This file could not be read as a photo or a video." in page
    assert where(wizard, "6") == "6"


@pytest.mark.parametrize("state", ["not_ended", "no_photos", "sent"])
def test_an_offer_that_is_not_open_has_no_way_in(vault: Path, tmp_path: Path, state: str) -> None:
    with Vault.open(vault, PASSPHRASE) as opened:
        if state == "not_ended":
            case_id = add_case(opened)
        elif state == "no_photos":
            case_id, _ = ended_case_with_photos(opened, tmp_path / "inbox", [])
        else:
            case_id, _ = ended_case_with_photos(
                opened, tmp_path / "inbox", [("a.jpg", laden_jpeg())]
            )
            offer.confirm_sent(opened, case_id, TODAY)
        assert offer.photo_offer(opened, case_id, TODAY).state == state
    with running_wizard(vault, case_id=case_id, destination=tmp_path) as wizard:
        page = request(wizard, "GET", session_path(wizard, "1?lang=en")).body.decode()
        assert "Start: choose the photos" not in page
        expected = {
            "not_ended": "The relationship has not ended",
            "no_photos": "There are no photos of Barn A",
            "sent": "It is already recorded that the photos were sent, on 5 March 2027.",
        }[state]
        assert expected in page
        assert where(wizard, "2") == "1"


def test_choosing_a_case(vault: Path, tmp_path: Path) -> None:
    case_id, _ = _case(vault, tmp_path / "inbox", [("a.jpg", laden_jpeg())])
    with running_wizard(vault, case_id=None, destination=tmp_path) as wizard:
        assert where(wizard, "") == "case"
        assert where(wizard, "1") == "case"
        page = request(wizard, "GET", session_path(wizard, "case")).body.decode()
        assert "Barn A" in page
        assert (
            request(
                wizard,
                "POST",
                session_path(wizard, "case"),
                form={"csrf": wizard.tokens.csrf, "case": "zzzzzz"},
            ).status
            == 400
        )
        assert post(wizard, "case", case=case_id) == "1"
        assert (
            "Tilbyd familien billederne af Barn A"
            in request(wizard, "GET", session_path(wizard, "1")).body.decode()
        )


@pytest.mark.parametrize(("answer", "outcome"), [("yes", "done"), ("later", None)])
def test_coming_back_after_not_yet_asks_about_the_earlier_export(
    vault: Path, tmp_path: Path, answer: str, outcome: str | None
) -> None:
    case_id, items = _case(vault, tmp_path / "inbox", [("a.jpg", laden_jpeg())])
    with Vault.open(vault, PASSPHRASE) as opened:
        records.add_export(
            opened,
            case_id,
            dt.datetime.combine(TODAY, dt.time(10), dt.UTC),
            destination=tmp_path / "earlier",
            as_zip=False,
            files=[],
            items=items,
            answers=records.Answers("yes", None, None),
        )
    with running_wizard(vault, case_id=case_id, destination=tmp_path, language="en") as wizard:
        first = request(wizard, "GET", session_path(wizard, "1")).body.decode()
        assert "Have you sent the photos you exported on " in first
        assert post(wizard, "sent", sent=answer) == "done"
    with Vault.open(vault, PASSPHRASE) as opened:
        assert offer.photo_offer(opened, case_id, TODAY).state == ("sent" if outcome else "open")
