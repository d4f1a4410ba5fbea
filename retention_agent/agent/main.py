"""Starting the agent: its lock, its log, its notifier and tray, then the loop. The one
entry point ``retention agent run`` calls."""

from __future__ import annotations

import logging
import logging.handlers
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from retention_agent import clock
from retention_agent.agent.keyholder import KeyHolder
from retention_agent.agent.lock import AgentLock
from retention_agent.agent.runner import Agent
from retention_agent.agent.tray_link import TrayLink
from retention_agent.agent.watch import ObserverKind
from retention_agent.desktop.notify import desktop_notifier
from retention_agent.desktop.opener import open_folder
from retention_agent.enforce import read_timelines
from retention_agent.errors import ExitCode, VaultNotInitialised
from retention_agent.i18n import current_language
from retention_agent.launch import retention_command
from retention_agent.vault import files
from retention_agent.vault.teardown import MARKER

LOG_FILE = "agent.log"
LOG_BYTES = 1 << 20


def agent_log(home: Path, *, to_stderr: bool) -> logging.Logger:
    """The agent's log, ``agent.log`` in the vault folder (0600): notification texts
    and codes, never personal data."""
    log = logging.getLogger("retention_agent.agent")
    log.setLevel(logging.INFO)
    log.propagate = False
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()
    path = home / LOG_FILE
    path.touch(mode=files.PRIVATE_FILE, exist_ok=True)
    files.make_private_file(path)
    to_file = logging.handlers.RotatingFileHandler(
        path, maxBytes=LOG_BYTES, backupCount=2, encoding="utf-8"
    )
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(to_file)
    if to_stderr:
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(console)
    return log


def finishing(home: Path) -> bool:
    """Whether ``retention finish`` has begun removing the vault (its marker is there)."""
    return (home / MARKER).exists()


def open_wizard(case_id: str, deliver: Callable[[dict[str, Any]], None]) -> None:
    """Start the photo-export wizard for a case. With a key file it asks for the
    passphrase in the same dialog as the agent (it has no terminal); if it ends with an
    error, the agent is told. A cancelled dialog is the family's choice: nothing is said."""
    wizard = subprocess.Popen(
        retention_command("wizard", "--case", case_id, "--lang", current_language()),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def watch() -> None:
        code = wizard.wait()
        if code not in (ExitCode.OK, ExitCode.INTERRUPTED):
            deliver({"source": "wizard", "case": case_id, "code": code})

    threading.Thread(target=watch, name="wizard-watch", daemon=True).start()


def run(home: Path, *, tray: bool, observer: ObserverKind, wizard: bool) -> int:
    """Run until stopped; raises AgentAlreadyRunning if another agent has the vault, and
    VaultNotInitialised where there is none (or ``retention finish`` is removing it)."""
    if finishing(home):
        raise VaultNotInitialised()
    read_timelines(home, clock.now().date())  # a missing or unreadable vault stops us here
    lock = AgentLock(home)
    lock.acquire()
    try:
        log = agent_log(home, to_stderr=sys.stderr is not None and sys.stderr.isatty())
        log.info("agent started (pid %s)", os.getpid())
        notifier = desktop_notifier(
            log,
            lambda choice: agent.deliver({"source": "notification", "type": "action", **choice}),
        )
        agent = Agent(
            home,
            notifier,
            KeyHolder(home),
            log,
            observer=observer,
            wizard=(lambda case_id: open_wizard(case_id, agent.deliver)) if wizard else None,
            open_folder=open_folder,
        )
        if tray:
            link = TrayLink(agent.deliver, log)
            link.start()
            agent.tray = link
        try:
            code = agent.run()
        finally:
            notifier.close()
        log.info("agent stopped")
        return code
    finally:
        lock.release()
