"""The rules at the command line (issue 6): late, early and revised decisions, closing a
continued case, removing a mistake, unknown cases, and the same order and rule ids
everywhere a case is described."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from retention_agent import i18n
from retention_agent.cli import cli
from retention_agent.cli.receipts_cmd import describe_receipt
from retention_agent.vault import receipts as receipt_log
from tests.support.commands import walk

START = "2026-03-01"


def run(*args: str, now: str | None = None, code: int = 0, stdin: str | None = None) -> Result:
    env = {"RETENTION_NOW": now} if now else {}
    result = CliRunner().invoke(cli, list(args), env=env, input=stdin, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def one_line(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if "RETENTION_NOW" not in line]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def new_case(start: str = START, now: str = START, *extra: str) -> str:
    created = run("case", "new", "--child", "Barn A", "--start", start, "--json", *extra, now=now)
    case_id = json.loads(created.stdout)["id"]
    assert isinstance(case_id, str)
    return case_id


@pytest.fixture
def case_id(tmp_path: Path) -> str:
    """A vault with one case holding one item of every kind, added on the match date."""
    run("init")
    case = new_case()
    for name, kind in [("mp.pdf", "match_paper"), ("c.txt", "message"), ("a.jpg", "photo")]:
        (tmp_path / name).write_bytes(b"synthetic " + name.encode())
        run("add", str(tmp_path / name), "--case", case, "--kind", kind, now=START)
    run("contact", "add", "--case", case, "--name", "Forælder B", now=START)
    return case


def items() -> list[dict[str, Any]]:
    listed = json.loads(run("list", "--json").stdout)
    assert isinstance(listed, list)
    return listed


# --- point 4 -----------------------------------------------------------------------------


def test_a_late_end_says_that_no_date_moves(case_id: str) -> None:
    late = "2027-05-14"  # the case counted as ended on 31 March; the offer ran out 30 April
    before = json.loads(run("apply", "--dry-run", "--json", now=late).stdout)
    ended = run("case", "end", "--case", case_id, now=late).stdout
    assert "already counted as ended on 31 March 2027" in ended
    assert "no deletion is put off" in ended
    assert "Deleted at the next 'retention apply'" in ended
    assert json.loads(run("apply", "--dry-run", "--json", now=late).stdout) == before
    status = run("status", "--case", case_id, now=late).stdout
    assert "the relationship already counted as ended on 31 March 2027" in status


# --- point 5 -----------------------------------------------------------------------------


def test_a_match_date_more_than_a_year_ahead_is_refused(tmp_path: Path) -> None:
    run("init")
    result = run("case", "new", "--child", "Barn A", "--start", "2030-01-01", now=START, code=9)
    assert "2030" in one_line(result)
    assert json.loads(run("case", "list", "--json").stdout) == []


def test_a_match_whose_year_is_over_needs_a_yes(tmp_path: Path) -> None:
    run("init")
    args = ("case", "new", "--child", "Barn A", "--start", "1990-01-01")
    refused = run(*args, now=START, code=1)
    assert "deleted at the next 'retention apply'" in refused.stderr
    assert "match paper, contact details, messages, photos" in refused.stderr
    assert "Cancelled; nothing was changed." in refused.stderr
    run(*args, now=START, stdin="n\n", code=1)
    assert json.loads(run("case", "list", "--json").stdout) == []
    run(*args, now=START, stdin="y\n")
    run(*args, "--yes", now=START)
    danish = run(*args, "--lang", "da", now=START, stdin="j\n")
    assert "Opret sagen alligevel? [j/N]" in danish.stderr
    assert len(json.loads(run("case", "list", "--json").stdout)) == 3
    # A match date whose year still runs is taken without a question.
    quiet = run("case", "new", "--child", "Barn B", "--start", "2025-06-01", now=START)
    assert "anyway" not in quiet.stderr


# --- point 6 -----------------------------------------------------------------------------


def test_an_early_continue_gives_way_to_end(case_id: str) -> None:
    run("case", "continue", "--case", case_id, now="2026-06-01")
    ended = run("case", "end", "--case", case_id, now="2026-09-01").stdout
    assert "replaces the decision to continue privately, recorded on 1 June 2026" in ended
    run("apply", now="2026-09-01")
    assert {item["kind"] for item in items()} == {"photo", "contact"}
    refused = run("case", "end", "--case", case_id, now="2026-09-02", code=10)
    assert "already has a decision recorded: the relationship has ended" in refused.stderr


def test_close_a_continued_case(case_id: str) -> None:
    run("case", "continue", "--case", case_id, now="2027-02-01")
    too_early = run("case", "close", "--case", case_id, "--yes", now="2027-02-02", code=10)
    assert "case end" in one_line(too_early)
    asked = run("case", "close", "--case", case_id, now="2027-06-01", code=1)
    assert "deletes everything left in it: 1 match paper, 1 contact" in asked.stderr
    closed = run("case", "close", "--case", case_id, now="2027-06-01", stdin="y\n").stdout
    assert "closed at your own decision" in closed
    assert "case export-done --case" in closed  # the photos are offered first
    plan = json.loads(run("plan", "--case", case_id, "--json", now="2027-06-01").stdout)
    assert {n["rule"] for n in plan[0]["next"] if n["action"] == "delete"} == {"R1", None}
    applied = run("apply", now="2027-06-01").stdout
    assert "under R1" in applied
    assert "because you closed the case" in applied
    danish = run("receipts", "--lang", "da").stdout
    assert "fordi I har lukket sagen" in danish
    bodies = json.loads(run("receipts", "--json").stdout)["receipts"]
    assert [(b["rules"], b.get("reason")) for b in bodies] == [
        (["R1"], None),
        ([], "closed-by-family"),
    ]
    assert status_of(case_id, "2027-06-01")["closed_on"] == "2027-06-01"


def test_close_without_offer(case_id: str) -> None:
    run("case", "continue", "--case", case_id, now="2027-02-01")
    closed = run("case", "close", "--case", case_id, "--no-offer", "--yes", now="2027-04-01")
    assert "export-done" not in closed.stdout
    run("apply", now="2027-04-01")
    assert items() == []


def test_remove_an_item_added_by_mistake(case_id: str) -> None:
    photo = next(item for item in items() if item["kind"] == "photo")
    asked = run("remove", photo["id"], code=1)
    assert "a.jpg" in asked.stderr  # the family's own terminal: the name helps them check
    assert len(items()) == 4
    unknown = run("remove", photo["id"], "deadbeef", "--yes", code=3)
    assert "deadbeef" in one_line(unknown)
    assert len(items()) == 4
    removed = run("remove", photo["id"], "--yes", now="2026-04-01").stdout
    assert "1 photo" in removed
    assert "at your request (added by mistake)" in removed
    assert photo["id"] not in {item["id"] for item in items()}
    danish = run("receipts", "--lang", "da").stdout
    assert "efter jeres ønske (lagt i boksen ved en fejl)" in danish
    (body,) = json.loads(run("receipts", "--json").stdout)["receipts"]
    assert (body["rules"], body["reason"]) == ([], "added-by-mistake")


def test_remove_is_refused_under_a_hold(case_id: str) -> None:
    run("hold", "--case", case_id, "--until", "2026-05-01", "--reason", "r", now=START)
    photo = next(item for item in items() if item["kind"] == "photo")
    refused = run("remove", photo["id"], "--yes", now=START, code=10)
    assert "retention release" in one_line(refused)
    assert len(items()) == 4


# --- point 10: an unknown case is UnknownCase everywhere ------------------------------------


def _commands_with_case() -> set[tuple[str, ...]]:
    return {
        path
        for path, command in walk(cli)
        if any("--case" in param.opts for param in command.params)
    }


# What each command needs besides --case; every command with a --case option is here.
_REST: dict[tuple[str, ...], tuple[str, ...]] = {
    ("add",): ("FILE", "--kind", "photo"),
    ("import",): ("FILE",),
    ("contact", "add"): ("--name", "Forælder B"),
    ("list",): (),
    ("status",): (),
    ("plan",): (),
    ("case", "continue"): (),
    ("case", "end"): (),
    ("case", "export-done"): (),
    ("case", "close"): ("--yes",),
    ("hold",): ("--until", "2026-06-01", "--reason", "r"),
    ("release",): (),
    ("checklist",): (),
    ("export", "photos"): ("--to", "FOLDER"),
    ("wizard",): ("--no-browser",),
}


def test_every_command_with_case_knows_an_unknown_case(case_id: str, tmp_path: Path) -> None:
    assert _commands_with_case() == set(_REST)
    source = tmp_path / "new.jpg"
    source.write_bytes(b"keep me")
    before = items()
    for path, rest in _REST.items():
        args = [{"FILE": str(source), "FOLDER": str(tmp_path)}.get(arg, arg) for arg in rest]
        result = run(*path, "--case", "nope00", *args, now=START, code=3)
        assert "nope00" in one_line(result), path
    assert items() == before
    assert source.read_bytes() == b"keep me"


# --- point 13 ------------------------------------------------------------------------------


def status_of(case_id: str, now: str) -> dict[str, Any]:
    report = json.loads(run("status", "--case", case_id, "--json", now=now).stdout)
    (case,) = report["cases"]
    assert isinstance(case, dict)
    return case


def test_status_of_one_case(case_id: str) -> None:
    other = new_case("2026-04-01")
    assert status_of(case_id, START)["id"] == case_id
    text = run("status", "--case", other, now=START).stdout
    assert other in text
    assert case_id not in text


def test_checklist_json(case_id: str) -> None:
    run("checklist", "--case", case_id, "--done", "email", now="2027-04-02")
    listed = json.loads(run("checklist", "--case", case_id, "--json").stdout)
    assert listed["case"] == case_id
    places = {p["place"]: p["done_on"] for p in listed["places"]}
    assert places == {
        "phone-contacts": None,
        "sms-chat": None,
        "email": "2027-04-02",
        "cloud-photos": None,
        "social-media": None,
    }
    assert all(p["label"] for p in listed["places"])


def _order(text: str, words: list[str]) -> list[str]:
    found = sorted((match.start(), word) for word in words for match in re.finditer(word, text))
    return [word for _, word in found]


def test_kinds_come_in_the_same_order_everywhere(case_id: str) -> None:
    run("case", "end", "--case", case_id, now="2026-09-01")
    run("case", "export-done", "--case", case_id, "--declined", now="2026-09-01")
    words = ["match paper", "contact", "message", "photo"]
    dry = run("apply", "--dry-run", now="2026-09-01").stdout
    assert _order(dry, words) == words
    dry_json = json.loads(run("apply", "--dry-run", "--json", now="2026-09-01").stdout)
    assert dry_json[0]["kinds"] == ["match_paper", "contact", "message", "photo"]
    assert _order(run("apply", now="2026-09-01").stdout, words) == words
    assert _order(run("receipts").stdout, words) == words


def test_the_match_paper_has_one_rule_everywhere(case_id: str) -> None:
    continued = run("case", "continue", "--case", case_id, now="2027-02-01").stdout
    assert "Deleted on 1 March 2027: match paper (R1)." in continued
    assert "R3" not in continued
    plan = json.loads(run("plan", "--case", case_id, "--json", now="2027-02-01").stdout)
    (paper,) = [n for n in plan[0]["next"] if n["kinds"] == ["match_paper"]]
    assert paper["rule"] == "R1"
    assert "match paper (R1)" in run("status", now="2027-02-01").stdout
    applied = run("apply", now="2027-03-01").stdout
    assert "under R1" in applied
    assert "R3" not in applied


def test_every_kind_of_receipt_reads_in_both_languages() -> None:
    """Including one whose journal row was damaged: it names no case, kinds or rules."""
    damaged = {
        "type": "deletion",
        "date": "2027-03-01",
        "reason": "damaged-journal",
        "method": "item-keys-destroyed+blobs-unlinked+kek-rotated",
        "kek_epoch": 3,
    }
    closed = {
        "type": "deletion",
        "date": "2027-06-01",
        "case": "4f2a9b",
        "rules": [],
        "reason": "closed-by-family",
        "policy": {"id": "hjem-til-os", "version": "2024-05"},
        "kinds": {"photo": {"count": 2, "bytes": 1500}, "match_paper": {"count": 1, "bytes": 9}},
    }
    expected: dict[i18n.Language, tuple[str, str]] = {
        "en": ("damaged", "1 match paper (9 bytes), 2 photos (1.5 kB) because you closed the case"),
        "da": ("beskadiget", "1 matchpapir (9 byte), 2 billeder (1,5 kB) fordi I har lukket sagen"),
    }
    for language, (broken, deleted) in expected.items():
        i18n.set_language(language)
        assert broken in describe_receipt(receipt_log.Receipt(1, damaged, "0" * 64, "h"))
        assert deleted in describe_receipt(receipt_log.Receipt(2, closed, "h", "h2"))
