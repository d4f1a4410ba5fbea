"""Notifications with buttons: "Export photos", "Remove", "Take it into the vault".

plyer shows text only, so where the desktop's notification service offers actions
(freedesktop ``org.freedesktop.Notifications`` with the ``actions`` capability: GNOME,
KDE, XFCE, dunst, ...) these notifications are sent over D-Bus directly, with jeepney,
on one connection that stays open while the agent runs: the server tells that
connection which button was chosen (``ActionInvoked``, sent to the notification's own
sender by GNOME). What a button does stays in this process: the bus only sees the keys
``default`` (a click on the notification itself) and ``b0``, ``b1``, ...

Elsewhere (macOS, Windows, a server without actions) the notifier shows the text alone,
and the text says where the same choice is in the tray's menu.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

NOTIFICATIONS = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
CALL_TIMEOUT = 5.0  # seconds for the server to answer
REMEMBERED = 64  # notifications whose buttons are kept; older ones are forgotten

Chosen = Callable[[Mapping[str, str]], None]


@dataclass(frozen=True)
class Button:
    label: str
    choice: Mapping[str, str] = field(default_factory=dict)  # handed to the agent
    default: bool = False  # also what a click on the notification itself does


class ButtonNotifications:
    """Sends notifications with buttons and reports the choices to ``chosen`` (from its
    own thread). ``open`` says whether this desktop can show them."""

    def __init__(self, app_name: str, chosen: Chosen, log: logging.Logger) -> None:
        self._app_name = app_name
        self._chosen = chosen
        self._log = log
        self._router: Any = None
        self._connection: Any = None
        self._signals: queue.Queue[Any] = queue.Queue()
        self._pending: OrderedDict[int, dict[str, Mapping[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def open(self) -> bool:
        """Connect to the session bus; False where the server has no buttons."""
        if self._router is not None:
            return True
        try:
            from jeepney import MatchRule, new_method_call
            from jeepney.bus_messages import message_bus
            from jeepney.io.threading import DBusRouter, open_dbus_connection

            connection = open_dbus_connection(bus="SESSION")
            router = DBusRouter(connection)
            capabilities = router.send_and_get_reply(
                new_method_call(_address(), "GetCapabilities"), timeout=CALL_TIMEOUT
            ).body[0]
            if "actions" not in capabilities:
                router.close()
                connection.close()
                return False
            rule = MatchRule(type="signal", interface=NOTIFICATIONS, path=PATH)
            router.send_and_get_reply(message_bus.AddMatch(rule), timeout=CALL_TIMEOUT)
            router.filter(rule, queue=self._signals)
        except Exception as error:  # no bus, refused, timed out: text only
            self._log.info("notifications without buttons: %s", type(error).__name__)
            return False
        self._router, self._connection = router, connection
        threading.Thread(target=self._listen, name="notification-buttons", daemon=True).start()
        return True

    def show(self, title: str, body: str, buttons: Sequence[Button], timeout_ms: int) -> None:
        """Show the notification; raises whatever the bus raises."""
        from jeepney import new_method_call

        keys: dict[str, Mapping[str, str]] = {}
        actions: list[str] = []
        for number, button in enumerate(buttons):
            if button.default:
                keys["default"] = button.choice
                actions += ["default", button.label]
            keys[f"b{number}"] = button.choice
            actions += [f"b{number}", button.label]
        call = new_method_call(
            _address(),
            "Notify",
            "susssasa{sv}i",
            (self._app_name, 0, "", title, body, actions, {}, timeout_ms),
        )
        reply = self._router.send_and_get_reply(call, timeout=CALL_TIMEOUT)
        with self._lock:
            self._pending[int(reply.body[0])] = keys
            while len(self._pending) > REMEMBERED:
                self._pending.popitem(last=False)

    def close(self) -> None:
        if self._router is not None:
            self._router.close()
            self._connection.close()
            self._router = self._connection = None
        self._signals.put(None)

    def _listen(self) -> None:
        """Blocks on the queue between signals: no work while nothing is clicked."""
        from jeepney.low_level import HeaderFields

        while (message := self._signals.get()) is not None:
            member = message.header.fields.get(HeaderFields.member)
            if member == "ActionInvoked":
                number, key = message.body
                with self._lock:
                    choice = self._pending.pop(number, {}).get(key)
                if choice is not None:
                    self._chosen(choice)
            elif member == "NotificationClosed":
                with self._lock:
                    self._pending.pop(message.body[0], None)


def _address() -> Any:
    from jeepney import DBusAddress

    return DBusAddress(PATH, bus_name=NOTIFICATIONS, interface=NOTIFICATIONS)
