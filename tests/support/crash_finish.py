"""Run as ``python -m tests.support.crash_finish STEP N``: open the vault (key file,
RETENTION_PASSPHRASE) and run ``finish``, killing this process with SIGKILL right after
STEP of its Nth case's deletion (a power cut in the middle of ``retention finish``)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from typing import Any

from retention_agent import finish
from retention_agent.paths import vault_home
from retention_agent.vault import deletion
from retention_agent.vault.keystore import PassphraseSource
from retention_agent.vault.records import DeletionRequest
from retention_agent.vault.vault import Vault


def main() -> None:
    step, nth = sys.argv[1], int(sys.argv[2])
    calls = 0

    def hook(reached: str) -> None:
        if reached == step and calls == nth:
            os.kill(os.getpid(), signal.SIGKILL)

    def delete_items(vault: Vault, request: DeletionRequest, now: dt.datetime) -> Any:
        nonlocal calls
        calls += 1
        return deletion.delete_items(vault, request, now, on_step=hook)

    setattr(finish, "delete_items", delete_items)  # noqa: B010 - the one finish uses
    with Vault.open(vault_home(), PassphraseSource()) as vault:
        finish.finish(vault, dt.datetime(2027, 4, 1, tzinfo=dt.UTC), finish.FINISHED)


if __name__ == "__main__":
    main()
