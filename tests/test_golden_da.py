"""What a Danish family reads: ``status``, ``plan``, ``list``, ``apply`` and ``receipts``
through a Hjem til Os year, and the whole demo, compared with reviewed files in
``tests/golden/da/`` (dates the Danish way, numbers with a decimal comma). Each is
produced twice, under a Danish locale and with ``--lang da``, and both must match the
same file.

Ids, the temporary folder and the program's version are replaced by stable names, so
the files only change when the words do. To write them anew after a deliberate change
of wording: ``UPDATE_GOLDEN=1 pytest tests/test_golden_da.py``, then read the diff."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from retention_agent import __version__
from retention_agent.demo import synthetic
from tests.support.cli import run_in_process
from tests.support.processes import python_module

GOLDEN = Path(__file__).parent / "golden" / "da"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


class Names:
    """Stable stand-ins for the random ids and the test's folder."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = str(tmp_path)
        self.ids: dict[str, str] = {}
        self.cases: dict[str, str] = {}

    def add(self, real: str, kind: str) -> str:
        self.ids[real] = f"<{kind}-{sum(v.startswith(f'<{kind}') for v in self.ids.values()) + 1}>"
        return real

    def apply(self, text: str) -> str:
        for real, stand_in in self.ids.items():
            text = re.sub(rf"\b{re.escape(real)}\b", stand_in, text)
        return text.replace(self.tmp, "<tmp>").replace(__version__, "<version>")


def run(names: Names, *args: str, now: str, danish: str) -> str:
    """``retention ARGS`` in Danish: by the locale, or by ``--lang da``."""
    env = {"RETENTION_NOW": now}
    extra: tuple[str, ...] = ()
    if danish == "locale":
        env["LANG"] = "da_DK.UTF-8"
    else:
        extra = ("--lang", "da")
    done = run_in_process(*args, *extra, env=env)
    assert done.exit_code == 0, done.stderr
    return names.apply(done.stdout)


@pytest.fixture(params=["locale", "lang-option"])
def year(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Names, str]:
    """Two cases with their files, added on 2 March 2026."""
    names = Names(tmp_path)
    danish: str = request.param
    assert run_in_process("init").exit_code == 0
    cases = {}
    # Different match dates: cases are listed by match date (then by their random ids).
    for alias, start in (("Barn A", "2026-03-01"), ("Barn B", "2026-03-15")):
        created = run_in_process("case", "new", "--child", alias, "--start", start, "--json")
        cases[alias] = names.add(created.json()["id"], "sag")
    inbox = tmp_path / "indbakke"
    inbox.mkdir()
    files = [
        ("Barn A", "matchpapir.pdf", b"%PDF synthetic " * 1000, "match_paper"),
        ("Barn A", "chat.txt", b"hej " * 300, "message"),
        ("Barn B", "IMG_0001.jpg", None, "photo"),
        ("Barn B", "beskeder.txt", b"hej " * 5000, "message"),
    ]
    for alias, name, content, kind in files:
        path = inbox / name
        if content is None:
            synthetic.photo_jpeg(path, seed=1)
        else:
            path.write_bytes(content)
        added = run_in_process(
            "add", str(path), "--case", cases[alias], "--kind", kind, "--json",
            env={"RETENTION_NOW": "2026-03-02T10:00"},
        ).json()  # fmt: skip
        names.add(added[0]["id"], "emne")
    names.cases = cases
    return names, danish


def check(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from {path}"


def test_danish_output_through_the_year(year: tuple[Names, str]) -> None:
    """B's family ends the relationship early (R2: messages at once, the photo after
    the offer); A continues privately (R1: only the match paper, at the year end)."""
    names, danish = year

    def step(*args: str, now: str) -> None:
        done = run_in_process(*args, env={"RETENTION_NOW": now})
        assert done.exit_code == 0, done.stderr

    check("status-2026-06-01", run(names, "status", now="2026-06-01", danish=danish))
    check("list-2026-06-01", run(names, "list", now="2026-06-01", danish=danish))
    step("case", "end", "--case", names.cases["Barn B"], now="2026-09-01")
    check("plan-2026-09-02", run(names, "plan", now="2026-09-02", danish=danish))
    dry = run(names, "apply", "--dry-run", now="2026-09-02", danish=danish)
    check("apply-dry-run-2026-09-02", dry)
    check("apply-2026-09-02", run(names, "apply", now="2026-09-02", danish=danish))
    step("case", "continue", "--case", names.cases["Barn A"], now="2027-02-01")
    check("apply-2027-03-01", run(names, "apply", now="2027-03-01", danish=danish))
    check("status-2027-03-02", run(names, "status", now="2027-03-02", danish=danish))
    check("receipts-2027-03-02", run(names, "receipts", now="2027-03-02", danish=danish))


def normalised_demo(text: str, tmp_path: Path) -> str:
    """The demo's output with what differs from run to run replaced: folders, random
    ids and file names, the recovery code and the program's version."""
    text = text.replace(str(tmp_path), "<tmp>").replace(__version__, "<version>")
    text = re.sub(r"/tmp/retention-demo-[^/\s]+", "<demo>", text)
    text = re.sub(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}\b", "<recovery code>", text)
    text = re.sub(r"\b[0-9a-f]{32}\b", "<file>", text)
    # Case ids (6 hex digits) and item ids (8), numbered in order of appearance.
    # Any of them may be all letters; no Danish word of the output is hex of that length.
    random_id = r"\b[0-9a-f]{6}(?:[0-9a-f]{2})?\b"
    ids: dict[str, str] = {}
    for found in re.findall(random_id, text):
        ids.setdefault(found, f"<id-{len(ids) + 1}>")
    return re.sub(random_id, lambda match: ids[match.group()], text)


@pytest.mark.slow
@pytest.mark.parametrize("danish", ["locale", "lang-option"])
def test_the_demo_in_danish(tmp_path: Path, danish: str) -> None:
    """The README's main command as a real process, start to end in Danish."""
    env = {**os.environ, "RETENTION_HOME": str(tmp_path / "demo-vault")}
    args = ["demo"]
    if danish == "locale":
        env["LANG"] = "da_DK.UTF-8"
    else:
        args += ["--lang", "da"]
    done = python_module("retention_agent", *args, env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    check("demo", normalised_demo(done.stdout, tmp_path))
