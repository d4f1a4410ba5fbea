"""The tray icon against a real tray host (trayer under Xvfb): the agent starts its tray
process, the icon docks, a right click opens the menu, and choosing an item with the
keyboard reaches the agent (Quit stops it cleanly). A screenshot of each language goes
to ``docs/screenshots``. The menu's other callbacks are called directly on pystray's
dummy backend."""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from retention_agent.agent import heartbeat
from retention_agent.launch import retention_command
from tests.support.desktop import Desktop, desktop, missing, trayer, wait_until
from tests.support.processes import ROOT, key_file_env, python_module

SCREENSHOTS = ROOT / "docs" / "screenshots"
# Set to refresh docs/screenshots/tray-<lang>.png from the test (case ids are random,
# so every run would otherwise change the pictures in the checkout).
# Read at import: the autouse fixture clears every RETENTION_* variable before a test.
REFRESH_SCREENSHOTS = bool(os.environ.get("RETENTION_SCREENSHOTS"))
NEEDED = ("Xvfb", "dbus-daemon", "trayer", "xdotool", "xwininfo", "import")


def gi_reason() -> str | None:
    """The tray's menu needs PyGObject in this interpreter (see the README)."""
    try:
        import gi

        gi.require_version("Gtk", "3.0")
        from gi.repository import Gtk  # noqa: F401
    except (ImportError, ValueError) as error:
        return (
            f"PyGObject with GTK 3 is not importable here ({error}); .ci/run makes the venv "
            "from Debian's python3 with --system-site-packages and python3-gi"
        )
    return None


real_tray = pytest.mark.skipif(
    not sys.platform.startswith("linux") or bool(missing(*NEEDED) or gi_reason()),
    reason=missing(*NEEDED) or gi_reason() or "needs Linux",
)


@pytest.fixture
def session() -> Iterator[Desktop]:
    with tempfile.TemporaryDirectory(prefix="ra-") as root, desktop(Path(root)) as found:
        yield found


def read_line(stream: IO[str], timeout: float) -> dict[str, Any] | None:
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    try:
        if not selector.select(timeout):
            return None
    finally:
        selector.close()
    line = stream.readline()
    return json.loads(line) if line else None


