"""A real Secret Service for tests: a private D-Bus session bus with an unlocked
gnome-keyring on it, both started here and stopped at the end.

Nothing touches the developer's own session: the bus has its own configuration and
socket under the test's folder, gnome-keyring keeps its keyrings there too, and the bus
address is only handed to the caller (tests put it into ``DBUS_SESSION_BUS_ADDRESS``
with monkeypatch). ``--unlock`` reads a password on stdin and creates the "login"
collection with it, unlocked, which becomes the default collection keyring uses.

Linux only; needs ``dbus-daemon`` and ``gnome-keyring-daemon`` (Debian packages
``dbus-daemon`` and ``gnome-keyring``, see ``.ci/apt-packages-keystore.txt``).
"""

from __future__ import annotations

import os
import selectors
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO

BINARIES = ("dbus-daemon", "gnome-keyring-daemon")
INSTALL_HINT = "apt-get install dbus-daemon gnome-keyring"
KEYRING_PASSWORD = b"test keyring password"
START_TIMEOUT = 15.0

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={folder}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class SecretServiceError(RuntimeError):
    """The daemons are installed but did not come up; the message carries their logs."""


def unavailable_reason() -> str | None:
    """Why a real Secret Service cannot run here, or None if it can."""
    if not sys.platform.startswith("linux"):
        return "the Secret Service tests need Linux"
    missing = [name for name in BINARIES if shutil.which(name) is None]
    if missing:
        return f"{' and '.join(missing)} not installed: {INSTALL_HINT}"
    return None


@contextmanager
def secret_service(root: Path, timeout: float = START_TIMEOUT) -> Iterator[str]:
    """Run a session bus and an unlocked gnome-keyring under ``root``; yield the bus address.

    ``root`` must be short: it holds the bus's Unix socket (at most 107 bytes of path).
    """
    deadline = time.monotonic() + timeout
    for sub in ("bus", "home", "data", "config", "cache", "run"):
        (root / sub).mkdir(mode=0o700, parents=True)
    config = root / "bus.conf"
    config.write_text(BUS_CONFIG.format(folder=root / "bus"))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(root / "home"),
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_CACHE_HOME": str(root / "cache"),
        "XDG_RUNTIME_DIR": str(root / "run"),
        "LANG": "C.UTF-8",
    }
    with (root / "bus.log").open("wb") as bus_log, (root / "keyring.log").open("wb") as key_log:
        bus = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=bus_log,
            env=env,
        )
        try:
            assert bus.stdout is not None
            address = _first_line(bus.stdout, deadline, root)
            daemon = subprocess.Popen(
                ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=key_log,
                env={**env, "DBUS_SESSION_BUS_ADDRESS": address},
            )
            try:
                assert daemon.stdin is not None
                # No newline: it would become part of the password.
                daemon.stdin.write(KEYRING_PASSWORD)
                daemon.stdin.close()
                _wait_until_unlocked(address, daemon, deadline, root)
                yield address
            finally:
                _stop(daemon)
        finally:
            _stop(bus)


def _first_line(stream: IO[bytes], deadline: float, root: Path) -> str:
    """The address dbus-daemon prints once it listens, without blocking past ``deadline``."""
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    received = b""
    with closing(selector):
        while b"\n" not in received:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise SecretServiceError(f"dbus-daemon printed no address. {_logs(root)}")
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                raise SecretServiceError(f"dbus-daemon exited. {_logs(root)}")
            received += chunk
    return received.split(b"\n", 1)[0].decode()


def _wait_until_unlocked(
    address: str, daemon: subprocess.Popen[bytes], deadline: float, root: Path
) -> None:
    """gnome-keyring answers on the bus a moment after it starts, and creates the login
    collection a moment after that: poll both, with a deadline."""
    import secretstorage
    from jeepney.io.blocking import open_dbus_connection

    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise SecretServiceError(f"gnome-keyring-daemon exited. {_logs(root)}")
        with closing(open_dbus_connection(bus=address)) as connection:
            if secretstorage.check_service_availability(connection):
                try:
                    if not secretstorage.get_default_collection(connection).is_locked():
                        return
                except secretstorage.exceptions.SecretStorageException:
                    pass  # no default collection yet
        time.sleep(0.05)
    raise SecretServiceError(f"gnome-keyring did not unlock in time. {_logs(root)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None and not stream.closed:
            stream.close()


def _logs(root: Path) -> str:
    return " ".join(
        f"{name}: {(root / name).read_text(errors='replace').strip() or '(empty)'}"
        for name in ("bus.log", "keyring.log")
    )
