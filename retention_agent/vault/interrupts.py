"""Ctrl-C and SIGTERM held back across steps that must finish once begun.

A step that commits data and then removes the originals must not stop in between: a
Ctrl-C there would leave the item in the vault and the original half overwritten while
the command says nothing changed. Inside :func:`deferred`, SIGINT and SIGTERM are
recorded, not acted on; when the step is over, SIGINT is raised as
:class:`InterruptedAfter` carrying what the step achieved (so the caller can say so),
and SIGTERM is delivered again to whatever handler was there before.

A Ctrl-C can also arrive a moment after a step ended, before the command has said what
it did; :func:`completed` keeps the results of the steps this process finished, so the
command can still tell the truth then.

Only the main thread can set signal handlers; elsewhere this does nothing (the agent
runs its steps on the main thread or handles signals itself).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

_HELD = (signal.SIGINT, signal.SIGTERM)
_depth = 0
_completed: list[Any] = []


class InterruptedAfter(KeyboardInterrupt):
    """Ctrl-C arrived while a step had to finish; it did finish, with ``result``."""

    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


@dataclass
class Deferral:
    """What the step achieved, set by the code inside :func:`deferred` before it ends."""

    result: Any = None
    received: list[int] = field(default_factory=list)


def completed() -> list[Any]:
    """The results of every held-back step this process has finished, oldest first."""
    return list(_completed)


@contextmanager
def deferred() -> Iterator[Deferral]:
    global _depth
    deferral = Deferral()
    outermost = _depth == 0 and threading.current_thread() is threading.main_thread()
    if not outermost:
        # An enclosing step already holds the signals back and will deliver them.
        _depth += 1
        try:
            yield deferral
        finally:
            _depth -= 1
        return

    def hold(signum: int, _frame: object) -> None:
        deferral.received.append(signum)

    previous = {signum: signal.signal(signum, hold) for signum in _HELD}
    _depth += 1
    try:
        yield deferral
        _completed.append(deferral.result)
    finally:
        _depth -= 1
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if signal.SIGTERM in deferral.received:
        signal.raise_signal(signal.SIGTERM)
    if signal.SIGINT in deferral.received:
        raise InterruptedAfter(deferral.result)
