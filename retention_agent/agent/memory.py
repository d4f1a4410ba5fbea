"""The agent's memory across restarts (``agent-memory.json`` in the vault folder): the
latest day seen and which notices were sent when. It holds no personal data (ids,
dates, kinds), so the agent keeps it while the vault's key is unavailable.

A memory that cannot be read is started afresh: every due deletion then counts as
unannounced and waits for a confirmation or the late notice's week, and every notice
may fire once more, which errs on the side of telling the family too much."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from retention_agent.agent.heartbeat import write_json
from retention_agent.announce import Memory

MEMORY_FILE = "agent-memory.json"
FORMAT = 1


def load(home: Path) -> Memory:
    try:
        value = json.loads((home / MEMORY_FILE).read_text(encoding="utf-8"))
        if value["format"] != FORMAT:
            return Memory()
        latest = value["latest_seen"]
        return Memory(
            latest_seen=None if latest is None else dt.date.fromisoformat(latest),
            fired=frozenset(str(key) for key in value["fired"]),
            announced={str(k): dt.date.fromisoformat(v) for k, v in value["announced"].items()},
            late={str(k): dt.date.fromisoformat(v) for k, v in value["late"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return Memory()


def save(home: Path, memory: Memory) -> None:
    write_json(
        home / MEMORY_FILE,
        {
            "format": FORMAT,
            "latest_seen": memory.latest_seen,
            "fired": sorted(memory.fired),
            "announced": dict(sorted(memory.announced.items())),
            "late": dict(sorted(memory.late.items())),
        },
    )
