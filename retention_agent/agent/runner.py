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
import queue
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from retention_agent import announce, clock, contact_person
from retention_agent.agent import choices, intake, lookout_texts, memory, texts
from retention_agent.agent.inbox import Inbox, Settler
from retention_agent.agent.keyholder import KeyHolder
from retention_agent.agent.lookout import FIRST_SWEEP, Lookout, paper_cases
from retention_agent.agent.tray_link import tray_status
from retention_agent.agent.voice import Voice, replace_beat
from retention_agent.agent.wakeups import Wakeups
from retention_agent.agent.watch import ObserverKind, Watcher
from retention_agent.contact_person import ContactPerson
from retention_agent.desktop.notify import Notifier
from retention_agent.enforce import CaseTimeline, apply_due, read_timelines
from retention_agent.errors import ExitCode, RetentionError
from retention_agent.export import records
from retention_agent.lifecycle import expire_tombstones
from retention_agent.vault import index
from retention_agent.vault.receipts import Receipt
from retention_agent.vault.teardown import MARKER
from retention_agent.vault.vault import INDEX, Vault

TICK_SECONDS = 60.0
RESCAN_SECONDS = 300.0
BUSY_RETRY = 15.0  # seconds before files wait again for a vault another command holds
# A new watch takes its first look in the observer's own thread, a moment after it is
# scheduled: a file dropped in between raises no event, so the inbox is walked once more.
AFTER_NEW_WATCH = 3.0

Tray = Any  # a TrayLink, or None without a tray


