"""The wizard end to end in a real headless Chromium: every step as a family would click
through it, then the files on disk, the sealed record, the outcome in the vault, and that
the case's photos and contact details are due for deletion (or not yet)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Response

from retention_agent.enforce import case_facts, due_deletions
from retention_agent.export import clean, records
from retention_agent.vault import sealed
from retention_agent.vault.vault import Vault
from tests.support.exports import TODAY, ended_case_with_photos
from tests.support.photos import SECRETS, laden_jpeg
from tests.support.vaults import NOW as CREATED
from tests.support.vaults import PASSPHRASE
from tests.support.videos import phone_video
from tests.support.wizard import browser, running_wizard, wait_for_images

__all__ = ["browser"]  # the fixture

pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO")


@pytest.fixture
def case(
    vault_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, list[str]]:
    monkeypatch.setenv("RETENTION_NOW", TODAY.isoformat() + "T10:00")
    photos = [
        (f"IMG_{n}.jpg", laden_jpeg(size=(640, 480), orientation=1 + n % 8)) for n in range(5)
    ]
    photos.append(("clip.mov", phone_video()))
    with Vault.init(vault_home, PASSPHRASE, CREATED) as vault:
        return ended_case_with_photos(vault, tmp_path / "inbox", photos)


@pytest.fixture
def destination(tmp_path: Path) -> Path:
    folder = tmp_path / "Skrivebord"
    folder.mkdir()
    return folder


def _answer(page: Page, family: str, child: str, note: str) -> None:
    page.locator(f'input[name="family"][value="{family}"]').check()
    page.locator(f'input[name="child"][value="{child}"]').check()
    page.fill("#note", note)
    page.locator('main button[type="submit"]').click()


def test_folder_export_then_sent(
    browser: Browser, case: tuple[str, list[str]], vault_home: Path, destination: Path
) -> None:
    case_id, items = case
    thumbnails: list[Response] = []
    with running_wizard(vault_home, case_id=case_id, destination=destination) as wizard:
        page = browser.new_page()
        page.on("response", lambda r: thumbnails.append(r) if "/thumb/" in r.url else None)
        page.goto(wizard.url)
        assert page.locator("h1").inner_text() == "Tilbyd familien billederne af Barn A"
        assert "31. marts 2027" in page.locator(".timeline").inner_text()
        page.locator("a.button").first.click()

        wait_for_images(page)
        assert len(thumbnails) == 6
        assert all(r.headers["cache-control"] == "no-store" for r in thumbnails)
        assert page.locator("#count").inner_text() == "6 af 6 valgt"
        page.locator('[data-select="none"]').click()
        assert page.locator("#count").inner_text() == "0 af 6 valgt"
        page.locator('[data-select="all"]').click()
        page.locator('input[name="item"]').nth(1).uncheck()
        assert page.locator("#count").inner_text() == "5 af 6 valgt"
        page.locator('button[value="continue"]').click()

        _answer(page, "yes", "no", "Sendt til mor på mail")
        assert page.locator("h1").inner_text() == "Hvordan vil I give dem?"
        page.fill("#destination", str(destination))
        page.locator('main button[type="submit"]').click()

        page.wait_for_selector(".notice.ok")
        assert page.locator("h1").inner_text() == "Billederne er klar"
        page.locator("a.button").click()
        page.locator('button[value="yes"]').click()
        assert (
            page.locator("h1").inner_text() == "Tak. Det er nu skrevet ned, at billederne er sendt."
        )
        assert wizard.wait(finish_grace=0.1) == "finished"

    folder = destination / "Hjem-til-Os-billeder"
    names = sorted(path.name for path in folder.iterdir())
    assert names == [f"Hjem-til-Os-00{n}.jpg" for n in range(1, 5)] + ["Hjem-til-Os-005.mov"]
    for path in folder.iterdir():
        data = path.read_bytes()
        assert clean.is_clean(data, path.suffix)
        for secret in SECRETS:
            assert secret not in data
    with Vault.open(vault_home, PASSPHRASE) as vault:
        (record,) = records.exports(vault, case_id)
        assert record.items == (items[0], *items[2:])
        assert (record.answers.family, record.answers.child) == ("yes", "no")
        assert record.answers.note == "Sendt til mor på mail"
        assert case_facts(vault, case_id).export_outcome == "done"
        (due,) = due_deletions(vault, TODAY)
        assert set(items) <= set(due.request.item_ids)
        assert {"photo", "contact"} <= set(due.kinds)


def test_zip_export_in_english_not_sent_yet(
    browser: Browser, case: tuple[str, list[str]], vault_home: Path, destination: Path
) -> None:
    case_id, items = case
    with running_wizard(vault_home, case_id=case_id, destination=destination) as wizard:
        page = browser.new_page()
        page.goto(wizard.url)
        page.locator("a[lang=en]").click()
        assert page.locator("h1").inner_text() == "Offer the photos of Barn A to the family"
        page.locator("a.button").first.click()
        page.locator('button[value="continue"]').click()
        _answer(page, "yes", "yes", "")
        page.locator('input[name="delivery"][value="zip"]').check()
        page.fill("#part_mb", "1")
        page.locator('input[name="downscale"]').check()
        page.locator('main button[type="submit"]').click()
        page.wait_for_selector(".notice.ok")
        assert "6 photos are in this folder:" in page.locator("main").inner_text()
        page.locator("a.button").click()
        page.locator('button[value="later"]').click()
        assert page.locator("h1").inner_text() == "The offer stays open"
        assert "31 March 2027" in page.locator("main").inner_text()
        assert wizard.wait(finish_grace=0.1) == "finished"

    (part,) = (destination / "Hjem-til-Os-billeder").iterdir()
    with zipfile.ZipFile(part) as archive:
        assert archive.testzip() is None
        assert len(archive.namelist()) == 6
        with Image.open(io.BytesIO(archive.read("Hjem-til-Os-001.jpg"))) as image:
            assert not image.getexif()
    with Vault.open(vault_home, PASSPHRASE) as vault:
        assert case_facts(vault, case_id).export_outcome is None
        assert len(records.unsent_exports(vault, case_id)) == 1
        assert due_deletions(vault, TODAY) == []
        due = due_deletions(vault, dt.date(2027, 3, 31))
        assert set(items) <= set(due[0].request.item_ids)


def test_the_family_says_no(
    browser: Browser, case: tuple[str, list[str]], vault_home: Path, destination: Path
) -> None:
    case_id, items = case
    hostile = '<script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2">'
    with running_wizard(vault_home, case_id=case_id, destination=destination) as wizard:
        page = browser.new_page()
        page.goto(wizard.url)
        page.locator("a.button").first.click()
        page.locator('button[value="continue"]').click()
        _answer(page, "no", "yes", hostile)
        assert page.locator(".summary .note").inner_text() == hostile  # shown as text
        assert page.evaluate("window.pwned") is None
        page.locator('main button[type="submit"]').click()
        assert page.locator("h1").inner_text() == (
            "Det er nu skrevet ned, at familien ikke ville have billederne."
        )
        assert wizard.wait(finish_grace=0.1) == "finished"

    assert list(destination.iterdir()) == []
    with Vault.open(vault_home, PASSPHRASE) as vault:
        assert case_facts(vault, case_id).export_outcome == "declined"
        assert records.exports(vault, case_id) == []
        (answer,) = sealed.find(vault, records.OFFER_TOPIC, case_id=case_id)
        assert answer.value["family_consent"] == "no"
        assert answer.value["child_consent"] == "yes"
        assert answer.value["note"] == hostile
        assert records.declined_answers(vault, case_id) == records.Answers("no", "yes", hostile)
        (due,) = due_deletions(vault, TODAY)
        assert set(items) <= set(due.request.item_ids)


def test_works_without_javascript(
    browser: Browser, case: tuple[str, list[str]], vault_home: Path, destination: Path
) -> None:
    case_id, _ = case
    with running_wizard(vault_home, case_id=case_id, destination=destination) as wizard:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(wizard.url)
        page.locator("a.button").first.click()
        page.locator('[data-select="none"]').click()
        assert page.locator('input[name="item"]:checked').count() == 0
        page.locator('button[value="continue"]').click()
        assert page.locator(".notice.warn").count() == 1  # "choose at least one"
        page.locator('[data-select="all"]').click()
        assert page.locator('input[name="item"]:checked').count() == 6
        page.locator('button[value="continue"]').click()
        _answer(page, "yes", "", "")
        page.locator('main button[type="submit"]').click()
        # The progress page refreshes itself without JavaScript until the copies are made.
        page.wait_for_selector(".notice.ok", timeout=30_000)
        context.close()
