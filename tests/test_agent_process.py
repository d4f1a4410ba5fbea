"""``retention agent run`` as a real process: one per vault (a second exits with its own
code), a clean stop on SIGTERM and SIGINT that leaves nothing half-done, and what
``retention agent status`` and ``retention status`` say about it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention_agent.agent import heartbeat
from retention_agent.errors import ExitCode
from retention_agent.launch import retention_command
from tests.support.agents import wait_for
from tests.support.processes import ROOT, key_file_env, python_module


def retention(*args: str) -> subprocess.CompletedProcess[str]:
    return python_module("retention_agent", *args, env=key_file_env())


@pytest.fixture
def case_id() -> str:
    assert retention("init").returncode == 0
    made = retention("case", "new", "--child", "Barn A", "--start", "2026-03-01")
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


@pytest.fixture
def agent(case_id: str, vault_home: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        retention_command("agent", "run", "--no-tray"),
        env=key_file_env(RETENTION_NOW="2026-06-01"),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for(lambda: heartbeat.status(vault_home).running, "the agent to start", 60)
        wait_for(lambda: (vault_home / "Inbox" / case_id / "Photos").is_dir(), "the inbox", 60)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


def test_one_agent_per_vault(agent: subprocess.Popen[str]) -> None:
    second = retention("agent", "run", "--no-tray")
    assert second.returncode == ExitCode.AGENT_RUNNING
    assert ExitCode.AGENT_RUNNING.value == 11  # documented in the README
    assert second.stderr.strip() == (
        "Error: The agent is already running for this vault; nothing was started."
    )
    assert agent.poll() is None  # the first one runs on


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_it_cleanly(
    agent: subprocess.Popen[str], vault_home: Path, stop: signal.Signals
) -> None:
    shown = retention("agent", "status", "--json")
    assert json.loads(shown.stdout)["running"] is True
    assert "Agent: running; last acted" in retention("status").stdout
    agent.send_signal(stop)
    assert agent.wait(timeout=30) == 0
    found = heartbeat.status(vault_home)
    assert not found.running
    assert found.heartbeat is not None
    assert found.heartbeat.running is False
    status = json.loads(retention("status", "--json").stdout)
    assert status["agent"]["running"] is False
    assert status["agent"]["ever_started"] is True
    text = retention("agent", "status").stdout
    assert text.startswith("The agent is not running. 'retention agent run' starts it.")


def test_stopping_while_taking_files_in_leaves_nothing_half_done(
    agent: subprocess.Popen[str], vault_home: Path, case_id: str
) -> None:
    photos = vault_home / "Inbox" / case_id / "Photos"
    names = [f"IMG_{n:03d}.jpg" for n in range(12)]
    for name in names:
        (photos / name).write_bytes(os.urandom(2 << 20))
    # Stop while the agent is busy: once the first file is gone, the rest are in flight.
    wait_for(lambda: len(list(photos.iterdir())) < len(names), "the intake to begin", 60)
    agent.send_signal(signal.SIGTERM)
    assert agent.wait(timeout=60) == 0
    listed = json.loads(retention("list", "--case", case_id, "--json").stdout)
    in_vault = sorted(item["name"] for item in listed)
    still_there = sorted(path.name for path in photos.iterdir())
    assert sorted(in_vault + still_there) == names  # each exactly once: vault or inbox
    assert "Problems: none." in retention("status").stdout


def test_status_without_an_agent(case_id: str) -> None:
    assert retention("agent", "status").stdout.startswith("The agent has never run.")
    assert "Agent: never run" in retention("status").stdout
    assert json.loads(retention("agent", "status", "--json").stdout)["ever_started"] is False


def test_no_vault_no_agent() -> None:
    result = retention("agent", "run", "--no-tray")
    assert result.returncode == ExitCode.VAULT_STATE
    assert "retention init" in result.stderr


def test_finish_stops_the_agent_and_its_login_item(
    agent: subprocess.Popen[str], vault_home: Path, tmp_path: Path
) -> None:
    system = tmp_path / "etc-xdg" / "autostart" / "retention-agent.desktop"
    system.parent.mkdir(parents=True)
    system.write_text((ROOT / "packaging/linux/retention-agent-autostart.desktop").read_text())
    env = key_file_env(XDG_CONFIG_DIRS=str(system.parent.parent))
    user_entry = Path(os.environ["XDG_CONFIG_HOME"]) / "autostart" / "retention-agent.desktop"
    done = python_module("retention_agent", "finish", "--yes", "--lang", "en", env=env)
    assert done.returncode == 0, done.stderr
    assert "The agent is stopped and no longer starts at login." in done.stdout
    assert agent.wait(timeout=30) == 0
    assert not vault_home.exists()  # nothing of the agent's was made again
    assert "Hidden=true" in user_entry.read_text()
    status = python_module("retention_agent", "agent", "status", "--json", env=env)
    assert json.loads(status.stdout)["starts_at_login"] is False
    quiet = python_module("retention_agent", "agent", "run", "--at-login", env=env)
    assert (quiet.returncode, quiet.stderr) == (0, "")
