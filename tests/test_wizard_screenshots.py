"""One screenshot of every wizard page in both languages, made by walking the wizard in
headless Chromium, so ``docs/screenshots/wizard-<n>-<lang>.png`` always shows the pages
as they are. Page 0 is the choice of case, 3b the family's "no", 7 the last page."""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat
from playwright.sync_api import Browser, Page

from retention_agent.i18n import Language
from retention_agent.vault.locking import FileLock
from retention_agent.vault.vault import Vault
from tests.support.exports import ended_case_with_photos
from tests.support.photos import laden_jpeg, picture
from tests.support.vaults import NOW as CREATED
from tests.support.vaults import PASSPHRASE
from tests.support.videos import phone_video
from tests.support.wizard import browser, running_wizard, wait_for_images

__all__ = ["browser"]  # the fixture

pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO")

NOISE = 0.5  # mean difference per channel (of 255) that is only the raster's
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture
def vault_with_cases(vault_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RETENTION_NOW", "2027-03-05T10:00")

    def photo(n: int) -> bytes:
        out = io.BytesIO()
        image = picture((1200, 900)).rotate(
            n * 37, expand=False, fillcolor=(120 + n * 20, 160, 190)
        )
        image.save(out, "JPEG", quality=85)
        return out.getvalue()

    with Vault.init(vault_home, PASSPHRASE, CREATED) as vault:
        photos = [(f"IMG_{n:04d}.jpg", photo(n)) for n in range(1, 8)]
        photos.insert(3, ("VID_0001.mov", phone_video()))
        photos.append(("IMG_0008.jpg", laden_jpeg(size=(900, 600))))
        ended_case_with_photos(vault, tmp_path / "inbox-a", photos, alias="Barn A")
        ended_case_with_photos(
            vault, tmp_path / "inbox-b", [("b.jpg", laden_jpeg())], alias="Barn B"
        )
    return vault_home


@contextmanager
def stable_destination() -> Iterator[Path]:
    """The same folder name every run, so the paths on the pages (and so the pictures)
    only change when the pages do; a lock keeps parallel runs apart."""
    shared = Path(tempfile.gettempdir()) / "retention-wizard-screenshots"
    shared.mkdir(exist_ok=True)
    with FileLock(shared / "lock"):
        destination = shared / "Skrivebord"
        shutil.rmtree(destination, ignore_errors=True)
        destination.mkdir()
        try:
            yield destination
        finally:
            shutil.rmtree(destination, ignore_errors=True)


def shoot(page: Page, name: str, language: Language, *, full_page: bool = True) -> None:
    """Save the page as ``wizard-<name>-<language>.png``, unless the picture already there
    differs only by the browser's raster noise (so unchanged pages leave git alone)."""
    path = SCREENSHOTS / f"wizard-{name}-{language}.png"
    shot = page.screenshot(full_page=full_page)
    if path.exists():
        with Image.open(path) as before, Image.open(io.BytesIO(shot)) as now:
            if before.size == now.size:
                difference = ImageChops.difference(before.convert("RGB"), now.convert("RGB"))
                if max(ImageStat.Stat(difference).mean) < NOISE:
                    return
    path.write_bytes(shot)


@pytest.mark.parametrize("language", ["da", "en"])
def test_screenshots_of_every_page(
    browser: Browser, vault_with_cases: Path, tmp_path: Path, language: Language
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with (
        stable_destination() as destination,
        running_wizard(
            vault_with_cases, case_id=None, destination=destination, language=language
        ) as wizard,
    ):
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(wizard.url)
        shoot(page, "0", language)
        page.locator("button.choice", has_text="Barn A").click()
        shoot(page, "1", language)
        page.locator("a.button").first.click()
        wait_for_images(page)
        page.locator('input[name="item"]').nth(2).uncheck()
        shoot(page, "2", language, full_page=False)  # as seen: the buttons stay in view
        page.locator('button[value="continue"]').click()
        page.locator('input[name="family"][value="no"]').check()
        page.locator('input[name="child"][value="yes"]').check()
        page.fill("#note", "Mor takkede pænt nej." if language == "da" else "Mum said no, kindly.")
        shoot(page, "3", language)
        page.locator('main button[type="submit"]').click()
        shoot(page, "3b", language)
        page.locator("a.button.secondary").click()
        page.locator('input[name="family"][value="yes"]').check()
        page.locator('main button[type="submit"]').click()
        page.locator('input[name="delivery"][value="zip"]').check()
        shoot(page, "4", language)
        page.locator('main button[type="submit"]').click()
        page.wait_for_selector(".notice.ok")
        shoot(page, "5", language)
        page.locator("a.button").click()
        shoot(page, "6", language)
        page.locator('button[value="later"]').click()
        shoot(page, "7", language)
        assert wizard.wait(finish_grace=0.2) == "finished"
