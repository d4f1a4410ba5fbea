"""The lifecycle commands through click's CliRunner: decisions, plan, apply, receipts,
holds and the checklist, with RETENTION_NOW stepping through the year."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from retention_agent.cli import cli
from tests.conftest import TEST_PASSPHRASE
from tests.support.processes import python_module

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, now: str | None = None, code: int = 0) -> Result:
    env = {"RETENTION_NOW": now} if now else {}
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def case_id(tmp_path: Path) -> str:
    run("init")
    case: str = json.loads(
        run("case", "new", "--child", "Barn A", "--start", "2026-03-01", "--json").stdout
    )["id"]
    for name, kind in [("mp.pdf", "match_paper"), ("c.txt", "message"), ("a.jpg", "photo")]:
        (tmp_path / name).write_bytes(b"synthetic " + name.encode())
        run("add", str(tmp_path / name), "--case", case, "--kind", kind, now="2026-03-01")
    run("contact", "add", "--case", case, "--name", "Forælder B", now="2026-03-01")
    return case


def status_case(now: str) -> dict[str, Any]:
    (case,) = json.loads(run("status", "--json", now=now).stdout)["cases"]
    assert isinstance(case, dict)
    return case


def test_status_json_has_phase_decision_and_next(case_id: str) -> None:
    case = status_case("2027-02-01")
    assert case["phase"] == "active"
    assert case["decision"] is None
    assert case["assumed_end"] == "2027-03-31"
    upcoming = [(n["date"], n["action"], tuple(n["kinds"]), n["rule"]) for n in case["next"]]
    assert ("2027-02-22", "remind", (), "R3") in upcoming  # 7 days before the year end
    assert ("2027-03-01", "delete", ("match_paper",), "R3") in upcoming


def test_now_override_is_announced(case_id: str) -> None:
    result = run("status", now="2027-02-01")
    assert "RETENTION_NOW" in result.stderr
    assert "1 February 2027" in result.stderr
    assert "RETENTION_NOW" not in run("status").stderr


def test_plan_lists_the_whole_future_with_rules(case_id: str) -> None:
    plan = json.loads(run("plan", "--json", now="2026-03-01").stdout)
    (entry,) = plan
    actions = [(n["date"], n["action"], n["rule"]) for n in entry["next"]]
    for reminder in ("2027-01-30", "2027-02-22", "2027-03-01"):  # 30, 7 and 0 days before
        assert (reminder, "remind", "R3") in actions
    assert ("2027-03-01", "delete", "R3") in actions
    deletes = {tuple(n["kinds"]) for n in entry["next"] if n["action"] == "delete"}
    assert {("match_paper",), ("message",), ("photo",), ("contact",)} <= deletes
    text = run("plan", now="2026-03-01").stdout
    assert "(R3)" in text
    assert "match paper" in text


def test_continue_then_apply_at_year_end(case_id: str) -> None:
    run("case", "continue", "--case", case_id, now="2027-02-01")
    dry = run("apply", "--dry-run", now="2027-03-01").stdout
    assert "Would delete" in dry
    assert "match paper" in dry
    assert len(json.loads(run("list", "--json").stdout)) == 4  # the dry run changed nothing
    run("apply", now="2027-03-01")
    kinds = {i["kind"] for i in json.loads(run("list", "--json").stdout)}
    assert kinds == {"message", "photo", "contact"}
    assert status_case("2027-04-01")["phase"] == "private"
    receipts = json.loads(run("receipts", "--json").stdout)
    assert receipts["intact"] is True
    assert receipts["receipts"][0]["kinds"] == {"match_paper": {"count": 1, "bytes": 16}}
    assert "Barn A" not in json.dumps(receipts)


def test_end_export_and_checklist(case_id: str) -> None:
    result = run(
        "case",
        "end",
        "--case",
        case_id,
        "--date",
        "2026-09-01",
        "--initiated-by",
        "volunteers",
        now="2026-09-02",
    )
    assert "Red Barnet" in result.stdout  # R2c advice
    run("apply", now="2026-09-02")
    assert {i["kind"] for i in json.loads(run("list", "--json").stdout)} == {"photo", "contact"}
    case = status_case("2026-09-02")
    assert case["phase"] == "ending"
    assert any(n["action"] == "offer_photo_export" for n in case["next"])
    assert case["checklist"] == dict.fromkeys(
        ["phone-contacts", "sms-chat", "email", "cloud-photos", "social-media"]
    )
    run("case", "export-done", "--case", case_id, "--declined", now="2026-09-05")
    run("apply", now="2026-09-05")
    assert json.loads(run("list", "--json").stdout) == []
    run("checklist", "--case", case_id, "--done", "phone-contacts", "email", now="2026-09-06")
    case = status_case("2026-09-06")
    assert case["phase"] == "closed"
    assert case["alias"] is None
    assert case["checklist"]["email"] == "2026-09-06"
    types = [r["type"] for r in json.loads(run("receipts", "--json").stdout)["receipts"]]
    assert types == ["deletion", "deletion", "checklist", "checklist"]


def test_hold_and_release(case_id: str) -> None:
    run(
        "hold",
        "--case",
        case_id,
        "--until",
        "2027-04-30",
        "--reason",
        "bekymring",
        now="2027-02-01",
    )
    assert status_case("2027-02-01")["holds"] == [
        {"placed_on": "2027-02-01", "until": "2027-04-30"}
    ]
    run("case", "end", "--case", case_id, now="2027-03-01")
    assert "Nothing is due" in run("apply", now="2027-03-02").stdout
    run("release", "--case", case_id, now="2027-03-02")
    run("apply", now="2027-03-02")
    assert {i["kind"] for i in json.loads(run("list", "--json").stdout)} == {"photo", "contact"}


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("hold", "--case", "X", "--until", "2027-13-01", "--reason", "r"), 9),
        (("case", "end", "--case", "nope00"), 3),
        (("checklist", "--case", "nope00", "--done", "email"), 3),
        (("checklist", "--case", "nope00", "email"), 2),
    ],
)
def test_lifecycle_errors_are_one_line(case_id: str, args: tuple[str, ...], code: int) -> None:
    result = run(*args, code=code)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_demo_plays_a_whole_year(tmp_path: Path) -> None:
    """The README's main command, as a real process, in both languages' default (en)."""
    env = dict(os.environ, RETENTION_HOME=str(tmp_path / "demo" / "vault"))
    result = python_module("retention_agent", "demo", env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    out = result.stdout
    for expected in (
        "(R1)",
        "(R2a)",
        "(R3)",
        "receipts",
        "Demo finished",
        "Alias or file names found in the vault's files: no",
        "The agent took it into the vault and removed the original.",
        "Notification: Case ",
        "Exported 2 photos to ",  # R2b: the export before the photos are deleted
        "Checked: every file reads back as written, with no location or camera data.",
    ):
        assert expected in out
    assert "Traceback" not in out + result.stderr
    assert TEST_PASSPHRASE not in out
    # Every command shown is followed by what it printed (issue 6, point 13).
    lines = out.splitlines()
    listing = next(n for n, line in enumerate(lines) if "list" in line and "--json" in line)
    assert lines[listing + 1].strip() == "["
    assert json.loads("\n".join(lines[listing + 1 : lines.index("  ]", listing) + 1]))
    # One rule for the match paper of case A: the heading cites what the receipt says.
    assert "(R1)" in next(line for line in lines if "== " in line and "The year ends" in line)
