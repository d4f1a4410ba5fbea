"""Desktop notifications behind one small interface, never blocking the caller.

``send`` writes the text to the agent's log at once (notification texts carry no
personal data) and hands it to a worker thread that shows it through plyer. What plyer
does not handle, measured on Debian 12 (see ``shared/DESKTOP-NOTES.md``):

- Its Linux path goes to the Flatpak portal whenever ``/app`` exists, which plenty of
  containers have; we pick plyer's Linux backend ourselves (portal only inside a real
  Flatpak, where ``/.flatpak-info`` exists; then D-Bus; then ``notify-send``).
- Through ``notify-send`` it ignores the exit code, so "no notification service" looks
  like success: before each notification we ask the session bus whether
  ``org.freedesktop.Notifications`` has an owner or can be started (jeepney, which
  keyring already brings on Linux). Without one the log is the only place.
- A frozen notification server blocks it for 25–75 s: the worker may hang, but
  ``send`` never waits for it; while a call hangs, later texts go to the log only.

A notification may carry buttons (``buttons.Button``). plyer has none, so on Linux,
where the server offers them, such a notification goes through ``buttons`` instead;
elsewhere its text alone is shown, and says where the same choice is in the tray.
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from retention_agent.desktop.buttons import Button, ButtonNotifications, Chosen

APP_NAME = "retention-agent"
QUEUE_LIMIT = 32
PROBE_TIMEOUT = 1.0  # seconds for the session bus to answer
SHOWN_SECONDS = 10  # how long a server that honours it shows a notification
WITH_BUTTONS_MS = 0  # a notification with buttons stays until it is answered or closed
HUNG_SECONDS = 5.0  # a call taking longer counts as hanging
NOTIFICATIONS = "org.freedesktop.Notifications"

Show = Callable[[str, str], None]


class Notifier(Protocol):
    def send(self, title: str, body: str, buttons: Sequence[Button] = ()) -> None:
        """Show ``title`` and ``body`` (with ``buttons`` where the desktop can) if
        possible, log them always; never block."""
        ...

    def close(self) -> None:
        """Let go of the notification service (buttons answer no more)."""
        ...


class LogNotifier:
    """Where no notification service exists: the agent's log is the notification."""

    def __init__(self, log: logging.Logger) -> None:
        self._log = log

    def send(self, title: str, body: str, buttons: Sequence[Button] = ()) -> None:
        self._log.info("notification: %s | %s", title, body)

    def close(self) -> None:
        pass


class DesktopNotifier:
    """Logs every text, and shows it through ``show`` in a worker thread."""

    def __init__(
        self,
        log: logging.Logger,
        show: Show,
        service_ready: Callable[[], bool] = lambda: True,
        with_buttons: ButtonNotifications | None = None,
    ) -> None:
        self._log = log
        self._fallback = LogNotifier(log)
        self._show = show
        self._service_ready = service_ready
        self._with_buttons = with_buttons
        self._buttons_open: bool | None = None  # opened at the first notification with buttons
        self._queue: queue.Queue[tuple[str, str, Sequence[Button]]] = queue.Queue(QUEUE_LIMIT)
        self._busy_since: float | None = None
        self._idle = threading.Condition()
        self._pending = 0
        self._ready: bool | None = None
        self._worker = threading.Thread(target=self._run, name="notifier", daemon=True)
        self._worker.start()

    @property
    def hanging(self) -> bool:
        """Whether a call to the notification service has been running too long."""
        busy = self._busy_since
        return busy is not None and time.monotonic() - busy > HUNG_SECONDS

    def send(self, title: str, body: str, buttons: Sequence[Button] = ()) -> None:
        self._fallback.send(title, body)
        with self._idle:
            if self.hanging:
                self._log.warning("notification service busy; shown in this log only")
                return
            try:
                self._queue.put_nowait((title, body, tuple(buttons)))
            except queue.Full:
                self._log.warning("too many notifications waiting; shown in this log only")
                return
            self._pending += 1

    def flush(self, timeout: float) -> bool:
        """Wait until every text handed over has been shown or given up on (tests)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _run(self) -> None:
        while True:
            title, body, buttons = self._queue.get()
            with self._idle:
                self._busy_since = time.monotonic()
            try:
                ready = self._service_ready()
                if ready != self._ready:
                    self._ready = ready
                    self._log.info("notification service %s", "found" if ready else "not found")
                if ready and buttons and self._buttons_available():
                    assert self._with_buttons is not None
                    self._with_buttons.show(title, body, buttons, WITH_BUTTONS_MS)
                elif ready:
                    self._show(title, body)
            except Exception as error:  # plyer and D-Bus raise many kinds
                self._log.warning("notification not shown: %s", type(error).__name__)
            finally:
                with self._idle:
                    self._busy_since = None
                    self._pending -= 1
                    self._idle.notify_all()

    def _buttons_available(self) -> bool:
        if self._with_buttons is None:
            return False
        if self._buttons_open is None:
            self._buttons_open = self._with_buttons.open()
        return self._buttons_open

    def close(self) -> None:
        if self._with_buttons is not None:
            self._with_buttons.close()


def desktop_notifier(log: logging.Logger, chosen: Chosen | None = None) -> Notifier:
    """The best notifier this machine offers: plyer where it has a backend, else the log;
    on Linux with ``chosen``, buttons where the notification server has them."""
    show = _plyer_show(log)
    if show is None:
        return LogNotifier(log)
    linux = sys.platform.startswith("linux")
    ready = _session_bus_probe if linux else (lambda: True)
    buttons = ButtonNotifications(APP_NAME, chosen, log) if linux and chosen else None
    return DesktopNotifier(log, show, ready, buttons)


def _plyer_show(log: logging.Logger) -> Show | None:
    try:
        backend: Any = _linux_backend() if sys.platform.startswith("linux") else _facade()
    except ImportError as error:
        log.info("no notification backend: %s", error)
        return None
    if backend is None:
        log.info("no notification backend")
        return None

    def show(title: str, body: str) -> None:
        backend.notify(title=title, message=body, app_name=APP_NAME, timeout=SHOWN_SECONDS)

    return show


def _facade() -> Any:
    from plyer import notification

    return notification


def _linux_backend() -> Any:
    from plyer.platforms.linux import notification as linux

    if Path("/.flatpak-info").exists():
        return linux.NotifyDesktopPortals()
    try:
        import dbus  # noqa: F401 - only to see whether plyer can use D-Bus directly

        return linux.NotifyDbus()
    except ImportError:
        pass
    if shutil.which("notify-send"):
        return linux.NotifySendNotification()
    return None


def _session_bus_probe() -> bool:
    """Whether the session bus has a notification server or can start one."""
    if Path("/.flatpak-info").exists():
        return True  # the portal decides inside a Flatpak
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    try:
        from jeepney import DBus
        from jeepney.io.blocking import open_dbus_connection

        with open_dbus_connection(bus="SESSION", auth_timeout=PROBE_TIMEOUT) as connection:
            bus = DBus()
            owned = connection.send_and_get_reply(
                bus.NameHasOwner(NOTIFICATIONS), timeout=PROBE_TIMEOUT
            ).body[0]
            if owned:
                return True
            names = connection.send_and_get_reply(
                bus.ListActivatableNames(), timeout=PROBE_TIMEOUT
            ).body[0]
            return NOTIFICATIONS in names
    except Exception:  # no bus, refused, timed out: no notifications
        return False
