"""Running ``python -m …`` as a real process, the way a person or CI would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.conftest import TEST_PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]


def python_module(
    module: str,
    *args: str,
    env: Mapping[str, str] | None = None,
    flags: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """``python [flags] -m module args`` from the repository root, with no terminal on
    stdin (so nothing can wait for a passphrase typed by hand)."""
    return subprocess.run(
        [sys.executable, *flags, "-m", module, *args],
        env=None if env is None else dict(env),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def key_file_env(**extra: str) -> dict[str, str]:
    """The test environment (isolated by conftest) for a vault whose key is in the key
    file: subprocesses cannot see the in-memory keyring."""
    return {**os.environ, "RETENTION_PASSPHRASE": TEST_PASSPHRASE, **extra}


# Run as root, the bootstrap imports everything the command may load lazily, then drops
# to the unprivileged user for good before the command runs. ``subprocess.run(user=...)``
# alone does not do here: the interpreter may live where that user cannot read it.
AS_USER = """
import os, sys
import retention_agent.cli as entry
import retention_agent.vault.keyfile, retention_agent.vault.keyring_store
import retention_agent.vault.recovery, retention_agent.vault.catalog
import babel.dates, babel.numbers, click
from retention_agent import i18n
context = click.Context(entry.cli)
for name in entry.cli.list_commands(context):  # commands load lazily: load them now
    entry.cli.get_command(context, name)
for language in i18n.LANGUAGES:
    i18n.translations(language)
uid, gid = int(sys.argv[1]), int(sys.argv[2])
os.setgroups([])
os.setgid(gid)
os.setuid(uid)
if os.geteuid() == 0 or os.getegid() == 0:
    raise SystemExit("could not drop root privileges")
sys.argv = ["retention", *sys.argv[3:]]
entry.main()
"""
