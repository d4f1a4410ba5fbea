"""The README's table of exit codes, generated from the error classes.

python -m tools.exit_codes          # print the table (tests/test_docs.py checks the README)
python -m tools.exit_codes --write  # replace the table in README.md
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import sys
from collections import defaultdict
from pathlib import Path

import retention_agent
from retention_agent.errors import ExitCode, RetentionError

# Every module, so every error class is known however this is run: the CLI loads its
# commands lazily. ``__main__`` would run the command; modules for another operating
# system refuse to load here.
for _module in pkgutil.walk_packages(retention_agent.__path__, "retention_agent."):
    if not _module.name.endswith("__main__"):
        with contextlib.suppress(ImportError, AssertionError):
            importlib.import_module(_module.name)

MEANING = {
    ExitCode.OK: "done",
    ExitCode.FAILURE: "something else failed",
    ExitCode.USAGE: "the command line was wrong (click's usage errors)",
    ExitCode.NOT_FOUND: "a file, case or item does not exist",
    ExitCode.INTEGRITY: "vault data is damaged or was changed",
    ExitCode.KEY: "the vault key cannot be had",
    ExitCode.DISK: "the disk is full",
    ExitCode.VAULT_STATE: "the vault is missing, already there, or busy",
    ExitCode.POLICY: "a policy file is invalid",
    ExitCode.INPUT: "a value given is not valid",
    ExitCode.REFUSED: "refused to protect data or follow the rules",
    ExitCode.AGENT_RUNNING: "the agent already runs for this vault",
    ExitCode.INTERRUPTED: (
        "stopped by Ctrl-C, or Cancel in the passphrase dialog (what was already done is reported)"
    ),
    ExitCode.BROKEN_PIPE: "the program reading the output stopped (silent)",
}


def _subclasses(cls: type[RetentionError]) -> list[type[RetentionError]]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def table() -> str:
    by_code: dict[ExitCode, list[str]] = defaultdict(list)
    for cls in _subclasses(RetentionError):
        by_code[cls.exit_code].append(cls.__name__)
    lines = ["| code | meaning | errors |", "|---|---|---|"]
    for code in ExitCode:
        names = ", ".join(sorted(set(by_code.get(code, []))))
        lines.append(f"| {code.value} | {MEANING[code]} | {names} |")
    return "\n".join(lines)


def write_readme() -> None:
    readme = Path(__file__).resolve().parent.parent / "README.md"
    text = readme.read_text(encoding="utf-8")
    start = text.index("| code | meaning | errors |")
    end = text.find("\n\n", start)
    readme.write_text(text[:start] + table() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write_readme()
    else:
        print(table())
