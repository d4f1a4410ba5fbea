"""The wizard as an attacker would try it: from another address, without or with a wrong
token, with a rebound host name, cross-site forms, other methods, a used launch link;
and what every answer carries (CSP, no-store, no framing), that request lines with
tokens are not logged, that nothing decrypted lands on disk, and that the server stops
when the wizard finishes or sits idle."""

from __future__ import annotations

import io
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from retention_agent.vault.vault import Vault
from retention_agent.wizard.security import CONTENT_SECURITY_POLICY
from retention_agent.wizard.server import Wizard
from tests.support.exports import TODAY, ended_case_with_photos
from tests.support.photos import laden_jpeg
from tests.support.vaults import NOW as CREATED
from tests.support.vaults import PASSPHRASE
from tests.support.wizard import request, running_wizard, session_path

pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO")


@pytest.fixture
def case(
    vault_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, list[str]]:
    monkeypatch.setenv("RETENTION_NOW", TODAY.isoformat())
    photos = [(f"{n}.jpg", laden_jpeg(size=(320, 240))) for n in range(3)]
    with Vault.init(vault_home, PASSPHRASE, CREATED) as vault:
        return ended_case_with_photos(vault, tmp_path / "inbox", photos)


@pytest.fixture
def wizard(case: tuple[str, list[str]], vault_home: Path, tmp_path: Path) -> Iterator[Wizard]:
    with running_wizard(vault_home, case_id=case[0], destination=tmp_path) as running:
        yield running


def launched(wizard: Wizard) -> None:
    answer = request(wizard, "GET", f"/{wizard.tokens.launch}")
    assert answer.status == 303
    assert answer.headers["location"] == session_path(wizard)


def test_listens_on_loopback_only(wizard: Wizard) -> None:
    assert wizard.server.server_address[0] == "127.0.0.1"
    with pytest.raises(ConnectionRefusedError):  # another loopback address is another address
        socket.create_connection(("127.0.0.2", wizard.port), timeout=2).close()
    addresses = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    for address in addresses:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((address, wizard.port), timeout=2).close()


def test_the_launch_link_works_once(wizard: Wizard) -> None:
    launched(wizard)
    again = request(wizard, "GET", f"/{wizard.tokens.launch}")
    assert again.status == 410
    assert b"already been used" in again.body


def test_the_launch_link_works_once_even_when_raced(wizard: Wizard) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(lambda _: request(wizard, "GET", f"/{wizard.tokens.launch}").status, range(16))
        )
    assert sorted(statuses) == [303] + [410] * 15


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/1",
        "/static/wizard.css",
        "/s/",
        "/s/wrong-token/1",
        "/s/wrong-token/static/wizard.css",
        "/{session}",  # the prefix without a page
        "/{session}x/1",
        "/s/{session_cut}/1",
        "/{launch}x",
        "/{launch}/..",
    ],
)
def test_every_request_needs_the_token(wizard: Wizard, path: str) -> None:
    launched(wizard)
    filled = path.format(
        session=wizard.tokens.prefix.lstrip("/"),
        session_cut=wizard.tokens.session[:-1],
        launch=wizard.tokens.launch,
    )
    answer = request(wizard, "GET", filled)
    assert answer.status == 404
    assert b"Barn A" not in answer.body


@pytest.mark.parametrize(
    "host",
    ["evil.example:{port}", "localhost:{port}", "127.0.0.1", "127.0.0.1:1", "", "[::1]:{port}"],
)
def test_host_must_be_the_loopback_address_and_port(wizard: Wizard, host: str) -> None:
    """DNS rebinding: a page at evil.example whose name now points to 127.0.0.1 sends
    'Host: evil.example:<port>' and must get nothing, not even with the right token."""
    answer = request(wizard, "GET", session_path(wizard, "1"), host=host.format(port=wizard.port))
    assert answer.status == 421
    assert b"Barn A" not in answer.body


def test_posts_need_the_csrf_token_and_the_wizards_origin(wizard: Wizard) -> None:
    path = session_path(wizard, "3")
    good = {"family": "yes", "csrf": wizard.tokens.csrf}
    origin = f"http://127.0.0.1:{wizard.port}"
    assert request(wizard, "POST", path, form={"family": "yes"}).status == 403
    assert request(wizard, "POST", path, form={**good, "csrf": "guess"}).status == 403
    assert request(wizard, "POST", path, form={**good, "csrf": ""}).status == 403
    cross = {"Origin": "http://evil.example"}
    assert request(wizard, "POST", path, form=good, headers=cross).status == 403
    assert request(wizard, "POST", path, form=good, headers={"Origin": "null"}).status == 403
    site = {"Sec-Fetch-Site": "cross-site", "Origin": origin}
    assert request(wizard, "POST", path, form=good, headers=site).status == 403
    assert wizard.session.choices.answers.family is None  # none of these changed anything
    same = {"Origin": origin, "Sec-Fetch-Site": "same-origin"}
    request(wizard, "GET", session_path(wizard, "2"))  # every photo chosen by default
    assert request(wizard, "POST", path, form=good, headers=same).status == 302
    assert wizard.session.choices.answers.family == "yes"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"])
