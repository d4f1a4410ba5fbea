"""Real desktop services for tests, each started here and stopped at the end: an X
server (Xvfb on a free display), a private D-Bus session bus (no service activation,
so nothing starts behind the test's back), the dunst notification server, and the
trayer tray host. Every process runs in its own process group, which is killed whole.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.secret_service import BUS_CONFIG, _first_line

START_TIMEOUT = 45.0  # generous: other test runs may load the machine


def missing(*programs: str) -> str | None:
    """A skip reason naming the programs that are not installed, or None."""
    absent = [name for name in programs if shutil.which(name) is None]
    if not absent:
        return None
    return f"{', '.join(absent)} not installed (see .ci/apt-packages-desktop.txt)"


def start(command: list[str], env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        except ProcessLookupError:
            pass


def wait_until(condition: Callable[[], bool], what: str, timeout: float = START_TIMEOUT) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@contextmanager
def xvfb(root: Path) -> Iterator[str]:
    """An X server on a display it picks itself; yields ``:N``."""
    read, write = os.pipe()
    process = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write),
            "-screen",
            "0",
            "1024x768x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ],
        pass_fds=(write,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=(root / "xvfb.log").open("wb"),
        start_new_session=True,
    )
    os.close(write)
    try:
        with os.fdopen(read, "rb") as stream:
            number = _first_line(stream, time.monotonic() + START_TIMEOUT, root).strip()
        yield f":{number}"
    finally:
        stop(process)


@contextmanager
def session_bus(root: Path) -> Iterator[str]:
    """A private session bus without activation; yields its address."""
    (root / "bus").mkdir(mode=0o700)
    config = root / "bus.conf"
    config.write_text(BUS_CONFIG.format(folder=root / "bus"))
    process = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=(root / "bus.log").open("wb"),
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        yield _first_line(process.stdout, time.monotonic() + START_TIMEOUT, root)
    finally:
        stop(process)
        if process.stdout is not None:
            process.stdout.close()


@dataclass(frozen=True)
class Desktop:
    root: Path
    display: str
    bus: str

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DISPLAY": self.display,
            "DBUS_SESSION_BUS_ADDRESS": self.bus,
            "NO_AT_BRIDGE": "1",
        }


@contextmanager
def desktop(root: Path) -> Iterator[Desktop]:
    with xvfb(root) as display, session_bus(root) as bus:
        yield Desktop(root, display, bus)


def bus_has(bus: str, name: str) -> bool:
    from jeepney import DBus
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus=bus) as connection:
        reply = connection.send_and_get_reply(DBus().NameHasOwner(name), timeout=2)
        return bool(reply.body[0])


@contextmanager
def dunst(session: Desktop, config: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    command = ["dunst"] if config is None else ["dunst", "-config", str(config)]
    process = start(command, session.env, session.root / "dunst.log")
    try:
        wait_until(
            lambda: bus_has(session.bus, "org.freedesktop.Notifications"), "dunst on the bus"
        )
        yield process
    finally:
        os.kill(process.pid, signal.SIGCONT)  # in case a test froze it
        stop(process)


def dunst_history(session: Desktop) -> list[dict[str, str]]:
    """What dunst showed, oldest first: appname, summary and body of each."""
    env = session.env
    subprocess.run(["dunstctl", "close-all"], env=env, check=True, timeout=10)
    shown = subprocess.run(
        ["dunstctl", "history"], env=env, capture_output=True, text=True, check=True, timeout=10
    )
    entries = json.loads(shown.stdout)["data"][0]
    return [
        {key: entry[key]["data"] for key in ("appname", "summary", "body")}
        for entry in reversed(entries)
    ]


@contextmanager
def trayer(session: Desktop) -> Iterator[subprocess.Popen[bytes]]:
    command = [
        "trayer",
        "--edge",
        "top",
        "--align",
        "left",
        "--widthtype",
        "pixel",
        "--width",
        "200",
        "--height",
        "32",
    ]
    log = session.root / "trayer.log"
    process = start(command, session.env, log)
    try:
        try:
            wait_until(lambda: tray_owned(session), "trayer to own the tray selection")
        except AssertionError as error:
            sockets = sorted(os.listdir("/tmp/.X11-unix"))
            raise AssertionError(
                f"{error}; exit {process.poll()}; X sockets {sockets}; log: {log.read_text()}"
            ) from None
        yield process
    finally:
        stop(process)


def tray_owned(session: Desktop) -> bool:
    """Whether a tray host owns the system tray selection of screen 0."""
    from Xlib import X
    from Xlib.display import Display

    connection = Display(session.display)
    try:
        owner = connection.get_selection_owner(connection.intern_atom("_NET_SYSTEM_TRAY_S0"))
    finally:
        connection.close()
    return bool(owner != X.NONE)
