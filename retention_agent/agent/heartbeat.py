"""The agent's heartbeat, ``agent.json`` in the vault folder: whether and since when it
runs, what it last did and when, and its open problems. No personal data: codes,
dates, case ids and counts only. Read by ``retention status`` and ``retention agent
status`` (this module stays light: no watchdog, plyer, pystray or gi)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from retention_agent.agent.lock import is_running
from retention_agent.vault import files

HEARTBEAT_FILE = "agent.json"
FORMAT = 1

# What the agent last did (shown translated by the CLI).
Action = Literal["started", "checked", "ingested", "skipped", "refused", "notified", "deleted"]
Tray = Literal["running", "unavailable", "off", "stopped"]


@dataclass(frozen=True)
class Heartbeat:
    pid: int
    started: dt.datetime
    running: bool = True  # False once the agent stopped cleanly
    last_action: Action = "started"
    last_action_at: dt.datetime | None = None
    last_check: dt.datetime | None = None
    next_check: dt.date | None = None
    problems: tuple[str, ...] = ()
    tray: Tray = "off"
    waiting: tuple[str, ...] = field(default=())  # case ids with deletions awaiting a yes


@dataclass(frozen=True)
class AgentStatus:
    running: bool
    heartbeat: Heartbeat | None


def write(home: Path, beat: Heartbeat) -> None:
    value = asdict(beat) | {"format": FORMAT}
    write_json(home / HEARTBEAT_FILE, value)


def read(home: Path) -> Heartbeat | None:
    """The last heartbeat written, or None if there is none or it cannot be read."""
    try:
        value = json.loads((home / HEARTBEAT_FILE).read_text(encoding="utf-8"))
        if value.pop("format") != FORMAT:
            return None
        return Heartbeat(
            pid=int(value["pid"]),
            started=dt.datetime.fromisoformat(value["started"]),
            running=bool(value["running"]),
            last_action=value["last_action"],
            last_action_at=_moment(value["last_action_at"]),
            last_check=_moment(value["last_check"]),
            next_check=_day(value["next_check"]),
            problems=tuple(value["problems"]),
            tray=value["tray"],
            waiting=tuple(value["waiting"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def status(home: Path) -> AgentStatus:
    return AgentStatus(running=is_running(home), heartbeat=read(home))


def stop_agent(home: Path, timeout: float) -> bool:
    """Ask the agent of the vault at ``home`` to stop (SIGTERM: it finishes the step in
    progress) and wait until it has; whether none runs now. For ``retention finish``,
    which removes the folder the agent writes its files into."""
    beat = read(home)
    if not is_running(home):
        return True
    if beat is None or beat.pid == os.getpid():
        return False
    try:
        os.kill(beat.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    except OSError:
        return False
    end = time.monotonic() + timeout
    while is_running(home):
        if time.monotonic() > end:
            return False
        time.sleep(0.1)
    return True


def to_json(agent: AgentStatus) -> dict[str, Any]:
    beat = agent.heartbeat
    if beat is None:
        return {"running": agent.running, "ever_started": False}
    return {
        "running": agent.running,
        "ever_started": True,
        "pid": beat.pid if agent.running else None,
        "started": beat.started.isoformat(),
        "last_action": beat.last_action,
        "last_action_at": _iso(beat.last_action_at),
        "last_check": _iso(beat.last_check),
        "next_check": _iso(beat.next_check),
        "problems": list(beat.problems),
        "tray": beat.tray if agent.running else "off",
        "waiting_for_confirmation": list(beat.waiting),
    }


def write_json(path: Path, value: Any) -> None:
    """Replace ``path`` atomically with ``value`` as JSON (mode 0600), durable on return."""
    write_private(path, json.dumps(value, default=_default, indent=1).encode())


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with ``data`` (mode 0600), durable on return."""
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    files.remove_quietly(part)
    with files.open_private_new(part) as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(part, path)
    files.fsync_dir(path.parent)


def _default(value: object) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _moment(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def _day(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()