def test_other_methods_are_refused(wizard: Wizard, method: str) -> None:
    assert request(wizard, method, session_path(wizard, "1")).status == 405


@pytest.mark.parametrize("path", ["1", "2", "static/wizard.css", "static/wizard.js", "nope"])
def test_every_answer_is_locked_down(wizard: Wizard, path: str) -> None:
    answer = request(wizard, "GET", session_path(wizard, path))
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert "set-cookie" not in answer.headers


def test_refusals_are_locked_down_too(wizard: Wizard) -> None:
    for answer in (
        request(wizard, "GET", "/nothing"),
        request(wizard, "GET", session_path(wizard, "1"), host="evil.example"),
    ):
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert answer.headers["cache-control"] == "no-store"


def test_thumbnails_only_of_the_cases_photos_in_memory_only(
    wizard: Wizard, case: tuple[str, list[str]], tmp_path: Path, vault_home: Path
) -> None:
    _, items = case
    with Vault.open(vault_home, PASSPHRASE) as vault:
        _, others = ended_case_with_photos(
            vault, tmp_path / "other", [("b.jpg", laden_jpeg())], alias="Barn B"
        )
    before = {p for p in tmp_path.rglob("*") if "vault" not in p.parts}
    unlisted = request(wizard, "GET", session_path(wizard, f"thumb/{items[0]}"))
    assert unlisted.status == 404  # only photos the grid has listed
    request(wizard, "GET", session_path(wizard, "2"))
    answer = request(wizard, "GET", session_path(wizard, f"thumb/{items[0]}"))
    assert answer.status == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["cache-control"] == "no-store"
    with Image.open(io.BytesIO(answer.body)) as thumbnail:
        assert max(thumbnail.size) <= 320
        assert not thumbnail.getexif()
    for other in ("nope", "../1", items[0] + "0", others[0]):
        assert request(wizard, "GET", session_path(wizard, f"thumb/{other}")).status == 404
    assert {p for p in tmp_path.rglob("*") if "vault" not in p.parts} == before


def test_request_lines_and_tokens_are_not_logged(
    wizard: Wizard, capfd: pytest.CaptureFixture[str]
) -> None:
    launched(wizard)
    request(wizard, "GET", session_path(wizard, "1"))
    request(wizard, "GET", "/s/wrong/1")
    out, err = capfd.readouterr()
    for token in (wizard.tokens.launch, wizard.tokens.session, wizard.tokens.csrf):
        assert token not in out + err
    assert not re.search(r"GET /", out + err)


def test_stops_after_the_idle_time(wizard: Wizard) -> None:
    request(wizard, "GET", session_path(wizard, "1"))
    started = time.monotonic()
    assert wizard.wait(idle_timeout=0.5) == "idle"
    assert time.monotonic() - started < 10
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", wizard.port), timeout=2).close()


def test_stops_when_the_person_closes_it(wizard: Wizard) -> None:
    answer = request(
        wizard, "POST", session_path(wizard, "close"), form={"csrf": wizard.tokens.csrf}
    )
    assert answer.status == 302
    assert request(wizard, "GET", session_path(wizard, "done")).status == 200
    assert wizard.wait(finish_grace=0.1) == "finished"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", wizard.port), timeout=2).close()


def _to_step_5(wizard: Wizard, destination: Path) -> dict[str, str]:
    form = {"csrf": wizard.tokens.csrf}
    request(wizard, "GET", session_path(wizard, "2"))
    request(wizard, "POST", session_path(wizard, "3"), form={**form, "family": "yes"})
    step4 = {**form, "delivery": "folder", "destination": str(destination), "part_mb": "15"}
    assert request(wizard, "POST", session_path(wizard, "4"), form=step4).status == 302
    return step4


def test_a_running_export_keeps_the_wizard_awake_and_runs_once(
    wizard: Wizard, tmp_path: Path
) -> None:
    step4 = _to_step_5(wizard, tmp_path)
    again = request(wizard, "POST", session_path(wizard, "4"), form=step4)
    assert again.status == 302  # a double click starts no second export
    job = wizard.session.job
    assert job is not None
    while job.running:
        assert wizard.session.idle_seconds() == 0.0
        time.sleep(0.05)
    assert [p.name for p in tmp_path.glob("Hjem-til-Os-billeder*")] == ["Hjem-til-Os-billeder"]


def test_stopping_the_wizard_mid_export_removes_the_files(
    wizard: Wizard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retention_agent.export import clean

    real = clean.clean_copy

    def slow_photos(data: bytes, long_edge: int | None = None) -> clean.CleanCopy:
        time.sleep(0.3)  # large photos on a slow laptop
        return real(data, long_edge)

    monkeypatch.setattr(clean, "clean_copy", slow_photos)
    _to_step_5(wizard, tmp_path)
    job = wizard.session.job
    assert job is not None
    while job.done == 0:
        time.sleep(0.02)
    wizard.stop()  # Ctrl+C, or the computer shutting down
    assert not job.running
    assert list(tmp_path.glob("Hjem-til-Os-billeder*")) == []
    assert job.error is not None
