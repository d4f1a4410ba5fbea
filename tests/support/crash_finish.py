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
from retention_agent.vault.vault import Vault


def main() -> None:
    step, nth = sys.argv[1], int(sys.argv[2])
    calls = 0

    def delete_items(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls != nth:
            return deletion.delete_items(*args, **kwargs)

        def hook(reached: str) -> None:
            if reached == step:
                os.kill(os.getpid(), signal.SIGKILL)

        return deletion.delete_items(*args, **kwargs, on_step=hook)

    finish.delete_items = delete_items  # type: ignore[assignment]
    with Vault.open(vault_home(), PassphraseSource()) as vault:
        finish.finish(vault, dt.datetime(2027, 4, 1, tzinfo=dt.UTC), finish.FINISHED)


if __name__ == "__main__":
    main()
