"""Ingest one file in a real process and kill that process with SIGKILL right after the
ingest step STEP (see ``retention_agent.vault.ingest``), as a power cut would.

Usage (from the repository root, or with it on PYTHONPATH)::

    python -m tests.support.crash_ingest STEP SRC CASE

The vault is the one at RETENTION_HOME and must use the passphrase-protected key file
(RETENTION_PASSPHRASE), since a separate process cannot see the tests' in-memory
keyring. The file is ingested as a photo with ``keep_original=False``.

Exit status: killed by SIGKILL when STEP was reached; 2 for a bad STEP; 3 if the ingest
finished without ever reaching STEP (the test must then fail, not pass vacuously).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from retention_agent import clock
from retention_agent.paths import vault_home
from retention_agent.vault.ingest import ingest_file
from retention_agent.vault.keystore import PassphraseSource
from retention_agent.vault.vault import Vault

STEPS = ("written", "renamed", "committed", "verified", "removed")
BAD_USAGE = 2
STEP_NEVER_REACHED = 3


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in STEPS:
        print(f"usage: crash_ingest {{{'|'.join(STEPS)}}} SRC CASE", file=sys.stderr)
        return BAD_USAGE
    step, source, case_id = argv

    def kill_at(name: str) -> None:
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    # No prompt: the passphrase comes from RETENTION_PASSPHRASE.
    with Vault.open(vault_home(), PassphraseSource()) as vault:
        ingest_file(
            vault,
            case_id=case_id,
            kind="photo",
            source=Path(source),
            position=1,
            now=clock.now(),
            keep_original=False,
            on_step=kill_at,
        )
    print(f"the ingest finished without reaching step {step!r}", file=sys.stderr)
    return STEP_NEVER_REACHED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
