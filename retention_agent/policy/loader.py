"""Read a policy file or text and return a checked :class:`Policy`.

A case is evaluated under the exact policy text it was created with (the vault stores
it), so :func:`load_policy_text` is the main entry; :func:`load_policy_file` and
:func:`default_policy` read a file first. Every problem raises a :class:`PolicyError`
that names the file, the line and what was expected.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

from retention_agent.policy import errors
from retention_agent.policy.locate import syntax_position
from retention_agent.policy.model import Policy
from retention_agent.policy.schema import read_policy

DEFAULT_POLICY = "hjem-til-os.toml"


def default_policy_text() -> str:
    """The text of the policy shipped with the program."""
    shipped = resources.files("retention_agent").joinpath("policies", DEFAULT_POLICY)
    return shipped.read_text(encoding="utf-8")


@cache
def default_policy() -> Policy:
    return load_policy_text(default_policy_text(), f"retention_agent/policies/{DEFAULT_POLICY}")


def load_policy_file(path: str | os.PathLike[str]) -> Policy:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise errors.PolicyFileMissing(file=str(path)) from None
    except OSError:
        raise errors.PolicyFileUnreadable(file=str(path)) from None
    try:
        # utf-8-sig: editors on Windows like to start the file with a byte order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise errors.PolicyNotText(file=str(path), line=line) from None
    return load_policy_text(text, str(path))


def load_policy_text(text: str, source_name: str) -> Policy:
    """Parse and check ``text``; ``source_name`` is how error messages name it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line, column, detail = syntax_position(str(error), text)
        raise errors.PolicySyntaxError(
            file=source_name, line=line, column=column, detail=detail
        ) from None
    return read_policy(data, text, source_name)
