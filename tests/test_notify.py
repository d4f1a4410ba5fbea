"""Notifications through plyer to a real notification server (dunst on a private D-Bus
session under Xvfb), and the log fallback where there is none or it hangs: ``send``
must never block the agent."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention_agent.agent import texts
from retention_agent.announce import Notice
from retention_agent.desktop import notify
from retention_agent.desktop.buttons import Button
from retention_agent.i18n import Language, set_language
from tests.support.desktop import Desktop, desktop, dunst, dunst_history, missing, wait_until

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
# Read at import: the autouse fixture clears every RETENTION_* variable before a test.
REFRESH_SCREENSHOTS = bool(os.environ.get("RETENTION_SCREENSHOTS"))

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or bool(missing("Xvfb", "dbus-daemon", "dunst")),
    reason=missing("Xvfb", "dbus-daemon", "dunst") or "needs Linux",
)


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[Desktop]:
    # The bus's socket path must stay short: a folder of its own under /tmp.
    with tempfile.TemporaryDirectory(prefix="ra-") as root, desktop(Path(root)) as found:
        monkeypatch.setenv("DISPLAY", found.display)
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", found.bus)
        yield found


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def log() -> Iterator[tuple[logging.Logger, Lines]]:
    logger = logging.getLogger("tests.notify")
    logger.setLevel(logging.INFO)
    lines = Lines()
    logger.addHandler(lines)
    yield logger, lines
    logger.removeHandler(lines)


def test_a_danish_notice_reaches_dunst(session: Desktop, log: tuple[logging.Logger, Lines]) -> None:
    set_language("da")
    notice = Notice(
        "s|soon7|4f2a9b/2027-03-08/photo",
        "deletion_soon",
        "4f2a9b",
        dt.date(2027, 3, 8),
        ("contact", "photo"),
    )
    headline, body = texts.notice_text(notice, dt.date(2027, 3, 1))
    with dunst(session):
        notifier = notify.desktop_notifier(log[0])
        notifier.send(headline, body)
        assert isinstance(notifier, notify.DesktopNotifier)
        assert notifier.flush(timeout=20)
        shown = dunst_history(session)
    assert shown == [{"appname": "retention-agent", "summary": headline, "body": body}]
    assert headline == "Sag 4f2a9b: kontaktoplysninger og billeder slettes om 7 dage"
    assert f"notification: {headline} | {body}" in log[1].lines


def notify_send() -> notify.Show:
    """plyer's notify-send path (what a venv without dbus-python gets). The tests that
    freeze or change servers use it: libdbus keeps one session bus per process, so only
    one test per process can use plyer's D-Bus path."""
    if missing("notify-send"):
        pytest.skip(missing("notify-send") or "")
    from plyer.platforms.linux.notification import NotifySendNotification

    backend = NotifySendNotification()

    def show(title: str, body: str) -> None:
        backend.notify(title=title, message=body, app_name=notify.APP_NAME)

    return show


def test_the_notify_send_path_reaches_dunst_too(
    session: Desktop, log: tuple[logging.Logger, Lines]
) -> None:
    with dunst(session):
        notifier = notify.DesktopNotifier(log[0], notify_send(), notify._session_bus_probe)
        notifier.send("Case 4f2a9b: photos deleted", "Receipt no. 3.")
        assert notifier.flush(timeout=20)
        shown = dunst_history(session)
    assert [entry["summary"] for entry in shown] == ["Case 4f2a9b: photos deleted"]


def test_without_a_server_the_log_is_the_notification(
    session: Desktop, log: tuple[logging.Logger, Lines]
) -> None:
    notifier = notify.desktop_notifier(log[0])
    notifier.send("Case 4f2a9b: the match paper deleted", "Receipt no. 1.")
    if isinstance(notifier, notify.DesktopNotifier):
        assert notifier.flush(timeout=20)
    assert "notification: Case 4f2a9b: the match paper deleted | Receipt no. 1." in log[1].lines
    assert "notification service not found" in log[1].lines


def test_a_frozen_server_never_blocks_the_caller(
    session: Desktop, log: tuple[logging.Logger, Lines], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notify, "HUNG_SECONDS", 0.0)
    with dunst(session) as server:
        notifier = notify.DesktopNotifier(log[0], notify_send(), notify._session_bus_probe)
        os.kill(server.pid, signal.SIGSTOP)
        notifier.send("first", "to a frozen server")
        wait_until(lambda: notifier.hanging, "the worker to hang in plyer")
        notifier.send("second", "while it hangs")  # returns at once
        assert "notification service busy; shown in this log only" in log[1].lines
        assert "notification: second | while it hangs" in log[1].lines
        os.kill(server.pid, signal.SIGCONT)
        assert notifier.flush(timeout=90)
        shown = dunst_history(session)
    assert [entry["summary"] for entry in shown] == ["first"]


