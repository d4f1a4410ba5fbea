"""Run as ``python -m tests.support.crash_delete STEP CASE ITEM``: open the vault (key file,
RETENTION_PASSPHRASE) and delete ITEM, killing this process with SIGKILL right after STEP."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys

from retention_agent.paths import vault_home
from retention_agent.vault.deletion import delete_items
from retention_agent.vault.keystore import PassphraseSource
from retention_agent.vault.records import DeletionRequest
from retention_agent.vault.vault import Vault


def main() -> None:
    step, case_id, item_id = sys.argv[1:4]

    def hook(reached: str) -> None:
        if reached == step:
            os.kill(os.getpid(), signal.SIGKILL)

    with Vault.open(vault_home(), PassphraseSource()) as vault:
        request = DeletionRequest(case_id, (item_id,), ("R3",), "hjem-til-os", "2024-05")
        delete_items(vault, request, dt.datetime(2027, 3, 1, tzinfo=dt.UTC), on_step=hook)


if __name__ == "__main__":
    main()
