"""One agent per vault: a lock file of its own (``agent.lock``), separate from the
vault lock, which the agent takes only for one file or one deletion at a time so that
CLI commands keep working beside it."""

from __future__ import annotations

from pathlib import Path

from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_
from retention_agent.vault import files
from retention_agent.vault.locking import FileLock, LockTimeout

LOCK_FILE = "agent.lock"
# A `retention status` may hold the lock for an instant to see whether it is free.
START_WAIT_SECONDS = 2.0


class AgentAlreadyRunning(RetentionError):
    message = N_("The agent is already running for this vault; nothing was started.")
    exit_code = ExitCode.AGENT_RUNNING


class AgentDoesNotStop(RetentionError):
    message = N_(
        "The agent for this vault did not stop, so nothing was deleted. Choose 'Quit the "
        "agent' in the menu by the clock, then run the command again."
    )
    exit_code = ExitCode.AGENT_RUNNING


class AgentLock:
    def __init__(self, home: Path) -> None:
        self._lock = FileLock(home / LOCK_FILE, mode=files.PRIVATE_FILE)

    def acquire(self) -> None:
        try:
            self._lock.acquire(timeout=START_WAIT_SECONDS)
        except LockTimeout:
            raise AgentAlreadyRunning() from None

    def release(self) -> None:
        self._lock.release()


def is_running(home: Path) -> bool:
    """Whether an agent holds the lock of the vault at ``home`` (a lock dies with its
    process, so a crashed agent never counts as running)."""
    path = home / LOCK_FILE
    if not path.exists():
        return False
    probe = FileLock(path)
    try:
        probe.acquire(timeout=0)
    except LockTimeout:
        return True
    probe.release()
    return False
