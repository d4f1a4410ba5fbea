"""What the background agent tells the family, and which due deletions it may carry out
by itself. Pure: the cases' timelines, the agent's memory and "today" in; notices,
deletions, the next day to look again and the new memory out. The agent only renders
and sends the notices and carries out what :func:`plan` allows.

The rules:

- **Reminders.** Of the engine's reminders (before the year end, and while a decision is
  overdue) the latest one that has come fires once, while no decision is recorded and
  the decision window is open; older ones it supersedes never fire (no flood after a
  week off).
- **Photo offer.** Fires once when the offer opens, while it is open and no outcome is
  recorded.
- **Sent?** Photos exported while the offer is open but not confirmed as sent (the
  wizard's "not yet"): ``SENT_REMINDERS`` days after the latest export the family is
  asked to confirm, the latest one that has come, once each, while the offer is open.
- **Announcements.** Each deletion unit (case, due date, kind) is announced 7 days and
  1 day before its date; units of one case and date share one notification.
- **Carrying out.** A due unit may be deleted by the agent only if it was announced on a
  day before its date, or 7 days after a late notice nobody answered. A unit that fell
  due unannounced (weeks off, a changed clock, an item added to a due kind) gets the
  late notice and waits: for the tray's confirmation or ``retention apply`` (both
  delete at once, outside this plan), or for the 7 days to pass.
- **Clocks lie.** The memory keeps the latest day seen. A jump forward of more than
  ``JUMP_TOLERANCE`` days makes every unit falling due inside the jump count as
  unannounced, and restarts every late wait that would run out inside it. A jump
  backward undoes nothing, is reported once, and counting goes on from the new day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from retention_agent.enforce import CaseTimeline
from retention_agent.policy.assessment import Decision
from retention_agent.policy.model import KINDS, Kind

ANNOUNCE_DAYS = (7, 1)  # announcements this many days before a deletion
LATE_WAIT = dt.timedelta(days=7)  # a late notice's wait before the agent acts by itself
JUMP_TOLERANCE = dt.timedelta(days=2)
SENT_REMINDERS = (2, 9)  # days after the latest unconfirmed export
_DAY = dt.timedelta(days=1)

Topic = Literal[
    "year_ending",  # date: the year end
    "decision_overdue",  # date: the day the case counts as ended without a decision
    "photo_offer",  # date: the day the offer closes (None if unknown)
    "photos_sent",  # date: the day the offer closes; since: the latest export
    "deletion_soon",  # date: the deletion day
    "deletion_late",  # date: the day the agent deletes by itself without an answer
    "clock_back",  # date: the new today; since: the latest day seen before
]
Clock = Literal["first", "steady", "forward", "backward"]


@dataclass(frozen=True)
class Notice:
    key: str  # fires once: remembered in Memory.fired
    topic: Topic
    case_id: str | None = None
    date: dt.date | None = None
    kinds: tuple[Kind, ...] = ()
    since: dt.date | None = None


@dataclass(frozen=True)
class Unit:
    """The items of one kind in one case that fall due on one day."""

    case_id: str
    due: dt.date
    kind: Kind
    items: tuple[str, ...]
    rules: tuple[str, ...]

    @property
    def key(self) -> str:
        return unit_key(self.case_id, self.due, self.kind)


def unit_key(case_id: str, due: dt.date, kind: str) -> str:
    return f"{case_id}/{due.isoformat()}/{kind}"


@dataclass(frozen=True)
class Memory:
    """What the agent remembers across restarts (no personal data: ids, dates, kinds)."""

    latest_seen: dt.date | None = None
    fired: frozenset[str] = frozenset()
    announced: Mapping[str, dt.date] = field(default_factory=dict)  # unit -> first announced
    late: Mapping[str, dt.date] = field(default_factory=dict)  # unit -> late notice sent


@dataclass(frozen=True)
class Plan:
    notices: tuple[Notice, ...]
    allowed: tuple[Unit, ...]  # due and announced: the agent may delete these now
    waiting: tuple[Unit, ...]  # due but unannounced: awaiting a confirmation
    next_date: dt.date | None  # the next day on which this plan changes by itself
    memory: Memory
    clock: Clock


def plan(
    timelines: Sequence[CaseTimeline],
    memory: Memory,
    today: dt.date,
    exported: Mapping[str, dt.date] | None = None,
) -> Plan:
    """``exported``: per case, the day of its latest photo export (none: no reminders to
    confirm the sending)."""
    clock = _clock(memory.latest_seen, today)
    units = [unit for timeline in timelines for unit in deletion_units(timeline)]
    announced = dict(memory.announced)
    late = dict(memory.late)
    if clock == "forward" and memory.latest_seen is not None:
        _forget_jumped(units, announced, late, memory.latest_seen, today)
    fired = set(memory.fired)
    notices: list[Notice] = []
    upcoming: list[dt.date] = []

    def fire(notice: Notice) -> None:
        if notice.key not in fired:
            fired.add(notice.key)
            notices.append(notice)

    if clock == "backward" and memory.latest_seen is not None:
        fire(
            Notice(
                f"c|clock_back|{memory.latest_seen}>{today}",
                "clock_back",
                date=today,
                since=memory.latest_seen,
            )
        )
    live_refs: set[str] = set()
    for timeline in timelines:
        for notice in _reminder(timeline, today, fired, live_refs, upcoming):
            fire(notice)
        for notice in _offer(timeline, today, live_refs, upcoming):
            fire(notice)
        last_export = (exported or {}).get(timeline.facts.id)
        if last_export is not None:
            for notice in _sent(timeline, last_export, today, fired, upcoming):
                fire(notice)
    allowed, waiting = [], []
    for (case_id, due), group in _by_case_and_day(units).items():
        live_refs.update(unit.key for unit in group)
        if due > today:
            for notice in _announce(case_id, due, group, today, fired, announced):
                fire(notice)
            upcoming += [day for day in (due - 7 * _DAY, due - _DAY, due) if day > today]
            continue
        unanswered = []
        for unit in group:
            first = announced.get(unit.key)
            noticed = late.get(unit.key)
            if (first is not None and first <= due - _DAY) or (
                noticed is not None and today >= noticed + LATE_WAIT
            ):
                allowed.append(unit)
                continue
            waiting.append(unit)
            if noticed is None:
                late[unit.key] = noticed = today
                unanswered.append(unit)
            upcoming.append(noticed + LATE_WAIT)
        if unanswered:
            fire(_late_notice(case_id, unanswered, today))
    memory = Memory(
        latest_seen=today,
        fired=frozenset(_prune(fired, live_refs)),
        announced={k: v for k, v in announced.items() if k in live_refs},
        late={k: v for k, v in late.items() if k in live_refs},
    )
    next_date = min((day for day in upcoming if day > today), default=None)
    return Plan(tuple(notices), tuple(allowed), tuple(waiting), next_date, memory, clock)


def deletion_units(timeline: CaseTimeline) -> list[Unit]:
    """The case's deletions, split by kind (each kind is announced and allowed alone)."""
    kind_of = {item.id: item.kind for item in timeline.items}
    merged: dict[tuple[dt.date, Kind], tuple[list[str], set[str]]] = {}
    for decision in timeline.assessment.decisions:
        if decision.action != "delete":
            continue
        for item_id in decision.items:
            items, rules = merged.setdefault((decision.due, kind_of[item_id]), ([], set()))
            items.append(item_id)
            if decision.rule is not None:  # None: a closed case, the family's own decision
                rules.add(decision.rule)
    case_id = timeline.facts.id
    return [
        Unit(case_id, due, kind, tuple(items), tuple(sorted(rules)))
        for (due, kind), (items, rules) in sorted(
            merged.items(), key=lambda entry: (entry[0][0], KINDS.index(entry[0][1]))
        )
    ]


