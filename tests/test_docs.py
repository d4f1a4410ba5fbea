"""The README stays true: its exit-code table is the one the error classes produce, and
its two fresh-machine commands are the ones CI runs."""

from __future__ import annotations

from pathlib import Path

from tools import exit_codes

ROOT = Path(__file__).resolve().parent.parent


def test_readme_exit_codes_match_the_error_classes() -> None:
    assert exit_codes.table() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(line for line in ci.splitlines() if "pytest" in line).strip()
    assert f"```sh\n{command}\n```" in readme
    assert "retention demo" in readme