class Agent(Voice):
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
        first_sweep: float = FIRST_SWEEP,
    ) -> None:
        super().__init__(home, notifier, log, now)
        self.inbox = Inbox(home)
        self.keys = keys
        self._wizard = wizard
        self._open_folder = open_folder
        self._messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self._wake = threading.Event()
        self._stopping = False
        self.settler = Settler()
        self.watcher = Watcher(self._hint, observer)
        self.tray: Tray = None
        self.timelines: list[CaseTimeline] = []
        self.plan: announce.Plan | None = None
        self._evaluated_on: dt.date | None = None
        self.wakeups = Wakeups(home)
        self._next_rescan = 0.0
        self.lookout = Lookout(home, keys, self.deliver, log, first_sweep=first_sweep)
        self.contact: ContactPerson | None = None
        self.contact_known = False  # read once the vault was open

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
            self.lookout.stop()
            if self.tray is not None:
                self.tray.stop()
            self.beat = replace_beat(self.beat, running=False, tray="off")
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
            self.lookout.start_if_due(self._opened)
        except RetentionError as error:
            self.problem_from(error)
        except sqlite3.DatabaseError as error:
            self.problem_from(index.translate(error))
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
        for deadline in (self.settler.next_due(), self.lookout.deadline()):
            if deadline is not None:
                deadlines.append(deadline)
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
            self.problem_from(error)
            return
        self._peek()
        exported = records.latest_exports(self.home)
        self.plan = announce.plan(self.timelines, self.memory, today, exported)
        self.memory = self.plan.memory
        for notice in self.plan.notices:
            self.notify(*texts.notice_text(notice, today), buttons=texts.notice_buttons(notice))
        if self.plan.allowed and "vault_damaged" not in self.problems:
            only = {item for unit in self.plan.allowed for item in unit.items}
            self._delete(moment, only)
        memory.save(self.home, self.memory)
        self.inbox.ensure(t.facts.id for t in self.timelines if t.assessment.phase != "closed")
        self._follow()
        self.beat = replace_beat(
            self.beat,
            last_check=moment,
            next_check=self.plan.next_date,
            waiting=tuple(dict.fromkeys(unit.case_id for unit in self.plan.waiting)),
        )
        self.show_tray()
        self._write_beat()

    def _delete(self, moment: dt.datetime, only: set[str] | None, ask_now: bool = False) -> None:
        try:
            with self.keys.vault(ask_now=ask_now) as vault:
                done = apply_due(vault, moment, only)
                expire_tombstones(vault, moment.date())
        except RetentionError as error:
            self.problem_from(error)
            return
        self._solved("key_unavailable")
        for receipt in done:
            self._report_deleted(receipt)
        if done:
            self._evaluated_on = None  # the timelines changed

    def _report_deleted(self, receipt: Receipt) -> None:
        body = receipt.body
        self.log.info("deleted in case %s, receipt %s", body["case"], receipt.seq)
        self.notify(*texts.deleted_text(body["case"], list(body["kinds"]), receipt.seq))
        self.acted("deleted")

    # --- the inbox ------------------------------------------------------------------

    def rescan(self) -> None:
        self._next_rescan = time.monotonic() + RESCAN_SECONDS
        if self._follow():
            self.log.info("watching the inbox folders")
            self._next_rescan = time.monotonic() + AFTER_NEW_WATCH
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
            self.problem_from(error)
            return
        accepted, refused = intake.sort_out(self.inbox, ready, timelines, moment.date())
        outcome = intake.Outcome(refused=refused)
        if accepted and not self.problems & {"vault_damaged", "disk_full"}:
            try:
                with self.keys.vault() as vault:
                    intake.take_in(vault, accepted, moment, outcome)
            except RetentionError as error:
                self.problem_from(error)
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
            self.acted("skipped")
        if outcome.ingested:
            self.log.info("took %s file(s) from the inbox into the vault", outcome.ingested)
            self.acted("ingested")
            self.changed()
        if outcome.ingested or outcome.skipped:
            intake.tidy(self.inbox, [path for path, _place in accepted])

    def look_at(self, name: str) -> None:
        """A folder that appears (dropped whole, or the inbox made anew) is walked:
        files created in it before its watch existed raise no event of their own."""
        now = time.monotonic()
        path = Path(name)
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
        self.watcher.follow_downloads(
            self.lookout.downloads(), lambda: self.deliver({"source": "downloads"})
        )
        return self.watcher.follow(self.inbox.roots(), self.home, self.inbox.names())

    def _restore_inbox(self) -> None:
        """Make the folders again and watch them anew (a native watch dies with its
        folder); files moved in meanwhile are found by the rescan."""
        self.inbox.ensure(t.facts.id for t in self.timelines if t.assessment.phase != "closed")
        if self._follow():
            self.rescan()

    def _refuse(self, refusal: intake.Refusal) -> None:
        key = f"e|refused|{refusal.code}|{refusal.case_id}|{refusal.kind}|{refusal.identity}"
        if not self.first_time(key):
            return
        self.log.info("inbox entry refused (%s) in case %s", refusal.code, refusal.case_id)
        self.notify(*texts.refusal_text(refusal.code, refusal.case_id, refusal.kind))
        self.acted("refused")

    # --- messages: the watcher, the tray, notifications, the wizard, the lookout ----------

    def _handle_messages(self) -> None:
        while True:
            try:
                message = self._messages.get_nowait()
            except queue.Empty:
                return
            choices.handle(self, message)

    def tray_said(self, kind: str) -> None:
        if kind == "ready":
            self.beat = replace_beat(self.beat, tray="running")
            self._write_beat()
            self.show_tray()
        elif kind == "unavailable":
            self.beat = replace_beat(self.beat, tray="unavailable")
            self._write_beat()
            self._problem("no_tray", lasting=True)
        elif kind == "exited" and self.beat.tray == "running":
            self.beat = replace_beat(self.beat, tray="stopped")
            self._write_beat()

    def open_inbox(self) -> None:
        if self._open_folder is not None:
            self.inbox.ensure(())
            self._open_folder(self.inbox.root)

    def delete_due_now(self) -> None:
        self._delete(self._now(), None, ask_now=True)
        self.evaluate()

    def export_photos(self, case_id: str) -> None:
        if self._wizard is not None:
            self._wizard(case_id)
        else:
            self.notify(*texts.export_how_text(case_id))

    def now(self) -> dt.datetime:
        return self._now()

    def changed(self) -> None:
        """Items came or went: the timelines are read again at the next pass."""
        self._evaluated_on = None

    def show_tray(self) -> None:
        if self.tray is not None and self.plan is not None:
            today = self._now().date()
            status = tray_status(self.timelines, self.plan, self.problems, today)
            leftovers = self.lookout.tray_status(paper_cases(self.timelines, today))
            status["leftovers"] = leftovers
            status["attention"] |= bool(leftovers["copies"] or leftovers["papers"])
            if self.contact_known:
                status["contact"] = None if self.contact is None else self.contact.as_json()
            self.tray.show(status)

    # --- the lookout --------------------------------------------------------------------

    def _peek(self) -> None:
        """The contact person, for the tray, where the key is there without asking (the
        keyring, RETENTION_PASSPHRASE, or a passphrase given earlier)."""
        try:
            with self.keys.vault(ask=False, read_only=True) as vault:
                self.contact = contact_person.get(vault)
                self.contact_known = True
        except RetentionError:
            pass

    def _opened(self, vault: Vault) -> None:
        """Each sweep opens the vault (read-only): the contact person is read then, and
        asked for once (no name in the text) where none is recorded."""
        self.contact = contact_person.get(vault)
        self.contact_known = True
        if self.contact is None and self.timelines:
            self.once("e|contact_person_missing", texts.contact_person_missing_text())

    def swept(self, message: Mapping[str, Any]) -> None:
        fresh = self.lookout.arrived(message)
        new = [(token, f) for token, f in fresh if self.first_time(f"e|found|{f.what}|{f.key}")]
        if new:
            self.log.info("the sweep found %s new thing(s) outside the vault", len(new))
        cases = paper_cases(self.timelines, self._now().date())
        for (headline, body), buttons in lookout_texts.found_texts(new, cases):
            self.notify(headline, body, buttons=buttons)
        self.show_tray()


_STOP_SIGNALS = tuple(
    sig for sig in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGBREAK", None)) if sig
)
