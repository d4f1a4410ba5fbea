"""The agent's passphrase dialog, a real GTK window under Xvfb: what is typed comes
back on the pipe to the agent, a cancel gives nothing, and it never prints to a
terminal."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention_agent.launch import retention_command
from tests.conftest import TEST_PASSPHRASE
from tests.support.desktop import Desktop, desktop, missing, wait_until
from tests.support.processes import ROOT, key_file_env, python_module
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
    assert result.returncode == 3  # no dialog: nothing shown, nothing printed


@pytest.fixture
def key_file_case() -> str:
    env = key_file_env()
    assert python_module("retention_agent", "init", env=env).returncode == 0
    made = python_module(
        "retention_agent", "case", "new", "--child", "Barn A", "--start", "2026-03-01", env=env
    )
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def wizard_without_a_terminal(session: Desktop, case_id: str) -> subprocess.Popen[str]:
    """As the tray starts it: its own session (no controlling terminal), no input, and no
    RETENTION_PASSPHRASE."""
    env = {k: v for k, v in session.env.items() if k != "RETENTION_PASSPHRASE"}
    return subprocess.Popen(
        retention_command("wizard", "--case", case_id, "--no-browser", "--lang", "en"),
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_a_wizard_started_without_a_terminal_asks_in_the_dialog(
    session: Desktop, key_file_case: str
) -> None:
    wizard = wizard_without_a_terminal(session, key_file_case)
    try:
        wait_until(lambda: window_shown(session, "Hjem til Os vault"), "the dialog")
        subprocess.run(
            ["xdotool", "type", "--delay", "20", TEST_PASSPHRASE], env=session.env, check=True
        )
        subprocess.run(["xdotool", "key", "Return"], env=session.env, check=True)
        assert wizard.stdout is not None
        assert wizard.stdout.readline().startswith("Open this address in your browser")
        url = wizard.stdout.readline().strip()
        with urllib.request.urlopen(url, timeout=30) as page:
            assert page.status == 200
            assert "Barn A" in page.read().decode()  # the vault opened with the typed passphrase
    finally:
        os.killpg(wizard.pid, signal.SIGTERM)
        wizard.communicate(timeout=30)


def test_a_cancelled_dialog_stops_the_wizard_quietly(session: Desktop, key_file_case: str) -> None:
    wizard = wizard_without_a_terminal(session, key_file_case)
    wait_until(lambda: window_shown(session, "Hjem til Os vault"), "the dialog")
    subprocess.run(["xdotool", "key", "Escape"], env=session.env, check=True)
    out, err = wizard.communicate(timeout=60)
    assert wizard.returncode == 130  # the agent says nothing after the family's own cancel
    assert err.strip() == (
        "Error: No passphrase was typed, so the vault was not opened. Nothing was changed."
    )
    assert out == ""