def with_fired(memory: Memory, *keys: str) -> Memory:
    """The memory with event notices (deletions done, problems) marked as sent."""
    return replace(memory, fired=memory.fired | set(keys))


def without_fired(memory: Memory, prefix: str) -> Memory:
    """Forget event notices starting with ``prefix`` (a problem that went away may
    be reported again when it comes back)."""
    return replace(memory, fired=frozenset(k for k in memory.fired if not k.startswith(prefix)))


# --- pieces -------------------------------------------------------------------------


def _clock(latest: dt.date | None, today: dt.date) -> Clock:
    if latest is None:
        return "first"
    if today > latest + JUMP_TOLERANCE:
        return "forward"
    if today < latest:
        return "backward"
    return "steady"


def _forget_jumped(
    units: Iterable[Unit],
    announced: dict[str, dt.date],
    late: dict[str, dt.date],
    latest: dt.date,
    today: dt.date,
) -> None:
    """Nobody can have read an announcement for time that did not pass."""
    for unit in units:
        if latest < unit.due <= today:
            announced.pop(unit.key, None)
        noticed = late.get(unit.key)
        if noticed is not None and latest < noticed + LATE_WAIT <= today:
            del late[unit.key]


def _reminder(
    timeline: CaseTimeline,
    today: dt.date,
    fired: set[str],
    live_refs: set[str],
    upcoming: list[dt.date],
) -> Iterable[Notice]:
    assessment = timeline.assessment
    case_id = timeline.facts.id
    reminders = [d for d in assessment.decisions if d.action == "remind"]
    live_refs.update(f"{case_id}@{d.due}" for d in reminders)
    open_until = assessment.assumed_end  # None once a decision is recorded
    if open_until is None or today >= open_until:
        return
    upcoming += [d.due for d in reminders if d.due > today]
    past = [d for d in reminders if d.due <= today]
    if not past:
        return
    latest = past[-1]
    for earlier in past[:-1]:  # superseded: never sent late
        fired.add(f"s|remind|{case_id}@{earlier.due}")
    if today <= assessment.year_end:
        topic: Topic = "year_ending"
        date = assessment.year_end
    else:
        topic, date = "decision_overdue", open_until
    yield Notice(f"s|remind|{case_id}@{latest.due}", topic, case_id, date)


