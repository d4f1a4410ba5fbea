"""The words a Danish family meets (issue 6, points 11 and 12): kinds typed in Danish,
Danish names in Danish output, tenses that fit the date, "sletteforbud" and "fil", sizes
as file managers write them, and help pages in Danish all the way through."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from retention_agent.cli import cli
from tests.support.commands import walk
from tools import catalog

START = "2026-03-01"
VCARD = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Foraelder B\r\nEND:VCARD\r\n"


def run(*args: str, now: str | None = None, code: int = 0) -> Result:
    env = {"RETENTION_NOW": now} if now else {}
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def da(*args: str, now: str | None = None, code: int = 0) -> str:
    """The Danish output of a command."""
    return run(*args, "--lang", "da", now=now, code=code).stdout


@pytest.fixture
def case_id(tmp_path: Path) -> str:
    run("init")
    case: str = json.loads(
        run("case", "new", "--child", "Barn A", "--start", START, "--json").stdout
    )["id"]
    return case


def add(folder: Path, case_id: str, name: str, kind_word: str, content: bytes = b"") -> None:
    source = folder / name
    source.write_bytes(content or f"synthetic {name}".encode())
    run("add", str(source), "--case", case_id, "--kind", kind_word, now=START)


# --- point 11: kinds in the family's own words ---------------------------------------------


def test_kinds_can_be_typed_in_danish(case_id: str, tmp_path: Path) -> None:
    add(tmp_path, case_id, "mp.pdf", "matchpapir")
    add(tmp_path, case_id, "k.vcf", "kontaktoplysninger", VCARD)
    add(tmp_path, case_id, "chat.txt", "beskeder")
    add(tmp_path, case_id, "a.jpg", "billede")
    add(tmp_path, case_id, "b.jpg", "Foto")
    listed = json.loads(run("list", "--json").stdout)
    assert [item["kind"] for item in listed] == [
        "match_paper",
        "contact",
        "message",
        "photo",
        "photo",
    ]
    photos = json.loads(run("list", "--kind", "billeder", "--json").stdout)
    assert [item["name"] for item in photos] == ["a.jpg", "b.jpg"]
    assert json.loads(run("list", "--kind", "kontakt", "--json").stdout)[0]["name"] == "k.vcf"
    assert len(json.loads(run("list", "--kind", "photo", "--json").stdout)) == 2
    text = da("list")
    for word in ("matchpapir", "kontakt", "besked", "billede"):
        assert re.search(rf"\b{word}\b", text), word
    assert "photo" not in text


def test_an_unknown_kind_word_names_the_words_to_use(case_id: str, tmp_path: Path) -> None:
    source = tmp_path / "a.jpg"
    source.write_bytes(b"x")
    args = ("add", str(source), "--case", case_id, "--kind", "billedet")
    danish = run(*args, "--lang", "da", code=2).stderr
    assert "matchpapir, kontakt, besked, billede" in danish
    assert len(danish.strip().splitlines()) == 1
    assert "match_paper, contact, message, photo" in run(*args, code=2).stderr
    assert source.exists()
    assert "--kind [matchpapir|kontakt|besked|billede]" in da("add", "--help")


# --- point 12: tense, "sletteforbud", "fil", sizes -------------------------------------------


def test_the_year_end_is_said_in_the_past_once_it_has_passed(case_id: str) -> None:
    assert "Hjem til Os-året slutter: 1. marts 2027 (om 28 dage)" in da("status", now="2027-02-01")
    assert "Hjem til Os-året slutter: 1. marts 2027 (i dag)" in da("status", now="2027-03-01")
    late = da("status", now="2027-03-11")
    assert "Hjem til Os-året sluttede: 1. marts 2027 (for 10 dage siden)" in late
    assert "slutter: 1. marts" not in late
    english = run("status", now="2027-03-11").stdout
    assert "The Hjem til Os year ended: 1 March 2027 (10 days ago)" in english


def test_the_plan_says_what_will_be_true_by_a_day_to_come(case_id: str, tmp_path: Path) -> None:
    add(tmp_path, case_id, "a.jpg", "photo")
    run("case", "end", "--case", case_id, now="2026-09-01")
    plan = da("plan", now="2026-09-01")
    assert re.search(r"tilbud til familien +billeder +\(R2b\)", plan)
    assert "Til den tid er fristen for at tilbyde billederne udløbet." in plan
    assert "Fristen for at tilbyde billederne er udløbet." not in plan
    overdue = da("plan", now="2026-10-05")  # not yet applied: the day has passed
    assert "Fristen for at tilbyde billederne er udløbet." in overdue
    other = json.loads(run("case", "new", "--child", "Barn B", "--start", START, "--json").stdout)[
        "id"
    ]
    add(tmp_path, other, "mp.pdf", "matchpapir")
    add(tmp_path, other, "chat.txt", "besked")
    undecided = da("plan", "--case", other, now=START)
    assert "Til den tid er Hjem til Os-året slut." in undecided
    assert "regnes relationen til den tid som afsluttet" in undecided


def test_a_hold_is_a_sletteforbud(case_id: str, tmp_path: Path) -> None:
    add(tmp_path, case_id, "a.jpg", "photo")
    run("case", "end", "--case", case_id, now="2026-09-01")
    da("hold", "--case", case_id, "--until", "2026-12-01", "--reason", "r", now="2026-09-02")
    status = da("status", now="2026-09-02")
    assert "Sletteforbud (C2): intet bliver slettet før efter den 1. december 2026" in status
    assert "Udskudt af et sletteforbud (C2) til efter den 1. december 2026." in da(
        "plan", now="2026-09-02"
    )
    assert "Sletteforbuddet for sag" in da("release", "--case", case_id, now="2026-09-03")
    refused = run("release", "--case", case_id, "--lang", "da", now="2026-09-04", code=10)
    assert "intet aktivt sletteforbud" in refused.stderr


def test_danish_texts_use_the_familys_words() -> None:
    """Everywhere: a hold is a "sletteforbud" (the policy file's own word, not the
    blocked-card "spærring"), and what the vault holds are files, not "elementer"."""
    for entry in catalog.load("da"):
        texts = [entry.string] if isinstance(entry.string, str) else list(entry.string or ())
        for text in texts:
            assert not re.search(r"spærring|element", text, re.IGNORECASE), entry.id


def test_sizes_and_items_read_as_danish(case_id: str, tmp_path: Path) -> None:
    add(tmp_path, case_id, "chat.txt", "besked", b"x" * 566)
    add(tmp_path, case_id, "a.jpg", "billede", b"x" * 1_234_567)
    source = tmp_path / "b.jpg"
    source.write_bytes(b"x" * 1500)
    added = run("add", str(source), "--case", case_id, "--kind", "billede", "--lang", "da")
    assert re.search(r"lagt i boksen som fil [0-9a-f]+ \(billede, 1,5 kB\)", added.stdout)
    listed = da("list")
    assert "566 byte" in listed
    assert "1,2 MB" in listed
    missing = run("open", "deadbeef", "--to", str(tmp_path), "--lang", "da", code=3).stderr
    assert "Der er ingen fil med id deadbeef" in missing


# --- point 12: click's own words in Danish help pages ----------------------------------------


ENGLISH_IN_HELP = (
    "Usage:",
    "[OPTIONS]",
    "COMMAND [ARGS]",
    "Options:",
    "Commands:",
    "Show this message and exit.",
    "[required]",
    " TEXT",
    "INTEGER",
    "YYYY-MM-DD",
    "PATHS",
    "Example:",
)


@pytest.mark.parametrize("order", ["lang-first", "help-first"])
def test_help_pages_are_danish_throughout(order: str) -> None:
    for path, _command in walk(cli):
        flags = ["--lang", "da", "--help"] if order == "lang-first" else ["--help", "--lang", "da"]
        shown = run(*path, *flags).stdout
        assert shown.startswith("Brug: "), path
        for english in ENGLISH_IN_HELP:
            assert english not in shown, (path, english)
    root = run("--lang", "da", "--help").stdout
    assert "[TILVALG] KOMMANDO [ARGUMENTER]..." in root
    assert "-h, --help" in root
    assert "Vis denne hjælp, og afslut." in root