def icon_box(session: Desktop) -> tuple[int, int, int, int] | None:
    """(x, y, width, height) of the icon docked in trayer: the first child of trayer's
    "panel" window bigger than a pixel (a GTK icon's window is named after the script,
    not the icon, so the name cannot find it)."""
    tree = subprocess.run(
        ["xwininfo", "-root", "-tree"], env=session.env, capture_output=True, text=True
    ).stdout.splitlines()
    panel = next((n for n, line in enumerate(tree) if '"panel"' in line), None)
    if panel is None:
        return None
    depth = len(tree[panel]) - len(tree[panel].lstrip())
    for line in tree[panel + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= depth:
            break
        found = re.search(r"(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)\s*$", line)
        if found:
            width, height, x, y = map(int, found.groups())
            if width > 1 and height > 1:
                return x, y, width, height
    return None


def popup_menu_open(session: Desktop) -> bool:
    from Xlib import X
    from Xlib.display import Display

    connection = Display(session.display)
    try:
        kind = connection.intern_atom("_NET_WM_WINDOW_TYPE")
        popup = connection.intern_atom("_NET_WM_WINDOW_TYPE_POPUP_MENU")
        for window in connection.screen().root.query_tree().children:
            if window.get_attributes().map_state != X.IsViewable:
                continue
            types = window.get_full_property(kind, X.AnyPropertyType)
            if types is not None and popup in types.value:
                return True
    finally:
        connection.close()
    return False


def open_menu(session: Desktop) -> None:
    """Right-click the docked icon until its menu is open (an icon that has just docked
    may be embedded again, or not take clicks yet, on a busy machine)."""
    end = time.monotonic() + 60
    while time.monotonic() < end:
        box = icon_box(session)
        if box is None:
            time.sleep(0.1)
            continue
        x, y, width, height = box
        subprocess.run(
            ["xdotool", "mousemove", str(x + width // 2), str(y + height // 2), "click", "3"],
            env=session.env,
            check=True,
        )
        opened = time.monotonic() + 3
        while time.monotonic() < opened:
            if popup_menu_open(session):
                return
            time.sleep(0.1)
    raise AssertionError("the menu did not open")


def looks_like_an_attention_icon_and_a_menu(picture: Path) -> None:
    from PIL import Image, ImageStat

    with Image.open(picture) as image:
        rgb = image.convert("RGB")
        pixel = rgb.getpixel((7, 16))  # the disc left of the "!": orange
        assert isinstance(pixel, tuple)
        red, green, blue = pixel[:3]
        assert red > 180, pixel
        assert 40 < green < 140, pixel
        assert blue < 80, pixel
        menu = ImageStat.Stat(rgb.crop((10, 40, 280, 160))).mean
        assert min(menu) > 150, menu  # a light menu, not the black screen


def screenshot(session: Desktop, target: Path) -> None:
    subprocess.run(
        [
            "import",
            "-window",
            "root",
            "-crop",
            "460x330+0+0",
            "+repage",
            "-strip",
            "-define",
            "png:exclude-chunks=date,time",
            str(target),
        ],
        env=session.env,
        check=True,
        timeout=30,
    )


@pytest.fixture
def vault_with_case(tmp_path: Path) -> str:
    env = key_file_env()
    assert python_module("retention_agent", "init", env=env).returncode == 0
    made = python_module(
        "retention_agent", "case", "new", "--child", "Barn A", "--start", "2026-03-01", env=env
    )
    case_id = made.stdout.strip()
    paper = tmp_path / "matchpapir.pdf"
    paper.write_bytes(b"%PDF synthetic")
    added = python_module(
        "retention_agent", "add", str(paper), "--case", case_id, "--kind", "match_paper", env=env
    )
    assert added.returncode == 0, added.stderr
    person = ("contact-person", "set", "--name", "Mette Hansen", "--phone", "+45 12 34 56 78")
    assert python_module("retention_agent", *person, env=env).returncode == 0
    return case_id


@real_tray
@pytest.mark.parametrize(
    ("language", "keys", "backend"),
    [("da", ["Up", "Return"], "appindicator"), ("en", ["Up", "Return"], "gtk")],
)
def test_the_agents_tray_docks_shows_its_menu_and_quits_the_agent(
    session: Desktop,
    vault_with_case: str,
    vault_home: Path,
    tmp_path: Path,
    language: str,
    keys: list[str],
    backend: str,
) -> None:
    env = key_file_env(
        DISPLAY=session.display,
        DBUS_SESSION_BUS_ADDRESS=session.bus,
        NO_AT_BRIDGE="1",
        RETENTION_NOW="2027-03-05",  # the year is over: a decision and a deletion wait
        PYSTRAY_BACKEND=backend,
    )
    with trayer(session):
        agent = subprocess.Popen(
            [*retention_command("agent", "run", "--lang", language)],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:

            def shown() -> bool:
                beat = heartbeat.read(vault_home)  # written after the status went to the tray
                return beat is not None and beat.tray == "running" and beat.last_check is not None

            wait_until(shown, "the agent's status in its tray")
            open_menu(session)
            time.sleep(0.3)  # let GTK paint the menu before the screenshot
            picture = tmp_path / f"tray-{language}.png"
            screenshot(session, picture)
            looks_like_an_attention_icon_and_a_menu(picture)
            if REFRESH_SCREENSHOTS:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(picture, SCREENSHOTS / picture.name)
            subprocess.run(["xdotool", "key", *keys], env=session.env, check=True)
            assert agent.wait(timeout=30) == 0  # "Quit" stops the agent cleanly
        finally:
            if agent.poll() is None:
                os.killpg(agent.pid, 9)
                agent.wait()
    beat = heartbeat.read(vault_home)
    assert beat is not None
    assert beat.running is False
    assert not heartbeat.status(vault_home).running


@real_tray
def test_the_tray_process_reports_choices_as_json(session: Desktop) -> None:
    with trayer(session):
        tray = subprocess.Popen(
            retention_command("agent", "tray", "--lang", "en"),
            env={**session.env, "PYSTRAY_BACKEND": "gtk"},
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        assert tray.stdin is not None
        assert tray.stdout is not None
        try:
            assert read_line(tray.stdout, 20) == {"type": "ready", "backend": "gtk"}
            status = {
                "type": "status",
                "attention": False,
                "lines": ["Case 4f2a9b: 1 March 2027 – delete the match paper"],
                "exportable": [],
                "due_waiting": False,
            }
            tray.stdin.write(json.dumps(status) + "\n")
            tray.stdin.flush()
            open_menu(session)
            # Disabled lines are skipped: the first item Down reaches is "Open the inbox".
            subprocess.run(["xdotool", "key", "Down", "Return"], env=session.env, check=True)
            assert read_line(tray.stdout, 20) == {"type": "action", "action": "open_inbox"}
            tray.stdin.close()  # the agent went away: the tray ends too
            assert tray.wait(timeout=20) == 0
        finally:
            if tray.poll() is None:
                os.killpg(tray.pid, 9)
                tray.wait()


def test_every_menu_callback_reaches_the_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYSTRAY_BACKEND", "dummy")
    import pystray

    from retention_agent.desktop.tray import TrayState, menu_items

    sent: list[dict[str, Any]] = []
    state = TrayState()
    state.update(
        {
            "lines": ["Case 4f2a9b: now – delete photos"],
            "exportable": ["4f2a9b", "9c81d0"],
            "due_waiting": True,
        }
    )
    items = [item for item in menu_items(pystray, state, sent.append) if item.text != "- - - -"]
    icon = pystray.Icon("test")
    by_text = {item.text: item for item in items}
    assert not by_text["Case 4f2a9b: now – delete photos"].enabled
    by_text["Open the inbox"](icon)
    by_text["Delete what is due now"](icon)
    for export in by_text["Export photos"].submenu.items:
        export(icon)
    by_text["Quit the agent"](icon)
    assert sent == [
        {"type": "action", "action": "open_inbox"},
        {"type": "action", "action": "delete_due"},
        {"type": "action", "action": "export_photos", "case": "4f2a9b"},
        {"type": "action", "action": "export_photos", "case": "9c81d0"},
        {"type": "action", "action": "quit"},
    ]
    state.update({"lines": [], "exportable": [], "due_waiting": False})
    quiet = {item.text: item for item in menu_items(pystray, state, sent.append)}
    assert not quiet["Delete what is due now"].enabled
    assert not quiet["Export photos"].enabled
    assert "No cases yet" in quiet


def test_copies_outside_the_vault_and_the_contact_person_in_the_menu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYSTRAY_BACKEND", "dummy")
    import pystray

    from retention_agent.desktop.tray import TrayState, menu_items

    sent: list[dict[str, Any]] = []
    state = TrayState()
    state.update(
        {
            "lines": [],
            "leftovers": {
                "copies": 2,
                "likely": 1,
                "papers": [{"id": "a1b2c3d4", "name": "profil.pdf", "cases": ["4f2a9b"]}],
            },
            "contact": {"name": "Mette Kontaktsen", "phone": "+45 12 34 56 78", "email": None},
        }
    )
    icon = pystray.Icon("test")
    by_text = {item.text: item for item in menu_items(pystray, state, sent.append)}
    found = {item.text: item for item in by_text["Copies outside the vault"].submenu.items}
    assert list(found) == [
        "Remove 2 copies of vault items",
        "1 photo looks like one in the vault: see 'retention scan'",
        "A match paper? profil.pdf",
    ]
    assert not found["1 photo looks like one in the vault: see 'retention scan'"].enabled
    found["Remove 2 copies of vault items"](icon)
    for choice in found["A match paper? profil.pdf"].submenu.items:
        choice(icon)
    contact = [item.text for item in by_text["Call your contact person"].submenu.items]
    assert contact == ["Mette Kontaktsen", "+45 12 34 56 78"]
    assert sent == [
        {"type": "action", "action": "remove_copies"},
        {"type": "action", "action": "take_in", "finding": "a1b2c3d4", "case": "4f2a9b"},
        {"type": "action", "action": "remove_paper", "finding": "a1b2c3d4"},
    ]
    state.update({"lines": [], "contact": None})
    quiet = {item.text: item for item in menu_items(pystray, state, sent.append)}
    assert not quiet["Copies outside the vault"].enabled
    hint = [item.text for item in quiet["Call your contact person"].submenu.items]
    assert hint == ["Not recorded yet: retention contact-person set --name …"]
    state.update({"lines": []})  # not known yet (no key so far): not shown
    assert "Call your contact person" not in [
        i.text for i in menu_items(pystray, state, sent.append)
    ]
