"""The agent's loop: ``retention agent run`` builds an :class:`Agent` and calls ``run``.

It sleeps until something happens: a file event, a message from the tray, a signal, or
the next tick (``TICK_SECONDS``), at which it only checks its ``wakeups``. The schedule
is evaluated on start, when the date changes, when the clock jumps (the machine woke
from sleep, or the time was changed) and when the index changed (a CLI command recorded
something). The inbox is rescanned on start and every ``RESCAN_SECONDS``, since watchers
drop events.

Every step runs on this one thread, so a signal only sets a flag: the step in progress
(an ingest, a deletion) finishes, or is journaled by the vault, before the loop ends.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import re
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from retention_agent import announce, clock
from retention_agent.agent import heartbeat, intake, memory, texts
from retention_agent.agent.inbox import Inbox, Settler
from retention_agent.agent.keyholder import KeyHolder
from retention_agent.agent.tray_link import tray_status
from retention_agent.agent.wakeups import Wakeups
from retention_agent.agent.watch import ObserverKind, Watcher
from retention_agent.desktop.notify import Notifier
from retention_agent.enforce import CaseTimeline, apply_due, read_timelines
from retention_agent.errors import ExitCode, RetentionError
from retention_agent.vault import index
from retention_agent.vault.receipts import Receipt
from retention_agent.vault.teardown import MARKER
from retention_agent.vault.vault import INDEX

TICK_SECONDS = 60.0
RESCAN_SECONDS = 300.0
BUSY_RETRY = 15.0  # seconds before files wait again for a vault another command holds
CASE_ID = re.compile(r"^[0-9a-f]{6}$")

Tray = Any  # a TrayLink, or None without a tray


class Agent:
    def __init__(
        self,
        home: Path,
        notifier: Notifier,
        keys: KeyHolder,
        log: logging.Logger,
        *,
        now: Callable[[], dt.datetime] = clock.now,
        observer: ObserverKind = "native",
        wizard: Callable[[str], None] | None = None,
        open_folder: Callable[[Path], None] | None = None,
    ) -> None:
        self.home = home
        self.inbox = Inbox(home)
        self.notifier = notifier
        self.keys = keys
        self.log = log
        self._now = now
        self._wizard = wizard
        self._open_folder = open_folder
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._wake = threading.Event()
        self._stopping = False
        self.settler = Settler()
        self.watcher = Watcher(self._hint, observer)
        self.tray: Tray = None
        self.memory = memory.load(home)
        self.timelines: list[CaseTimeline] = []
        self.plan: announce.Plan | None = None
        self.problems: set[str] = set()
        started = now()
        self.beat = heartbeat.Heartbeat(pid=os.getpid(), started=started, last_action_at=started)
        self._evaluated_on: dt.date | None = None
        self.wakeups = Wakeups(home)
        self._next_rescan = 0.0

    # --- running --------------------------------------------------------------------

    def run(self) -> int:
        """Until a signal, the tray's Quit or the end; returns the exit code."""
        on_main = threading.current_thread() is threading.main_thread()
        signals = _STOP_SIGNALS if on_main else ()  # only the main thread may set them
        previous = {sig: signal.signal(sig, self._on_signal) for sig in signals}
        self.watcher.start()
        try:
            self._write_beat()
            while not self._stopping:
                self.step()
                self._wake.wait(self._timeout())
                self._wake.clear()
        finally:
            self.watcher.stop()
            if self.tray is not None:
                self.tray.stop()
            self.beat = _replace(self.beat, running=False, tray="off")
            self._write_beat()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return ExitCode.OK

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def deliver(self, message: dict[str, Any]) -> None:
        """From other threads (the tray link): handled on the agent's thread."""
        self._messages.put(message)
        self._wake.set()

    def step(self) -> None:
        """One pass: messages, the schedule if anything moved, the inbox. A failure of
        the disk or the vault is logged (without paths) and tried again on a later pass:
        the agent keeps running."""
        try:
            if self._vault_gone():
                self.log.info("the vault is gone ('retention finish'): stopping")
                self.stop()
                return
            self._handle_messages()
            if self._stopping:
                return
            if self._schedule_moved():
                self.evaluate()
            if not self.inbox.root.is_dir():
                self._restore_inbox()
            if time.monotonic() >= self._next_rescan or self._follow():
                self.rescan()
            self.take_in_settled()
        except RetentionError as error:
            self._problem_from(error)
        except sqlite3.DatabaseError as error:
            self._problem_from(index.translate(error))
        except OSError as error:
            self.log.warning(
                "the operating system refused a file operation (error %s)", error.errno
            )

    def _vault_gone(self) -> bool:
        """Removed, or being removed: then nothing of the agent's may be made again."""
        return not (self.home / INDEX).is_file() or (self.home / MARKER).exists()

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.log.info("stopping on signal %s", signum)
        self.stop()

    def _hint(self, path: Path) -> None:
        self.deliver({"source": "watch", "path": str(path)})

    def _timeout(self) -> float:
        now = time.monotonic()
        deadlines = [now + TICK_SECONDS, self._next_rescan]
        settling = self.settler.next_due()
        if settling is not None:
            deadlines.append(settling)
        return max(0.0, min(deadlines) - now)

    # --- the schedule ---------------------------------------------------------------

    def _schedule_moved(self) -> bool:
        jumped = self.wakeups.clock_jumped()
        if jumped:
            self.log.info("the wall clock jumped (sleep or a changed clock): looking again")
        written = self.wakeups.index_written()
        return jumped or written or self._now().date() != self._evaluated_on

    def evaluate(self) -> None:
        """Read the timelines (no key), send what is due to be said, carry out what may
        be carried out, and show the result in the tray and the heartbeat."""
        moment = self._now()
        today = moment.date()
        self._evaluated_on = today
        try:
            self.timelines = read_timelines(self.home, today)
        except RetentionError as error:
            self._problem_from(error)
            return
        self.plan = announce.plan(self.timelines, self.memory, today)
        self.memory = self.plan.memory
        for notice in self.plan.notices:
            self._notify(*texts.notice_text(notice, today))
        if self.plan.allowed and "vault_damaged" not in self.problems:
            only = {item for unit in self.plan.allowed for item in unit.items}
            self._delete(moment, only)
        memory.save(self.home, self.memory)
        self.inbox.ensure(t.facts.id for t in self.timelines if t.assessment.phase != "closed")
        self._follow()
        self.beat = _replace(
            self.beat,
            last_check=moment,
            next_check=self.plan.next_date,
            waiting=tuple(dict.fromkeys(unit.case_id for unit in self.plan.waiting)),
        )
        self._show_tray(today)
        self._write_beat()

    def _delete(self, moment: dt.datetime, only: set[str] | None, ask_now: bool = False) -> None:
        try:
            with self.keys.vault(ask_now=ask_now) as vault:
                done = apply_due(vault, moment, only)
        except RetentionError as error:
            self._problem_from(error)
            return
        self._solved("key_unavailable")
        for receipt in done:
            self._report_deleted(receipt)
        if done:
            self._evaluated_on = None  # the timelines changed

    def _report_deleted(self, receipt: Receipt) -> None:
        body = receipt.body
        self.log.info("deleted in case %s, receipt %s", body["case"], receipt.seq)
        self._notify(*texts.deleted_text(body["case"], list(body["kinds"]), receipt.seq))
        self._acted("deleted")

    # --- the inbox ------------------------------------------------------------------

    def rescan(self) -> None:
        self._next_rescan = time.monotonic() + RESCAN_SECONDS
        if self._follow():
            self.log.info("watching the inbox folders")
        now = time.monotonic()
        present = set()
        for entry in self.inbox.entries():
            self.settler.hint(entry, now)
            present.add(intake.identity_of(entry))
        # A refusal is remembered while its file is there; gone and back, it is said again.
        stale = {
            key
            for key in self.memory.fired
            if key.startswith("e|refused|") and key.rsplit("|", 1)[-1] not in present
        }
        if stale:
            self.memory = replace(self.memory, fired=self.memory.fired - stale)
            memory.save(self.home, self.memory)

    def take_in_settled(self) -> None:
        ready = self.settler.ready(time.monotonic())
        if not ready:
            return
        moment = self._now()
        try:
            timelines = read_timelines(self.home, moment.date())
        except RetentionError as error:
            self._problem_from(error)
            return
        accepted, refused = intake.sort_out(self.inbox, ready, timelines, moment.date())
        outcome = intake.Outcome(refused=refused)
        if accepted and not self.problems & {"vault_damaged", "disk_full"}:
            try:
                with self.keys.vault() as vault:
                    intake.take_in(vault, accepted, moment, outcome)
            except RetentionError as error:
                self._problem_from(error)
                # They wait in the inbox for the next rescan; soon if the vault was busy.
                if error.exit_code == ExitCode.VAULT_STATE:
                    self._next_rescan = min(self._next_rescan, time.monotonic() + BUSY_RETRY)
            else:
                self._solved("key_unavailable")
        for path in outcome.again:
            self.settler.hint(path, time.monotonic())
        for refusal in outcome.refused:
            self._refuse(refusal)
        if outcome.skipped:
            self.log.info("skipped %s file(s) the vault already held", outcome.skipped)
            self._acted("skipped")
        if outcome.ingested:
            self.log.info("took %s file(s) from the inbox into the vault", outcome.ingested)
            self._acted("ingested")
            self._evaluated_on = None  # new items change the timelines
        if outcome.ingested or outcome.skipped:
            intake.tidy(self.inbox, [path for path, _place in accepted])

    def _look_at(self, path: Path) -> None:
        """A folder that appears (dropped whole, or the inbox made anew) is walked:
        files created in it before its watch existed raise no event of their own."""
        now = time.monotonic()
        place = self.inbox.place(path)
        if not path.exists() and (place is None or place.kind is None):
            self._restore_inbox()  # the inbox, a case's or a kind's folder was deleted
            return
        if path.is_dir() and not path.is_symlink():
            if path in self.inbox.roots() or self.inbox.place(path) is not None:
                for entry in self.inbox.entries(below=path):
                    self.settler.hint(entry, now)
            return
        self.settler.hint(path, now)

    def _follow(self) -> bool:
        return self.watcher.follow(self.inbox.roots(), self.home, self.inbox.names())

    def _restore_inbox(self) -> None:
        """Make the folders again and watch them anew (a native watch dies with its
        folder); files moved in meanwhile are found by the rescan."""
        self.inbox.ensure(t.facts.id for t in self.timelines if t.assessment.phase != "closed")
        if self._follow():
            self.rescan()

    def _refuse(self, refusal: intake.Refusal) -> None:
        key = f"e|refused|{refusal.code}|{refusal.case_id}|{refusal.kind}|{refusal.identity}"
        if key in self.memory.fired:
            return
        self.memory = announce.with_fired(self.memory, key)
        memory.save(self.home, self.memory)
        self.log.info("inbox entry refused (%s) in case %s", refusal.code, refusal.case_id)
        self._notify(*texts.refusal_text(refusal.code, refusal.case_id, refusal.kind))
        self._acted("refused")

    # --- messages from the tray and the watcher -------------------------------------

    def _handle_messages(self) -> None:
        while True:
            try:
                message = self._messages.get_nowait()
            except queue.Empty:
                return
            if message.get("source") == "watch":
                self._look_at(Path(message["path"]))
            elif message.get("source") == "tray":
                self._from_tray(message)
            elif message.get("source") == "wizard" and CASE_ID.match(str(message["case"])):
                self.log.info("the photo export ended with code %s", message["code"])
                self._notify(*texts.wizard_failed_text(str(message["case"])))

    def _from_tray(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "ready":
            self.beat = _replace(self.beat, tray="running")
            self._write_beat()
            if self.plan is not None:
                self._show_tray(self._now().date())
        elif kind == "unavailable":
            self.beat = _replace(self.beat, tray="unavailable")
            self._write_beat()
            self._problem("no_tray", lasting=True)
        elif kind == "exited" and self.beat.tray == "running":
            self.beat = _replace(self.beat, tray="stopped")
            self._write_beat()
        elif kind == "action":
            self._tray_action(str(message.get("action")), str(message.get("case", "")))

    def _tray_action(self, action: str, case_id: str) -> None:
        self.log.info("tray: %s", action)
        if action == "quit":
            self.stop()
        elif action == "open_inbox" and self._open_folder is not None:
            self.inbox.ensure(())
            self._open_folder(self.inbox.root)
        elif action == "delete_due":
            self._delete(self._now(), None, ask_now=True)
            self.evaluate()
        elif action == "export_photos" and CASE_ID.match(case_id):
            if self._wizard is not None:
                self._wizard(case_id)
            else:
                self._notify(*texts.export_how_text(case_id))

    def _show_tray(self, today: dt.date) -> None:
        if self.tray is not None and self.plan is not None:
            self.tray.show(tray_status(self.timelines, self.plan, self.problems, today))

    # --- telling ----------------------------------------------------------------------

    def _notify(self, headline: str, body: str) -> None:
        self.notifier.send(headline, body)
        self._acted("notified")

    def _acted(self, action: heartbeat.Action) -> None:
        self.beat = _replace(self.beat, last_action=action, last_action_at=self._now())
        self._write_beat()

    def _problem_from(self, error: RetentionError) -> None:
        code = {
            ExitCode.KEY: "key_unavailable",
            ExitCode.INTEGRITY: "vault_damaged",
            ExitCode.DISK: "disk_full",
        }.get(error.exit_code)
        self.log.warning("problem: %s (%s)", type(error).__name__, code or "retry later")
        if code is not None:
            self._problem(code)

    def _problem(self, code: str, *, lasting: bool = False) -> None:
        """Tell once; ``lasting`` problems are never repeated, the others again after
        they were solved and came back."""
        key = f"{'e' if lasting else 'p'}|problem|{code}"
        self.problems.add(code)
        self.beat = _replace(self.beat, problems=tuple(sorted(self.problems)))
        self._write_beat()
        if key in self.memory.fired:
            return
        self.memory = announce.with_fired(self.memory, key)
        memory.save(self.home, self.memory)
        self._notify(*texts.problem_text(code))

    def _solved(self, code: str) -> None:
        if code not in self.problems:
            return
        self.problems.discard(code)
        self.memory = announce.without_fired(self.memory, f"p|problem|{code}")
        memory.save(self.home, self.memory)
        self.beat = _replace(self.beat, problems=tuple(sorted(self.problems)))
        self._write_beat()

    def _write_beat(self) -> None:
        try:
            heartbeat.write(self.home, self.beat)
        except OSError as error:
            self.log.warning("heartbeat not written (error %s)", error.errno)


_STOP_SIGNALS = tuple(
    sig for sig in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGBREAK", None)) if sig
)


def _replace(beat: heartbeat.Heartbeat, **changes: Any) -> heartbeat.Heartbeat:
    return replace(beat, **changes)
