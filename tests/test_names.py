"""Names from elsewhere are stored exactly and shown safely: file names that are not
UTF-8, names that would fake a line or steer the terminal, names too long for a file
system, and ``--debug`` output that never carries them."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from retention_agent.cli import cli
from retention_agent.names import json_fields, shown

POSIX = pytest.mark.skipif(os.name != "posix", reason="file names as bytes are POSIX")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def case_id() -> str:
    assert run("init")[0] == 0
    code, out, _ = run("case", "new", "--child", "Barn A", "--start", "2026-03-01")
    assert code == 0
    return out.strip()


def test_control_characters_and_bad_bytes_are_made_visible() -> None:
    assert shown("ansi\x1b[2J\x1b[31mRED.txt") == "ansi\\x1b[2J\\x1b[31mRED.txt"
    assert shown("two\nlines.txt") == "two\\nlines.txt"
    assert shown("bad\udcff\udcfe.txt") == "bad\\xff\\xfe.txt"
    assert shown("right\u202eto-left.txt") == "right\\u202eto-left.txt"
    assert shown("Æble ø å 😀.jpg") == "Æble ø å 😀.jpg"
    assert json_fields("name", "ok.jpg") == {"name": "ok.jpg"}


@POSIX
def test_a_name_that_is_not_utf8_is_stored_exactly(case_id: str, tmp_path: Path) -> None:
    raw = b"bad\xff\xfename.txt"
    folder = tmp_path / "in"
    folder.mkdir()
    source = Path(os.fsdecode(bytes(folder) + b"/" + raw))
    source.write_bytes(b"hello")
    code, out, err = run("add", str(source), "--case", case_id, "--kind", "message")
    assert code == 0, err
    assert "bad\\xff\\xfename.txt" in out
    code, out, _ = run("list")
    assert code == 0
    assert "bad\\xff\\xfename.txt" in out
    (listed,) = json.loads(run("list", "--json")[1])
    assert listed["name"] == "bad\ufffd\ufffdname.txt"
    assert base64.b64decode(listed["name_bytes"]) == raw
    target = tmp_path / "out"
    target.mkdir()
    assert run("open", listed["id"], "--to", str(target))[0] == 0
    assert os.listdir(os.fsencode(target)) == [raw]  # the same bytes as the original


def test_a_name_with_escape_sequences_cannot_fake_a_row(case_id: str, tmp_path: Path) -> None:
    source = tmp_path / "ansi\x1b[2J\x1b[31mRED\nfake 00000000  row.txt"
    source.write_bytes(b"x")
    assert run("add", str(source), "--case", case_id, "--kind", "message")[0] == 0
    code, out, _ = run("list")
    assert code == 0
    assert "\x1b" not in out
    assert len(out.strip().splitlines()) == 1  # no fake row
    assert "ansi\\x1b[2J\\x1b[31mRED\\nfake" in out


def test_a_very_long_contact_name_still_opens(case_id: str, tmp_path: Path) -> None:
    name = "Æ" * 60_000  # 120 kB of UTF-8
    code, _, err = run("contact", "add", "--case", case_id, "--name", name)
    assert code == 0, err
    (item,) = json.loads(run("list", "--json")[1])
    target = tmp_path / "out"
    target.mkdir()
    code, _, err = run("open", item["id"], "--to", str(target))
    assert code == 0, err
    (written,) = target.iterdir()
    assert len(os.fsencode(written.name)) <= 255
    assert written.name.endswith("….vcf")


def test_debug_output_names_no_path(case_id: str, tmp_path: Path) -> None:
    secret = tmp_path / "Zebrafinke-matchpapir.pdf"  # missing: the error names it
    code, _, plain = run("add", str(secret), "--case", case_id, "--kind", "photo")
    assert code == 3
    assert "Zebrafinke" in plain  # a direct answer may echo what the user typed
    code, _, err = run("add", str(secret), "--case", case_id, "--kind", "photo", "--debug")
    assert code == 3
    assert "Traceback (most recent call last)" in err
    assert "SourceMissing" in err
    assert "Zebrafinke" not in err  # meant to be pasted into a bug report
    assert "'<path>'" in err
