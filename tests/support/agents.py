"""An agent for tests: a real vault, real files and a real watcher; the clock is a
value the test sets, and notifications are collected (the real notifier has its own
tests against a real notification server)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from retention_agent.agent.keyholder import KeyHolder
from retention_agent.agent.runner import Agent
from retention_agent.agent.watch import ObserverKind
from retention_agent.desktop.buttons import Button

DEADLINE = 15.0


class Collected:
    """A notifier that keeps what it was asked to show, and the buttons it had."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.buttons: list[Sequence[Button]] = []

    def send(self, title: str, body: str, buttons: Sequence[Button] = ()) -> None:
        self.sent.append((title, body))
        self.buttons.append(buttons)

    def close(self) -> None:
        pass

    def titles(self) -> list[str]:
        return [title for title, _body in self.sent]


class Clock:
    def __init__(self, day: dt.date) -> None:
        self.moment = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)

    def set(self, day: dt.date) -> None:
        self.moment = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.moment


def make_agent(
    home: Path,
    clock: Clock,
    *,
    observer: ObserverKind = "native",
    ask: Callable[[], str | None] = lambda: None,
    wizard: Callable[[str], None] | None = None,
    open_folder: Callable[[Path], None] | None = None,
    first_sweep: float = 3600.0,
) -> tuple[Agent, Collected]:
    """``first_sweep``: seconds until the lookout's first sweep (tests that do not look
    for copies outside the vault keep it out of the way)."""
    collected = Collected()
    agent = Agent(
        home,
        collected,
        KeyHolder(home, ask=ask),
        logging.getLogger("tests.agent"),
        now=clock,
        observer=observer,
        wizard=wizard,
        open_folder=open_folder,
        first_sweep=first_sweep,
    )
    return agent, collected


@contextmanager
def running(agent: Agent) -> Iterator[Agent]:
    """The agent's loop in a thread, stopped (and joined) at the end."""
    thread = threading.Thread(target=agent.run, name="agent-under-test")
    thread.start()
    try:
        yield agent
    finally:
        agent.stop()
        thread.join(timeout=DEADLINE)
        assert not thread.is_alive(), "the agent did not stop"


def wait_for(condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    """Real file events take a moment: poll ``condition`` until a deadline."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
