"""The agent's voice and memory: notifications (each told once where it should be,
also across restarts: ``agent-memory.json``), its open problems, and the heartbeat that
``retention status`` reads. The base of ``runner.Agent``."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from retention_agent import announce
from retention_agent.agent import heartbeat, memory, texts
from retention_agent.desktop.buttons import Button
from retention_agent.desktop.notify import Notifier
from retention_agent.errors import ExitCode, RetentionError


class Voice:
    def __init__(
        self,
        home: Path,
        notifier: Notifier,
        log: logging.Logger,
        now: Callable[[], dt.datetime],
    ) -> None:
        self.home = home
        self.notifier = notifier
        self.log = log
        self._now = now
        self.memory = memory.load(home)
        self.problems: set[str] = set()
        started = now()
        self.beat = heartbeat.Heartbeat(pid=os.getpid(), started=started, last_action_at=started)

    def notify(self, headline: str, body: str, *, buttons: Sequence[Button] = ()) -> None:
        self.notifier.send(headline, body, buttons)
        self.acted("notified")

    def first_time(self, key: str) -> bool:
        """Remember ``key`` (an event told once, across restarts); whether it is new."""
        if key in self.memory.fired:
            return False
        self.memory = announce.with_fired(self.memory, key)
        memory.save(self.home, self.memory)
        return True

    def once(self, key: str, text: texts.Text) -> None:
        if self.first_time(key):
            self.notify(*text)

    def acted(self, action: heartbeat.Action) -> None:
        self.beat = replace_beat(self.beat, last_action=action, last_action_at=self._now())
        self._write_beat()

    def problem_from(self, error: RetentionError) -> None:
        code = {
            ExitCode.KEY: "key_unavailable",
            ExitCode.INTEGRITY: "vault_damaged",
            ExitCode.DISK: "disk_full",
        }.get(error.exit_code)
        self.log.warning("problem: %s (%s)", type(error).__name__, code or "retry later")
        if code is not None:
            self._problem(code)

    def _problem(self, code: str, *, lasting: bool = False) -> None:
        """Tell once; ``lasting`` problems are never repeated, the others again after
        they were solved and came back."""
        key = f"{'e' if lasting else 'p'}|problem|{code}"
        self.problems.add(code)
        self.beat = replace_beat(self.beat, problems=tuple(sorted(self.problems)))
        self._write_beat()
        self.once(key, texts.problem_text(code))

    def _solved(self, code: str) -> None:
        if code not in self.problems:
            return
        self.problems.discard(code)
        self.memory = announce.without_fired(self.memory, f"p|problem|{code}")
        memory.save(self.home, self.memory)
        self.beat = replace_beat(self.beat, problems=tuple(sorted(self.problems)))
        self._write_beat()

    def _write_beat(self) -> None:
        try:
            heartbeat.write(self.home, self.beat)
        except OSError as error:
            self.log.warning("heartbeat not written (error %s)", error.errno)


def replace_beat(beat: heartbeat.Heartbeat, **changes: Any) -> heartbeat.Heartbeat:
    return replace(beat, **changes)
