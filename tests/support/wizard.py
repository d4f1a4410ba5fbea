"""Running the wizard in-process against a test vault, and a real headless Chromium
(Debian's, driven by Playwright) to use it as a person would."""

from __future__ import annotations

import http.client
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from retention_agent.i18n import Language
from retention_agent.vault.vault import Vault
from retention_agent.wizard.server import Wizard, start
from retention_agent.wizard.session import VaultAccess
from tests.support.vaults import PASSPHRASE

CHROMIUM = Path("/usr/lib/chromium/chromium")


@contextmanager
def running_wizard(
    home: Path,
    *,
    case_id: str | None,
    destination: Path,
    language: Language = "da",
) -> Iterator[Wizard]:
    with Vault.open(home, PASSPHRASE) as vault:
        store = vault.store
    wizard = start(
        VaultAccess(home, PASSPHRASE, store),
        language=language,
        case_id=case_id,
        default_destination=destination,
    )
    try:
        yield wizard
    finally:
        if wizard.thread.is_alive():
            wizard.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module (skipped where Debian's chromium is absent)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (.ci/apt-packages-wizard.txt installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


def wait_for_images(page: Page, timeout: float = 30.0) -> None:
    """Until every picture on the page has loaded (the page's CSP forbids the eval that
    Playwright's ``wait_for_function`` needs, so this polls with ``evaluate``)."""
    import time

    script = "Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, "pictures did not load"
        page.wait_for_timeout(50)
    # Loaded is not yet painted: wait until every picture is decoded too.
    page.evaluate("Promise.all(Array.from(document.images).map(i => i.decode()))")


class Answer:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = {name.lower(): value for name, value in response.getheaders()}
        self.body = response.read()


def request(
    wizard: Wizard,
    method: str,
    path: str,
    *,
    host: str | None = None,
    headers: dict[str, str] | None = None,
    form: Mapping[str, str | list[str]] | None = None,
    address: str = "127.0.0.1",
) -> Answer:
    connection = http.client.HTTPConnection(address, wizard.port, timeout=10)
    try:
        body = urlencode(form, doseq=True).encode() if form is not None else None
        connection.putrequest(method, path, skip_host=True)
        connection.putheader("Host", host if host is not None else f"127.0.0.1:{wizard.port}")
        all_headers = dict(headers or {})
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            all_headers["Content-Length"] = str(len(body))
        for name, value in all_headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        return Answer(connection.getresponse())
    finally:
        connection.close()


def session_path(wizard: Wizard, rest: str = "") -> str:
    return f"{wizard.tokens.prefix}/{rest}"
