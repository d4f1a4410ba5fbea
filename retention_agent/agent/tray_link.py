"""The agent's side of the tray: starts ``retention agent tray`` as a child process,
writes the status to its standard input and turns each line it prints into a message
for the agent's loop (see ``desktop/tray.py`` for the protocol)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import subprocess
import threading
from collections.abc import Callable, Collection, Sequence
from typing import Any

from retention_agent.agent import texts
from retention_agent.announce import Plan
from retention_agent.enforce import CaseTimeline, pending
from retention_agent.i18n import current_language
from retention_agent.launch import retention_command

Deliver = Callable[[dict[str, Any]], None]
STOP_SECONDS = 5.0


class TrayLink:
    def __init__(self, deliver: Deliver, log: logging.Logger) -> None:
        self._deliver = deliver
        self._log = log
        self._process: subprocess.Popen[str] | None = None
        self._last_status: dict[str, Any] | None = None

    def start(self) -> None:
        command = retention_command("agent", "tray", "--lang", current_language())
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._read, name="tray-link", daemon=True).start()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def show(self, status: dict[str, Any]) -> None:
        """Send the status, unless it is what the tray already shows."""
        message = {"type": "status", **status}
        if message == self._last_status:
            return
        if self._write(message):
            self._last_status = message

    def stop(self) -> None:
        process = self._process
        if process is None:
            return
        self._write({"type": "quit"})
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._process = None

    def _write(self, message: dict[str, Any]) -> bool:
        process = self._process
        if process is None or process.stdin is None or process.poll() is not None:
            return False
        try:
            process.stdin.write(json.dumps(message) + "\n")
            process.stdin.flush()
        except (OSError, ValueError):  # the tray is gone; its exit is reported by _read
            return False
        return True

    def _read(self) -> None:
        process = self._process
        assert process is not None
        assert process.stdout is not None
        for line in process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict):
                self._deliver({"source": "tray", **message})
        code = process.wait()
        self._log.info("tray process ended (exit code %s)", code)
        self._deliver({"source": "tray", "type": "exited", "code": code})


def tray_status(
    timelines: Sequence[CaseTimeline], plan: Plan, problems: Collection[str], today: dt.date
) -> dict[str, Any]:
    """What the tray shows: the next date and action per open case (by id), which cases
    have photos to export, whether deletions wait for a yes, and whether anything needs
    the family (a decision, a deletion waiting, a problem)."""
    open_cases = [t for t in timelines if t.assessment.phase != "closed"]
    lines = []
    for timeline in open_cases:
        coming = pending(timeline.assessment, today)
        lines.append(texts.status_line(timeline.facts.id, coming[0] if coming else None, today))
    return {
        "attention": bool(plan.waiting or problems)
        or any(t.assessment.phase == "decision_due" for t in open_cases),
        "lines": lines,
        "exportable": [t.facts.id for t in open_cases if any(i.kind == "photo" for i in t.items)],
        "due_waiting": bool(plan.waiting),
    }
