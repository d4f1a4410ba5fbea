"""The demo's look at the background agent: it runs (without a tray) against the demo
vault, a photo is dropped into the inbox, the agent takes it into the vault, and the
notification it sent is shown from its log (which is where notifications go when no
notification service runs)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from retention_agent.agent import heartbeat
from retention_agent.agent.inbox import INBOX, KIND_FOLDERS
from retention_agent.agent.main import LOG_FILE
from retention_agent.demo import synthetic
from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_, Language, _, translations
from retention_agent.launch import retention_command

if TYPE_CHECKING:
    from retention_agent.demo.tour import Tour

WAIT_SECONDS = 60.0


class AgentDemoFailed(RetentionError):
    message = N_("The demo stopped: the agent did not answer in time.")
    exit_code = ExitCode.FAILURE


def show_agent(tour: Tour, case_id: str) -> None:
    tour.heading(_("The agent in the background takes a dropped photo into the vault"))
    tour.echo(f"$ RETENTION_NOW={tour.today.isoformat()} retention agent run --no-tray &")
    agent = subprocess.Popen(
        retention_command("agent", "run", "--no-tray", "--lang", tour.language),
        env=tour.env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        folder = _photo_inbox(tour.home, case_id, tour.language)
        _wait(lambda: heartbeat.status(tour.home).running and folder.is_dir())
        # Written beside the inbox and moved in, as a finished download appears.
        staged = synthetic.photo_jpeg(
            tour.inbox / "IMG_0042.jpg", seed=42, taken=dt.datetime(2026, 12, 24, 15, 0)
        )
        dropped = folder / staged.name
        os.replace(staged, dropped)
        tour.echo("  " + _("A photo is put into {folder}").format(folder=_shown(tour, folder)))
        _wait(lambda: not dropped.exists())
        tour.echo("  " + _("The agent took it into the vault and removed the original."))
        for line in _notifications(tour.home):
            tour.echo("  " + _("Notification: {text}").format(text=line))
    finally:
        if agent.poll() is None:
            agent.send_signal(signal.SIGTERM)
        agent.wait(timeout=WAIT_SECONDS)
    tour.run("list", "--case", case_id, "--kind", "photo")


def _photo_inbox(home: Path, case_id: str, language: Language) -> Path:
    catalog = translations(language)
    return home / catalog.gettext(INBOX) / case_id / catalog.gettext(KIND_FOLDERS["photo"])


def _shown(tour: Tour, folder: Path) -> str:
    return str(folder.relative_to(tour.home))


def _wait(done: Callable[[], bool]) -> None:
    end = time.monotonic() + WAIT_SECONDS
    while not done():
        if time.monotonic() > end:
            raise AgentDemoFailed()
        time.sleep(0.05)


def _notifications(home: Path) -> list[str]:
    """The texts the agent sent, from its log: headline – body."""
    found = []
    for line in (home / LOG_FILE).read_text(encoding="utf-8").splitlines():
        _, marker, text = line.partition(" notification: ")
        if marker:
            headline, _bar, body = text.partition(" | ")
            found.append(f"{headline} – {body}")
    return found
