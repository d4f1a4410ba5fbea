"""Running the ``retention`` command in tests: in-process through click's ``CliRunner``
(the KEK sits in the tests' in-memory keyring) or as a real process (``python -m
retention_agent``, which sees no keyring and uses the passphrase-protected key file)."""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import keyring
from click.testing import CliRunner
from keyring.backends.fail import Keyring as FailKeyring

from retention_agent import errors
from retention_agent.cli import cli
from tests.conftest import TEST_PASSPHRASE
from tests.support.processes import python_module

Env = Mapping[str, str | None]


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.exit_code == 0, self.stderr
        return json.loads(self.stdout)


class Runner(Protocol):
    def __call__(self, *args: str, env: Env | None = None) -> Outcome: ...


def run_in_process(*args: str, env: Env | None = None) -> Outcome:
    """``retention ARGS`` through CliRunner; an exception that escapes the command is
    rendered on stderr the way the interpreter would render it for a real process."""
    result = CliRunner().invoke(cli, list(args), env=env)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return Outcome(result.exit_code, result.stdout, stderr)


def process_env(env: Env | None = None) -> dict[str, str]:
    """The test's isolated environment plus the key file's passphrase; ``None`` unsets."""
    full = dict(os.environ)
    full["RETENTION_PASSPHRASE"] = TEST_PASSPHRASE
    for name, value in (env or {}).items():
        if value is None:
            full.pop(name, None)
        else:
            full[name] = value
    return full


def run_process(*args: str, env: Env | None = None) -> Outcome:
    """``retention ARGS`` as a real process with no terminal on stdin."""
    done = python_module("retention_agent", *args, env=process_env(env))
    return Outcome(done.returncode, done.stdout, done.stderr)


def error_line(outcome: Outcome, error: type[errors.RetentionError], *private: str) -> str:
    """The single line a failed command printed; its exit code is ``error``'s."""
    assert "Traceback" not in outcome.stderr, outcome.stderr
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{outcome.stderr}"
    line = lines[0]
    assert line.strip(), "the error line is blank"
    assert error.exit_code != 0
    assert outcome.exit_code == error.exit_code, (outcome.exit_code, error.__name__, line)
    for text in private:
        assert text not in line, f"{text!r} leaked into {line!r}"
    return line


def without_now_note(outcome: Outcome) -> Outcome:
    """``outcome`` without the note a command prints on stderr when RETENTION_NOW is set."""
    lines = outcome.stderr.splitlines(keepends=True)
    assert lines[0].startswith("Note: RETENTION_NOW is set;"), outcome.stderr
    return Outcome(outcome.exit_code, outcome.stdout, "".join(lines[1:]))


def init_with_key_file() -> None:
    """``retention init`` in-process, with the key in the passphrase-protected key file as
    a real process here would keep it, so that real processes can open the vault too
    (they cannot see the tests' in-memory keyring). Later in-process commands need
    ``RETENTION_PASSPHRASE``: see :func:`with_passphrase`."""
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        done = run_in_process("init", env=with_passphrase())
    finally:
        keyring.set_keyring(previous)
    assert done.exit_code == 0, done.stderr


def with_passphrase(env: Env | None = None) -> dict[str, str | None]:
    return {"RETENTION_PASSPHRASE": TEST_PASSPHRASE, **(env or {})}
