"""The agent's passphrase dialog, a real GTK window under Xvfb: what is typed comes
back on the pipe to the agent, a cancel gives nothing, and it never prints to a
terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention_agent.launch import retention_command
from tests.support.desktop import Desktop, desktop, missing, wait_until
from tests.support.processes import ROOT
from tests.test_tray import gi_reason

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or bool(missing("Xvfb", "xdotool") or gi_reason()),
    reason=missing("Xvfb", "xdotool") or gi_reason() or "needs Linux",
)


@pytest.fixture
def session() -> Iterator[Desktop]:
    with tempfile.TemporaryDirectory(prefix="ra-") as root, desktop(Path(root)) as found:
        yield found


def dialog(session: Desktop, language: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        retention_command("agent", "ask-passphrase", "--lang", language),
        env=session.env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def window_shown(session: Desktop, title: str) -> bool:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", title],
        env={**session.env, "LC_ALL": "C.UTF-8"},
        capture_output=True,
        text=True,
    )
    return bool(found.stdout.strip())


def test_the_typed_passphrase_comes_back_through_the_pipe(session: Desktop) -> None:
    asking = dialog(session, "da")
    wait_until(lambda: window_shown(session, "Hjem til Os-boks"), "the dialog")
    subprocess.run(
        ["xdotool", "type", "--delay", "20", "korrekt hest batteri"], env=session.env, check=True
    )
    subprocess.run(["xdotool", "key", "Return"], env=session.env, check=True)
    out, _ = asking.communicate(timeout=60)
    assert asking.returncode == 0
    assert out == "korrekt hest batteri\n"


def test_cancel_gives_nothing(session: Desktop) -> None:
    asking = dialog(session, "en")
    wait_until(lambda: window_shown(session, "Hjem til Os vault"), "the dialog")
    subprocess.run(["xdotool", "key", "Escape"], env=session.env, check=True)
    out, _ = asking.communicate(timeout=60)
    assert asking.returncode == 1
    assert out == ""


def test_it_never_prints_to_a_terminal(session: Desktop) -> None:
    leader, follower = pty.openpty()
    try:
        result = subprocess.run(
            retention_command("agent", "ask-passphrase"),
            env=session.env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert result.returncode == 1