def _offers(timeline: CaseTimeline) -> Iterable[tuple[Decision, dt.date | None]]:
    """Each photo offer with the day it closes (the deletion of what it offers)."""
    decisions = timeline.assessment.decisions
    for offer in decisions:
        if offer.action == "offer_photo_export":
            closes = min(
                (
                    d.due
                    for d in decisions
                    if d.action == "delete"
                    and set(d.kinds) & set(offer.kinds)
                    and d.due >= offer.due
                ),
                default=None,
            )
            yield offer, closes


def _offer(
    timeline: CaseTimeline, today: dt.date, live_refs: set[str], upcoming: list[dt.date]
) -> Iterable[Notice]:
    case_id = timeline.facts.id
    for offer, closes in _offers(timeline):
        live_refs.add(f"{case_id}@{offer.due}")
        if offer.due > today:
            upcoming.append(offer.due)
        elif timeline.facts.export_outcome is None and (closes is None or today < closes):
            yield Notice(
                f"s|offer|{case_id}@{offer.due}", "photo_offer", case_id, closes, offer.kinds
            )


def _sent(
    timeline: CaseTimeline,
    exported: dt.date,
    today: dt.date,
    fired: set[str],
    upcoming: list[dt.date],
) -> Iterable[Notice]:
    """Asked to confirm the sending: the latest reminder that has come, once."""
    case_id = timeline.facts.id
    if timeline.facts.export_outcome is not None:
        return
    for offer, closes in _offers(timeline):
        if exported < offer.due or offer.due > today or (closes is not None and today >= closes):
            continue
        days = [n for n in SENT_REMINDERS if closes is None or exported + n * _DAY < closes]
        upcoming += [exported + n * _DAY for n in days if exported + n * _DAY > today]
        past = [n for n in days if exported + n * _DAY <= today]
        if not past:
            continue
        for earlier in past[:-1]:  # superseded: never sent late
            fired.add(f"s|sent{earlier}|{case_id}@{offer.due}")
        yield Notice(
            f"s|sent{past[-1]}|{case_id}@{offer.due}",
            "photos_sent",
            case_id,
            closes,
            offer.kinds,
            since=exported,
        )


def _announce(
    case_id: str,
    due: dt.date,
    group: Sequence[Unit],
    today: dt.date,
    fired: set[str],
    announced: dict[str, dt.date],
) -> Iterable[Notice]:
    days_left = (due - today).days
    stages = [days for days in ANNOUNCE_DAYS if days_left <= days]
    if not stages:
        return
    stage = min(stages)
    fresh = []
    for unit in group:
        for days in stages:
            key = f"s|soon{days}|{unit.key}"
            if days != stage:
                fired.add(key)  # a later announcement says it all
            elif key not in fired:
                fresh.append(unit)
        announced.setdefault(unit.key, today)
    if fresh:
        refs = "+".join(unit.key for unit in fresh)
        yield Notice(
            f"s|soon{stage}|{refs}",
            "deletion_soon",
            case_id,
            due,
            _kinds(unit.kind for unit in fresh),
        )
        for unit in fresh:
            fired.add(f"s|soon{stage}|{unit.key}")


def _late_notice(case_id: str, units: Sequence[Unit], today: dt.date) -> Notice:
    refs = "+".join(unit.key for unit in units)
    return Notice(
        f"s|late{today}|{refs}",
        "deletion_late",
        case_id,
        today + LATE_WAIT,
        _kinds(unit.kind for unit in units),
    )


def _by_case_and_day(units: Iterable[Unit]) -> dict[tuple[str, dt.date], list[Unit]]:
    groups: dict[tuple[str, dt.date], list[Unit]] = {}
    for unit in units:
        groups.setdefault((unit.case_id, unit.due), []).append(unit)
    return groups


def _kinds(kinds: Iterable[Kind]) -> tuple[Kind, ...]:
    present = set(kinds)
    return tuple(kind for kind in KINDS if kind in present)


def _prune(fired: set[str], live_refs: set[str]) -> set[str]:
    """Schedule notices ("s|…") are kept while what they refer to is on a timeline; a
    notice covering several units is kept while any of them is."""
    kept = set()
    for key in fired:
        parts = key.split("|")
        if parts[0] != "s" or any(ref in live_refs for ref in parts[2].split("+")):
            kept.add(key)
    return kept