def menu_picking(session: Desktop, label: str) -> Path:
    """A dunst configuration whose context menu (dmenu's part) picks the line with
    ``label``, as a person choosing that button would."""
    picker = session.root / "pick.sh"
    picker.write_text(f"#!/bin/sh\ngrep -F -- {shlex.quote(label)} | head -n 1\n")
    picker.chmod(0o755)
    config = session.root / "dunstrc"
    config.write_text(f"[global]\n    dmenu = {picker}\n")
    return config


def test_buttons_reach_the_agent(session: Desktop, log: tuple[logging.Logger, Lines]) -> None:
    chosen: list[dict[str, str]] = []
    export = Button("Export photos", {"action": "export_photos", "case": "4f2a9b"}, default=True)
    remove = Button("Remove", {"action": "remove_copies"})
    with dunst(session, menu_picking(session, "Remove")):
        notifier = notify.desktop_notifier(log[0], lambda choice: chosen.append(dict(choice)))
        assert isinstance(notifier, notify.DesktopNotifier)
        try:
            notifier.send("Case 4f2a9b: you can offer the photos", "Until 1 April.", [export])
            assert notifier.flush(timeout=20)
            run_dunstctl(session, "action", "0")  # a click on the notification itself
            wait_until(lambda: len(chosen) == 1, "the click to reach the agent")
            notifier.send("A copy of a vault item is outside the vault", "Case 4f2a9b.", [remove])
            assert notifier.flush(timeout=20)
            run_dunstctl(session, "context")  # its menu: the picker chooses "Remove"
            wait_until(lambda: len(chosen) == 2, "the button to reach the agent")
        finally:
            notifier.close()
    assert chosen == [
        {"action": "export_photos", "case": "4f2a9b"},
        {"action": "remove_copies"},
    ]


def run_dunstctl(session: Desktop, *args: str) -> None:
    subprocess.run(["dunstctl", *args], env=session.env, check=True, timeout=10)


GUIDE_LOOK = """[global]
    font = DejaVu Sans 10
    width = 460
    origin = top-left
    offset = 10x10
    frame_width = 1
    frame_color = "#c25a00"
    padding = 10
    horizontal_padding = 12
    format = "<b>%s</b>\\n%b"
    show_indicators = no
[urgency_normal]
    background = "#fbf7ef"
    foreground = "#222222"
"""


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_notification_as_the_guides_show_it(
    session: Desktop, log: tuple[logging.Logger, Lines], tmp_path: Path, language: Language
) -> None:
    """The photo offer with its button, on a real notification server, pictured for the
    guides (``RETENTION_SCREENSHOTS=1`` writes docs/screenshots/notification-<lang>.png)."""
    if missing("import"):
        pytest.skip(missing("import") or "")
    from PIL import Image

    set_language(language)
    notice = Notice("s|offer|4f2a9b@2027-03-05", "photo_offer", "4f2a9b", dt.date(2027, 4, 4))
    headline, body = texts.notice_text(notice, dt.date(2027, 3, 5))
    config = session.root / "guide-dunstrc"
    config.write_text(GUIDE_LOOK)
    picture = tmp_path / f"notification-{language}.png"
    with dunst(session, config):
        notifier = notify.desktop_notifier(log[0], lambda _choice: None)
        try:
            notifier.send(headline, body, texts.notice_buttons(notice))
            assert isinstance(notifier, notify.DesktopNotifier)
            assert notifier.flush(timeout=20)
            wait_until(lambda: shown_count(session) == 1, "the notification on screen")
            subprocess.run(
                [
                    "import",
                    "-window",
                    "root",
                    "-strip",
                    "-define",
                    "png:exclude-chunks=date,time",
                    str(picture),
                ],
                env=session.env,
                check=True,
                timeout=30,
            )
        finally:
            notifier.close()
    with Image.open(picture) as whole:
        box = whole.convert("L").point(lambda v: 255 if v > 0 else 0).getbbox()
        assert box is not None  # something is on the black screen
        assert 400 < box[2] - box[0] < 520  # the notification, not the whole screen
        whole.crop(box).save(picture)
    if REFRESH_SCREENSHOTS:
        shutil.copyfile(picture, SCREENSHOTS / picture.name)


def shown_count(session: Desktop) -> int:
    found = subprocess.run(
        ["dunstctl", "count", "displayed"], env=session.env, capture_output=True, text=True
    )
    return int(found.stdout.strip() or 0)
