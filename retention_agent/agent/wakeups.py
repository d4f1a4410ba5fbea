"""What makes the agent look at its schedule again, besides the date changing: the wall
clock jumping against the monotonic one (the machine slept, or the time was changed),
and the vault's index being written (a CLI command recorded a decision, a hold, an
item). Both are checked at every tick, cheaply: two clock reads and two ``stat`` calls."""

from __future__ import annotations

import time
from pathlib import Path

from retention_agent.vault.vault import INDEX

SKEW_SECONDS = 90.0  # wall and monotonic clocks disagreeing by more: look again


class Wakeups:
    def __init__(self, home: Path) -> None:
        self._home = home
        self._clocks = (time.time(), time.monotonic())
        self._stamp: tuple[int, ...] | None = None

    def clock_jumped(self) -> bool:
        wall, mono = time.time(), time.monotonic()
        last_wall, last_mono = self._clocks
        self._clocks = (wall, mono)
        return abs((wall - last_wall) - (mono - last_mono)) > SKEW_SECONDS

    def index_written(self) -> bool:
        stamp = _stamp(self._home)
        changed = stamp != self._stamp
        self._stamp = stamp
        return changed


def _stamp(home: Path) -> tuple[int, ...]:
    """Changes whenever the index is written (the WAL grows or is checkpointed). An
    empty WAL counts as none: a reader makes one, and the last writable connection to
    close removes it, and neither is a change to the index."""
    found: list[int] = []
    for name in (INDEX, f"{INDEX}-wal"):
        try:
            info = (home / name).stat()
        except OSError:
            found += [0, 0]
            continue
        found += [info.st_mtime_ns, info.st_size] if info.st_size else [0, 0]
    return tuple(found)
