"""``retention export photos`` and ``retention wizard`` as a person runs them: the export
without a browser, the family's "no", one-line errors, and the wizard command started as
a real process, opened in Chromium at the address it prints, and closed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from playwright.sync_api import Browser

from retention_agent.cli import cli
from retention_agent.errors import ExitCode
from tests.support.photos import laden_jpeg
from tests.support.processes import ROOT, key_file_env
from tests.support.wizard import browser

__all__ = ["browser"]  # the fixture

pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO")
TODAY = "2027-03-05"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={"RETENTION_NOW": TODAY})


@pytest.fixture
def case_id(tmp_path: Path) -> str:
    """An ended case with three photos, set up through the CLI."""
    assert run("init").exit_code == 0
    made = run("case", "new", "--child", "Barn A", "--start", "2026-03-01", "--yes", "--json")
    case = str(json.loads(made.stdout)["id"])
    photos = []
    for n in range(3):
        photo = tmp_path / f"IMG_{n}.jpg"
        photo.write_bytes(laden_jpeg(size=(320 + n, 240)))
        photos.append(str(photo))
    assert run("add", *photos, "--case", case, "--kind", "photo").exit_code == 0
    assert run("case", "end", "--case", case, "--date", "2027-03-01").exit_code == 0
    return case


def one_line_error(result: Result, code: ExitCode, start: str) -> None:
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if "RETENTION_NOW" not in line]
    assert len(lines) == 1
    assert lines[0].startswith("Error: " + start)


def test_export_to_a_folder(case_id: str, tmp_path: Path) -> None:
    result = run(
        "export", "photos", "--case", case_id, "--to", str(tmp_path), "--family-consent", "yes"
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Exported 3 photos to {tmp_path / 'Hjem-til-Os-billeder'}."
    assert "Checked: every file reads back as written, with no location or camera data." in lines
    assert f"'retention case export-done --case {case_id}'" in lines[-1]
    assert sorted(p.name for p in (tmp_path / "Hjem-til-Os-billeder").iterdir()) == [
        "Hjem-til-Os-001.jpg",
        "Hjem-til-Os-002.jpg",
        "Hjem-til-Os-003.jpg",
    ]


def test_export_json_with_chosen_items_as_zip(case_id: str, tmp_path: Path) -> None:
    listed = json.loads(run("list", "--case", case_id, "--json").stdout)
    first, second = listed[0]["id"], listed[2]["id"]
    result = run(
        "export", "photos", "--case", case_id, "--to", str(tmp_path), "--zip",
        "--items", f"{first},{second}", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    value = json.loads(result.stdout)
    assert value["count"] == 2
    assert value["items"] == [first, second]
    assert value["zip"] is True
    assert [Path(f["path"]).name for f in value["files"]] == ["Hjem-til-Os-1.zip"]
    assert value["check"] == {"ok": True, "files": 1, "photos": 2, "problems": []}
    assert value["left_out"] == []


def test_the_family_says_no(case_id: str) -> None:
    result = run(
        "export", "photos", "--case", case_id, "--family-consent", "no", "--child-consent", "yes"
    )
    assert result.exit_code == 0, result.output
    assert "does not want the photos" in result.stdout
    status = json.loads(run("status", "--json").stdout)
    assert status["cases"][0]["export"] == "declined"
    again = run("case", "export-done", "--case", case_id)
    one_line_error(again, ExitCode.REFUSED, "What happened to the photos of case")


def test_in_danish(case_id: str, tmp_path: Path) -> None:
    result = run("export", "photos", "--case", case_id, "--to", str(tmp_path), "--lang", "da")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Eksporterede 3 billeder til ")


TO = ["--case", "{case}", "--to", "{tmp}"]


@pytest.mark.parametrize(
    ("args", "code", "start"),
    [
        (["--case", "{case}"], ExitCode.INPUT, "Say where the photos should go"),
        (["--case", "{case}", "--to", "{tmp}/missing"], ExitCode.INPUT, "The destination is not"),
        ([*TO, "--zip", "--max-part-mb", "0"], ExitCode.INPUT, "The size of each zip"),
        ([*TO, "--long-edge", "5"], ExitCode.INPUT, "The long edge"),
        ([*TO, "--items", "nope"], ExitCode.INPUT, "Item nope is not"),
        (["--case", "zzzzzz", "--to", "{tmp}"], ExitCode.NOT_FOUND, "There is no case"),
    ],
)
def test_mistakes_give_one_line(
    case_id: str, tmp_path: Path, args: list[str], code: ExitCode, start: str
) -> None:
    filled = [arg.format(case=case_id, tmp=tmp_path) for arg in args]
    one_line_error(run("export", "photos", *filled), code, start)


def test_the_wizard_command_runs_until_closed(browser: Browser, tmp_path: Path) -> None:
    env = key_file_env(RETENTION_NOW=TODAY)

    def retention(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "retention_agent", *args],
            env=env, cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        return done.stdout

    retention("init")
    case = retention("case", "new", "--child", "Barn A", "--start", "2026-03-01", "--yes").strip()
    photo = tmp_path / "a.jpg"
    photo.write_bytes(laden_jpeg())
    retention("add", str(photo), "--case", case, "--kind", "photo")
    retention("case", "end", "--case", case, "--date", "2027-03-01")
    wizard = subprocess.Popen(
        [sys.executable, "-m", "retention_agent", "wizard", "--case", case, "--no-browser"],
        env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert wizard.stdout is not None
        assert wizard.stdout.readline().startswith("Open this address in your browser")
        url = wizard.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        page = browser.new_page()
        page.goto(url)
        assert page.locator("h1").inner_text() == "Tilbyd familien billederne af Barn A"
        page.locator("main form button.secondary").click()  # close the guide
        assert page.locator("h1").inner_text() == "Guiden er lukket"
        out, err = wizard.communicate(timeout=30)
    finally:
        if wizard.poll() is None:
            os.killpg(wizard.pid, 9)
            wizard.wait()
    assert wizard.returncode == 0, err
    assert out.strip() == "The wizard is closed."
    assert url.rsplit("/", 1)[1] not in err  # the token is never logged


def test_the_wizard_refuses_an_unknown_case() -> None:
    assert run("init").exit_code == 0
    one_line_error(
        run("wizard", "--case", "zzzzzz", "--no-browser"), ExitCode.NOT_FOUND, "There is no case"
    )
