"""The agent over a real vault: it announces, carries out what was announced with a
receipt, waits for a yes where it could not announce, and copes without a key. The
clock is set by the test; nothing sleeps until a date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from retention_agent import contact_person
from retention_agent.agent import heartbeat
from retention_agent.agent import memory as agent_memory
from retention_agent.contact_person import ContactPerson
from retention_agent.desktop.buttons import Button
from retention_agent.export import offer, records
from retention_agent.lifecycle import place_hold, record_continue, record_end
from retention_agent.vault import catalog, receipts
from retention_agent.vault.adding import ingest_file
from retention_agent.vault.keystore import PassphraseSource
from retention_agent.vault.vault import Vault
from tests.conftest import TEST_PASSPHRASE
from tests.support.agents import Clock, make_agent
from tests.support.vaults import NOW, PASSPHRASE, add_case

START = dt.date(2026, 3, 1)
YEAR_END = dt.date(2027, 3, 1)


def days(offset: int) -> dt.date:
    return YEAR_END + dt.timedelta(days=offset)


@pytest.fixture
def case_id(vault_home: Path, tmp_path: Path) -> str:
    """A case that continues privately: only its match paper is deleted, at the year end."""
    with Vault.init(vault_home, PASSPHRASE, NOW) as vault:
        case = add_case(vault, start=START)
        source = tmp_path / "matchpapir.pdf"
        source.write_bytes(b"%PDF synthetic")
        ingest_file(
            vault,
            case_id=case,
            kind="match_paper",
            source=source,
            now=NOW,
            keep_original=False,
        )
        record_continue(vault, case, dt.date(2026, 12, 1))
    return case


def live_items(home: Path) -> int:
    with Vault.open(home, PASSPHRASE) as vault:
        return len(catalog.list_items(vault))


def test_announces_then_deletes_on_the_day_with_a_receipt(vault_home: Path, case_id: str) -> None:
    clock = Clock(days(-8))
    agent, told = make_agent(vault_home, clock)
    agent.evaluate()
    assert told.sent == []
    clock.set(days(-7))
    agent.evaluate()
    assert told.titles() == [f"Case {case_id}: the match paper will be deleted in 7 days"]
    clock.set(days(-1))
    agent.evaluate()
    assert told.titles()[-1] == f"Case {case_id}: the match paper will be deleted tomorrow"
    assert live_items(vault_home) == 1
    clock.set(days(0))
    agent.evaluate()
    assert live_items(vault_home) == 0
    assert told.titles()[-1] == f"Case {case_id}: the match paper deleted"
    with Vault.open(vault_home, PASSPHRASE) as vault:
        (receipt,) = receipts.all_receipts(vault.db)
    assert f"Receipt no. {receipt.seq}" in told.sent[-1][1]
    beat = heartbeat.read(vault_home)
    assert beat is not None
    assert beat.last_action == "deleted"


def test_texts_name_the_case_by_id_only(vault_home: Path, case_id: str) -> None:
    clock = Clock(days(-7))
    agent, told = make_agent(vault_home, clock)
    for offset in (-7, -1, 0):
        clock.set(days(offset))
        agent.evaluate()
    assert told.sent
    for title, body in told.sent:
        assert "Barn A" not in title + body
        assert "matchpapir.pdf" not in title + body
        assert case_id in title


def test_due_without_announcement_waits_for_the_tray(vault_home: Path, case_id: str) -> None:
    clock = Clock(days(10))
    agent, told = make_agent(vault_home, clock)
    agent.evaluate()
    assert told.titles() == [f"Case {case_id}: the match paper due for deletion"]
    assert live_items(vault_home) == 1
    beat = heartbeat.read(vault_home)
    assert beat is not None
    assert beat.waiting == (case_id,)
    agent.deliver({"source": "tray", "type": "action", "action": "delete_due"})
    agent.step()
    assert live_items(vault_home) == 0


def test_due_without_announcement_is_deleted_a_week_after_the_notice(
    vault_home: Path, case_id: str
) -> None:
    clock = Clock(days(10))
    agent, _told = make_agent(vault_home, clock)
    agent.evaluate()
    clock.set(days(16))
    agent.evaluate()
    assert live_items(vault_home) == 1
    clock.set(days(17))
    agent.evaluate()
    assert live_items(vault_home) == 0


def test_memory_survives_a_restart(vault_home: Path, case_id: str) -> None:
    clock = Clock(days(-7))
    first, told = make_agent(vault_home, clock)
    first.evaluate()
    assert len(told.sent) == 1
    again, told_again = make_agent(vault_home, clock)
    again.evaluate()
    assert told_again.sent == []
    assert agent_memory.load(vault_home).announced


def test_key_file_without_passphrase_schedules_and_reports_once(
    vault_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("RETENTION_PASSPHRASE", TEST_PASSPHRASE)
    with Vault.init(vault_home, PassphraseSource(), NOW) as vault:
        case = add_case(vault, start=START)
        record_continue(vault, case, dt.date(2026, 12, 1))
        source = tmp_path / "paper.pdf"
        source.write_bytes(b"%PDF")
        ingest_file(
            vault,
            case_id=case,
            kind="match_paper",
            source=source,
            now=NOW,
            keep_original=False,
        )
    monkeypatch.delenv("RETENTION_PASSPHRASE")
    asked: list[int] = []

    def cancel() -> None:
        asked.append(1)

    clock = Clock(days(-7))
    agent, told = make_agent(vault_home, clock, ask=lambda: cancel())
    agent.evaluate()  # the announcement needs no key
    assert told.titles() == [f"Case {case}: the match paper will be deleted in 7 days"]
    clock.set(days(-1))
    agent.evaluate()
    clock.set(days(0))
    agent.evaluate()  # the deletion needs it: asked once, refused, reported
    clock.set(days(1))
    agent.evaluate()  # not asked again so soon, not reported again
    assert asked == [1]
    assert told.titles()[-1] == "The vault cannot be opened right now"
    beat = heartbeat.read(vault_home)
    assert beat is not None
    assert beat.problems == ("key_unavailable",)

    agent_with_key, told_later = make_agent(vault_home, clock, ask=lambda: TEST_PASSPHRASE)
    agent_with_key.evaluate()
    assert told_later.titles() == [f"Case {case}: the match paper deleted"]


def test_tray_choices_open_the_inbox_and_the_photo_export(vault_home: Path, case_id: str) -> None:
    opened: list[Path] = []
    wizards: list[str] = []
    agent, told = make_agent(
        vault_home, Clock(days(-60)), wizard=wizards.append, open_folder=opened.append
    )
    agent.evaluate()
    for action in (
        {"action": "open_inbox"},
        {"action": "export_photos", "case": case_id},
        {"action": "export_photos", "case": "../../etc"},  # only case ids are passed on
    ):
        agent.deliver({"source": "tray", "type": "action", **action})
    agent.step()
    assert opened == [vault_home / "Inbox"]
    assert wizards == [case_id]
    assert told.sent == []


def test_without_the_wizard_the_tray_says_how_to_export(vault_home: Path, case_id: str) -> None:
    agent, told = make_agent(vault_home, Clock(days(-60)))
    agent.evaluate()
    agent.deliver({"source": "tray", "type": "action", "action": "export_photos", "case": case_id})
    agent.step()
    ((title, body),) = told.sent
    assert title == f"Case {case_id}: exporting the photos"
    assert f"retention case export-done --case {case_id}" in body


def test_the_tray_quit_stops_the_loop(vault_home: Path, case_id: str) -> None:
    agent, _told = make_agent(vault_home, Clock(days(-60)))
    agent.deliver({"source": "tray", "type": "action", "action": "quit"})
    assert agent.run() == 0
    beat = heartbeat.read(vault_home)
    assert beat is not None
    assert beat.running is False


def test_no_tray_is_said_once_ever(vault_home: Path, case_id: str) -> None:
    clock = Clock(days(-60))
    agent, told = make_agent(vault_home, clock)
    agent.deliver({"source": "tray", "type": "unavailable", "reason": "no_menu"})
    agent.step()
    assert told.titles() == ["No icon by the clock on this desktop"]
    again, told_again = make_agent(vault_home, clock)
    again.deliver({"source": "tray", "type": "unavailable", "reason": "no_menu"})
    again.step()
    assert told_again.sent == []


def test_a_change_recorded_by_another_command_is_seen_at_the_next_pass(
    vault_home: Path, case_id: str
) -> None:
    clock = Clock(days(-3))
    agent, told = make_agent(vault_home, clock)
    agent.step()
    assert told.titles() == [f"Case {case_id}: the match paper will be deleted in 3 days"]
    with Vault.open(vault_home, PASSPHRASE) as vault:
        place_hold(vault, case_id, days(-3), days(20), "Bekymring meldt til Red Barnet")
    agent.step()  # same day, no clock jump: only the index changed
    assert agent.plan is not None
    assert agent.plan.next_date == days(21 - 7)  # the deletion moved past the hold


def test_a_photo_export_that_cannot_start_is_told(vault_home: Path, case_id: str) -> None:
    agent, told = make_agent(vault_home, Clock(days(-60)))
    agent.deliver({"source": "wizard", "case": case_id, "code": 5})
    agent.step()
    assert told.titles()[-1] == f"Case {case_id}: the photo export did not open"
    assert f"retention wizard --case {case_id}" in told.sent[-1][1]


def test_after_not_yet_the_family_is_asked_whether_the_photos_were_sent(
    vault_home: Path, tmp_path: Path
) -> None:
    ended = dt.date(2026, 9, 1)
    with Vault.init(vault_home, PASSPHRASE, NOW) as vault:
        case = add_case(vault, start=START)
        photo = tmp_path / "IMG_0001.jpg"
        photo.write_bytes(b"SYNTHETIC photo")
        ingest_file(vault, case_id=case, kind="photo", source=photo, now=NOW, keep_original=False)
        record_end(vault, case, ended, ended, "child-family")
        exported_at = dt.datetime.combine(ended + dt.timedelta(days=3), dt.time(10), dt.UTC)
        records.add_export(
            vault,
            case,
            exported_at,
            destination=tmp_path / "export",
            as_zip=False,
            files=[],
            items=[],
            answers=records.Answers("yes", "yes", None),
        )
    clock = Clock(ended + dt.timedelta(days=4))
    agent, told = make_agent(vault_home, clock)
    agent.evaluate()
    assert told.titles() == [f"Case {case}: you can offer the photos to the family"]
    clock.set(ended + dt.timedelta(days=5))
    agent.evaluate()
    title, body = told.sent[-1]
    assert title == f"Case {case}: have you sent the photos?"
    assert body.startswith("The photos were exported on 4 September 2026. Once they are sent")
    assert body.endswith(
        "On 1 October 2026 the photos and contact details are deleted, even without an answer."
    )
    assert told.buttons[-1] == [
        Button("Export photos", {"action": "export_photos", "case": case}, default=True)
    ]
    clock.set(ended + dt.timedelta(days=6))
    agent.evaluate()
    assert len(told.sent) == 2  # once
    with Vault.open(vault_home, PASSPHRASE) as vault:
        offer.confirm_sent(vault, case, ended + dt.timedelta(days=7))
    clock.set(ended + dt.timedelta(days=12))
    agent.evaluate()
    assert "have you sent the photos?" not in " ".join(told.titles()[2:])


def test_its_own_reads_never_wake_it_again(vault_home: Path, case_id: str) -> None:
    """Reading the timelines and the contact person makes or removes an empty WAL: that
    is no change to the index, or an idle agent would look again at every tick."""
    agent, _told = make_agent(vault_home, Clock(days(-60)))
    agent.step()
    assert agent.contact_known  # the vault was opened (the keyring has the key)
    for _tick in range(3):
        assert not agent.wakeups.index_written()
        agent.evaluate()
    with Vault.open(vault_home, PASSPHRASE) as vault:
        place_hold(vault, case_id, days(-60), days(30), "C2")
    assert agent.wakeups.index_written()  # a command's write is seen


class ShownTray:
    """Keeps what the agent asked its tray to show."""

    def __init__(self) -> None:
        self.shown: list[dict[str, object]] = []

    def show(self, status: dict[str, object]) -> None:
        self.shown.append(status)

    def stop(self) -> None:
        pass


def test_the_contact_person_is_in_the_tray_and_never_in_a_notification(
    vault_home: Path, case_id: str
) -> None:
    with Vault.open(vault_home, PASSPHRASE) as vault:
        contact_person.set_person(vault, ContactPerson("Mette Kontaktsen", "+45 12 34 56 78"), NOW)
    clock = Clock(days(-40))
    agent, told = make_agent(vault_home, clock)
    tray = ShownTray()
    agent.tray = tray
    for offset in (-30, -7, -1, 0, 1):
        clock.set(days(offset))
        agent.evaluate()
    assert told.sent
    assert all("Kontaktsen" not in title + body for title, body in told.sent)
    assert "contact person" in " ".join(body for _title, body in told.sent)
    assert tray.shown[-1]["contact"] == {
        "name": "Mette Kontaktsen",
        "phone": "+45 12 34 56 78",
        "email": None,
    }
