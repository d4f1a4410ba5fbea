"""The tray icon, run as its own small process (``retention agent tray``) so that GTK's
memory is not the agent's. It knows nothing of the vault: the agent writes its status
to the tray's standard input and reads the family's choices from its standard output,
one JSON object per line.

agent -> tray::

    {"type": "status", "attention": true, "lines": ["Sag 4f2a9b: …"],
     "exportable": ["4f2a9b"], "due_waiting": false,
     "leftovers": {"copies": 2, "likely": 1,
                   "papers": [{"id": "a1b2c3d4", "name": "profil.pdf", "cases": ["4f2a9b"]}]},
     "contact": {"name": "…", "phone": "…", "email": "…"} | null}   (absent: not known yet)
    {"type": "quit"}                       (or end of input)

tray -> agent::

    {"type": "ready", "backend": "gtk"}
    {"type": "unavailable", "reason": "no_display" | "no_menu"}   then exit 3
    {"type": "action", "action": "open_inbox" | "delete_due" | "remove_copies" | "quit"}
    {"type": "action", "action": "export_photos", "case": "4f2a9b"}
    {"type": "action", "action": "take_in", "finding": "a1b2c3d4", "case": "4f2a9b"}
    {"type": "action", "action": "remove_paper", "finding": "a1b2c3d4"}

The tray is the family's own screen: it shows their Red Barnet contact person's details
and the names of PDFs found, which notifications (on a lock screen) never do.

Only a backend with a menu counts: pystray's plain X11 backend shows an icon that
ignores every click (see ``shared/DESKTOP-NOTES.md``), so there it reports "no_menu".
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from retention_agent.desktop.icons import icon as draw_icon
from retention_agent.i18n import _, ngettext

UNAVAILABLE = 3
Emit = Callable[[dict[str, Any]], None]


@dataclass
class TrayState:
    attention: bool = False
    lines: list[str] = field(default_factory=list)
    exportable: list[str] = field(default_factory=list)
    due_waiting: bool = False
    leftovers: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] | None = None
    contact_known: bool = False

    def update(self, message: dict[str, Any]) -> None:
        self.attention = bool(message.get("attention", False))
        self.lines = [str(line) for line in message.get("lines", [])]
        self.exportable = [str(case) for case in message.get("exportable", [])]
        self.due_waiting = bool(message.get("due_waiting", False))
        leftovers = message.get("leftovers")
        self.leftovers = leftovers if isinstance(leftovers, dict) else {}
        self.contact_known = "contact" in message
        contact = message.get("contact")
        self.contact = contact if isinstance(contact, dict) else None


def writer(stream: IO[str]) -> Emit:
    lock = threading.Lock()

    def emit(message: dict[str, Any]) -> None:
        with lock:
            stream.write(json.dumps(message) + "\n")
            stream.flush()

    return emit


def menu_items(pystray: Any, state: TrayState, emit: Emit) -> Iterator[Any]:
    """The menu, built afresh from ``state`` each time it is shown."""
    item, separator = pystray.MenuItem, pystray.Menu.SEPARATOR

    def action(name: str, **extra: str) -> Callable[..., None]:
        def run(*_args: Any) -> None:
            emit({"type": "action", "action": name, **extra})

        return run

    for line in state.lines or [_("No cases yet")]:
        yield item(line, None, enabled=False)
    yield separator
    yield item(_("Open the inbox"), action("open_inbox"), default=True)
    exports = [item(case, action("export_photos", case=case)) for case in state.exportable]
    yield item(
        _("Export photos"),
        pystray.Menu(*exports) if exports else None,
        enabled=bool(exports),
    )
    yield item(_("Delete what is due now"), action("delete_due"), enabled=state.due_waiting)
    found = list(leftover_items(pystray, state.leftovers, action))
    yield item(
        _("Copies outside the vault"),
        pystray.Menu(*found) if found else None,
        enabled=bool(found),
    )
    yield separator
    if state.contact_known:
        yield contact_item(pystray, state.contact)
        yield separator
    yield item(_("Quit the agent"), action("quit"))


def leftover_items(
    pystray: Any, leftovers: dict[str, Any], action: Callable[..., Callable[..., None]]
) -> Iterator[Any]:
    item = pystray.MenuItem
    copies = int(leftovers.get("copies", 0))
    likely = int(leftovers.get("likely", 0))
    if copies:
        label = ngettext(
            "Remove the copy of a vault item", "Remove {n} copies of vault items", copies
        )
        yield item(label.format(n=copies), action("remove_copies"))
    if likely:
        label = ngettext(
            "{n} photo looks like one in the vault: see 'retention scan'",
            "{n} photos look like ones in the vault: see 'retention scan'",
            likely,
        )
        yield item(label.format(n=likely), None, enabled=False)
    for paper in leftovers.get("papers", []):
        token = str(paper.get("id", ""))
        choices = [
            item(
                _("Take it into case {case}").format(case=case),
                action("take_in", finding=token, case=str(case)),
            )
            for case in paper.get("cases", [])
        ]
        choices.append(item(_("Remove it"), action("remove_paper", finding=token)))
        name = _("A match paper? {name}").format(name=str(paper.get("name", "")))
        yield item(name, pystray.Menu(*choices))


def contact_item(pystray: Any, contact: dict[str, Any] | None) -> Any:
    """ "Ring til jeres kontaktperson" with the details, or how to record them."""
    item = pystray.MenuItem
    if contact is None:
        lines = [_("Not recorded yet: retention contact-person set --name …")]
    else:
        lines = [str(contact.get(key)) for key in ("name", "phone", "email") if contact.get(key)]
    details = [item(line, None, enabled=False) for line in lines]
    return item(_("Call your contact person"), pystray.Menu(*details))


def tooltip(state: TrayState) -> str:
    if state.attention:
        return _("Hjem til Os vault: something needs your attention")
    return _("Hjem til Os vault: nothing needs your attention")


def run(stdin: IO[str], stdout: IO[str]) -> int:
    emit = writer(stdout)
    try:
        import pystray
    except Exception as error:  # Xlib raises DisplayNameError, not ImportError
        emit({"type": "unavailable", "reason": "no_display", "detail": type(error).__name__})
        return UNAVAILABLE
    if not pystray.Icon.HAS_MENU:
        emit({"type": "unavailable", "reason": "no_menu"})
        return UNAVAILABLE
    state = TrayState()
    stopping = threading.Event()
    tray = pystray.Icon(
        "retention-agent",
        icon=draw_icon(False),
        title=tooltip(state),
        menu=pystray.Menu(lambda: menu_items(pystray, state, emit)),
    )

    def follow_agent() -> None:
        for line in stdin:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("type") == "quit":
                break
            if message.get("type") == "status":
                state.update(message)
                tray.icon = draw_icon(state.attention)
                tray.title = tooltip(state)
                tray.update_menu()
        stopping.set()
        tray.stop()  # end of input: the agent is gone

    def setup(icon: Any) -> None:
        icon.visible = True
        emit({"type": "ready", "backend": type(icon).__module__.rsplit("_", 1)[-1]})
        threading.Thread(target=follow_agent, name="agent-link", daemon=True).start()

    try:
        tray.run(setup=setup)
    except Exception:
        # pystray's GTK backends, stopping, hide their own notification through D-Bus
        # and raise where no notification server runs; the icon is gone all the same.
        if not stopping.is_set():
            raise
    return 0


def main() -> int:
    # GTK's accessibility bridge starts helpers that outlive us; the tray needs none.
    os.environ.setdefault("NO_AT_BRIDGE", "1")
    return run(sys.stdin, sys.stdout)
