"""Recording what happened in a case: the family's decision (R1 continue / R2 end), the
photo export outcome (R2b), closing a continued case, holds (C2) and the checklist of
places outside the vault; and what a new case or a new item would meet on arrival.

Plain Python over the vault; the CLI, the agent and the export wizard call these.
Every function checks the facts first and changes nothing when they do not fit. No
record ever makes a deletion that is already due wait longer; only a hold (C2) does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from retention_agent import errors
from retention_agent.enforce import case_facts, policy_for
from retention_agent.errors import Phrase
from retention_agent.i18n import N_
from retention_agent.policy.duration import Duration
from retention_agent.policy.engine import due_on_arrival, evaluate
from retention_agent.policy.facts import CaseFacts, ExportOutcome, Initiator
from retention_agent.policy.model import Kind, Policy
from retention_agent.vault import crypto, receipts, rows, sealed, tombstones
from retention_agent.vault.cases import case_key_id, require_case
from retention_agent.vault.vault import Vault

# Places outside the vault the rules also cover (R2: contact details, messages and photos
# wherever they are). Keys are stable ids; the labels are shown translated.
CHECKLIST: dict[str, str] = {
    "phone-contacts": N_("Contacts in your phones"),
    "sms-chat": N_("SMS and chat threads (Messenger, WhatsApp, …)"),
    "email": N_("E-mails and their attachments"),
    "cloud-photos": N_("Photos in cloud libraries (iCloud, Google Photos, OneDrive, …)"),
    "social-media": N_("Social media (posts, friendships, follows)"),
}

# Places an import adds for its case (R2a): where the imported data came from, and so
# where it still is. ``retention import`` records which kinds of export a case took in.
IMPORT_PLACES: dict[str, str] = {
    "whatsapp-chat": N_("The imported chat in WhatsApp on your phone: delete the chat there"),
    "sms-thread": N_("The imported SMS threads on your phone: delete the threads there"),
    "mail-sent": N_("The imported e-mails: delete them and their copies in Sent"),
}
ALL_PLACES: dict[str, str] = CHECKLIST | IMPORT_PLACES
IMPORT_ORIGIN_TOPIC = "import-origin"
_PLACE_OF_FORMAT: dict[str, str] = {
    "whatsapp": "whatsapp-chat",
    "sms": "sms-thread",
    "mail": "mail-sent",
}


# A match date further ahead than this is a typing mistake, not a plan.
FURTHEST_START = Duration(years=1)

_DECISIONS = {
    "continue": N_("the relationship continues privately"),
    "end": N_("the relationship has ended"),
}
_OUTCOMES = {
    "done": N_("the photos were sent to the family"),
    "declined": N_("the family did not want the photos"),
}


def check_start(policy: Policy, start: dt.date, today: dt.date) -> tuple[Kind, ...]:
    """Refuse a match date more than a year ahead; otherwise return the kinds whose items
    would be due for deletion at once in a new case with this match date (empty unless
    its Hjem til Os year is already over)."""
    latest = FURTHEST_START.after(today)
    if start > latest:
        raise errors.StartTooFarAhead(start=start, latest=latest)
    return due_on_arrival(CaseFacts(id="new", start=start), policy, today)


def kinds_due_on_arrival(vault: Vault, case_id: str, today: dt.date) -> tuple[Kind, ...]:
    """The kinds (in ``KINDS`` order) whose items, added to the case today, would be due
    for deletion at once: the next ``apply`` deletes them. Empty while a hold lasts."""
    return due_on_arrival(case_facts(vault, case_id), policy_for(vault, case_id), today)


def record_continue(vault: Vault, case_id: str, today: dt.date) -> None:
    """R1: the relationship continues privately after the Hjem til Os year."""
    facts = case_facts(vault, case_id)
    _refuse_if_decided(facts)
    policy = policy_for(vault, case_id)
    assumed_end = evaluate(facts, (), policy, today).assumed_end
    # From the assumed end on, R2 applies: its deletions are due and must stay so.
    if assumed_end is not None and today >= assumed_end:
        raise errors.CaseAlreadyEnded(case=case_id, date=assumed_end)
    _update(vault, case_id, decision="continue", decided_on=today.isoformat())


@dataclass(frozen=True)
class EndRecorded:
    """What recording an end changed besides the decision itself."""

    replaced_continue_on: dt.date | None  # an earlier "continue" it replaced, within the year
    counted_as_ended_on: dt.date | None  # the case already counted as ended: dates stay


def record_end(
    vault: Vault, case_id: str, today: dt.date, ended_on: dt.date, initiated_by: Initiator
) -> EndRecorded:
    """R2: the relationship ended on ``ended_on`` (early, or at/after the year end).

    Within the Hjem til Os year this replaces an earlier decision to continue. Recorded
    after the case already counted as ended, it changes no date (see the engine)."""
    facts = case_facts(vault, case_id)
    policy = policy_for(vault, case_id)
    if facts.decision == "end":
        _refuse_if_decided(facts)
    year_end = policy.timing.year.after(facts.start)
    if facts.decision == "continue" and today >= year_end:
        raise errors.CaseIsPrivate(case=case_id, date=year_end)
    if not facts.start <= ended_on <= today:
        raise errors.BadEndDate(start=facts.start, today=today)
    assumed_end = evaluate(facts, (), policy, today).assumed_end
    _update(
        vault,
        case_id,
        decision="end",
        decided_on=today.isoformat(),
        ended_on=ended_on.isoformat(),
        initiated_by=initiated_by,
    )
    return EndRecorded(
        replaced_continue_on=facts.decided_on if facts.decision == "continue" else None,
        counted_as_ended_on=assumed_end if assumed_end and assumed_end < today else None,
    )


def check_close(vault: Vault, case_id: str, today: dt.date) -> None:
    """Raise the error :func:`record_close` would raise, before anyone is asked."""
    facts = case_facts(vault, case_id)
    if facts.decision != "continue":
        raise errors.CaseNotContinued(case=case_id)
    year_end = policy_for(vault, case_id).timing.year.after(facts.start)
    if today < year_end:
        raise errors.CloseWithinYear(case=case_id, date=year_end)
    if facts.closed_on is not None:
        raise errors.CaseAlreadyClosed(case=case_id, date=facts.closed_on)


def record_close(vault: Vault, case_id: str, today: dt.date, offer_photos: bool) -> None:
    """The family stops keeping the data of a case they continued privately after the
    year: everything left is then due (photos and contacts after the photo offer, unless
    ``offer_photos`` is False). Their own decision, not a rule of the policy."""
    check_close(vault, case_id, today)
    _update(vault, case_id, closed_on=today.isoformat(), offer_on_close=int(offer_photos))


def record_export_outcome(
    vault: Vault, case_id: str, today: dt.date, outcome: ExportOutcome
) -> None:
    """R2b: the photos were sent to the child's family, or the family declined them."""
    facts = case_facts(vault, case_id)
    policy = policy_for(vault, case_id)
    ended = evaluate(facts, (), policy, today).ended
    if ended is None or ended > today:
        raise errors.CaseNotEnded(case=case_id)
    if facts.export_outcome is not None:
        outcome_text = Phrase(_OUTCOMES[facts.export_outcome])
        raise errors.ExportAlreadyRecorded(case=case_id, outcome=outcome_text)
    _update(vault, case_id, export_outcome=outcome, export_outcome_on=today.isoformat())


def place_hold(vault: Vault, case_id: str, today: dt.date, until: dt.date, reason: str) -> None:
    """C2: keep everything in the case until ``until`` (up to the policy's maximum)."""
    policy = policy_for(vault, case_id)
    if not reason.strip():
        raise errors.HoldNeedsReason()
    if until <= today:
        raise errors.HoldInPast(today=today)
    latest = policy.timing.max_hold.after(today)
    if until > latest:
        raise errors.HoldTooLong(latest=latest, case=case_id)
    key_id = case_key_id(case_id)
    sealed = crypto.seal(vault.unwrap(key_id), vault.id, key_id, {"hold_reason": reason})
    with vault.transaction():
        rows.insert(
            vault,
            "holds",
            {
                "case_id": case_id,
                "placed_on": today.isoformat(),
                "until": until.isoformat(),
                "sealed": sealed,
            },
        )


def release_hold(vault: Vault, case_id: str, today: dt.date) -> None:
    require_case(vault, case_id)
    with vault.transaction():
        released = rows.update(
            vault,
            "holds",
            "case_id = ? AND released_on IS NULL AND until >= ?",
            (case_id, today.isoformat()),
            {"released_on": today.isoformat()},
        )
    if not released:
        raise errors.NoActiveHold(case=case_id)


def record_import_origin(vault: Vault, case_id: str, export_format: str, now: dt.datetime) -> None:
    """R2a: data of ``export_format`` ("whatsapp", "sms", "mail") came into the case by
    ``retention import``; from now on the case's checklist names the place it came from."""
    if export_format not in _PLACE_OF_FORMAT:
        raise ValueError(f"no checklist place for {export_format!r}")
    if export_format not in _imported_formats(vault, case_id):
        sealed.add(vault, IMPORT_ORIGIN_TOPIC, {"format": export_format}, now, case_id=case_id)


def checklist_places(vault: Vault, case_id: str) -> dict[str, str]:
    """The case's checklist: the places every case has, then those its imports added."""
    require_case(vault, case_id)
    formats = _imported_formats(vault, case_id)
    places = dict(CHECKLIST)
    for export_format, place in _PLACE_OF_FORMAT.items():
        if export_format in formats:
            places[place] = IMPORT_PLACES[place]
    return places


def _imported_formats(vault: Vault, case_id: str) -> set[str]:
    records = sealed.find(vault, IMPORT_ORIGIN_TOPIC, case_id=case_id)
    return {record.value.get("format", "") for record in records}


def mark_checklist(vault: Vault, case_id: str, today: dt.date, places: list[str]) -> None:
    """Record places outside the vault as cleaned up; each one also gets a receipt."""
    known = checklist_places(vault, case_id)
    for place in places:
        if place not in known:
            raise errors.UnknownChecklistPlace(place=place, places=", ".join(known))
    done = checklist_done(vault, case_id)
    with vault.transaction():
        for place in dict.fromkeys(places):
            if place not in done:
                rows.insert(
                    vault,
                    "checklist",
                    {"case_id": case_id, "place": place, "done_on": today.isoformat()},
                )
                receipts.append(
                    vault,
                    {
                        "type": "checklist",
                        "date": today.isoformat(),
                        "case": case_id,
                        "place": place,
                    },
                )
    expire_tombstones(vault, today)


def checklist_completed_on(vault: Vault, case_id: str) -> dt.date | None:
    """The day the last place of the case's checklist was ticked; None until all are."""
    done = checklist_done(vault, case_id)
    return max(done.values()) if done.keys() >= CHECKLIST.keys() else None


def expire_tombstones(vault: Vault, today: dt.date) -> int:
    """Destroy the tombstones of deleted items whose time is up (``vault.tombstones``):
    the checklist was completed after the deletion, or the period has passed."""
    return tombstones.expire(vault, today, lambda case_id: checklist_completed_on(vault, case_id))


def checklist_done(vault: Vault, case_id: str) -> dict[str, dt.date]:
    """Places recorded as cleaned up; an entry whose row is damaged counts as not done."""
    found = vault.db.execute(
        "SELECT rowid AS row_id, place, done_on FROM checklist WHERE case_id = ?", (case_id,)
    ).fetchall()
    return {
        row["place"]: dt.date.fromisoformat(row["done_on"])
        for row in found
        if vault.damage.row_trusted("checklist", row["row_id"])
    }


def _refuse_if_decided(facts: CaseFacts) -> None:
    if facts.decision is not None:
        decision = Phrase(_DECISIONS[facts.decision])
        raise errors.DecisionAlreadyRecorded(case=facts.id, decision=decision)


def _update(vault: Vault, case_id: str, **columns: str | int) -> None:
    # Column names come from this module's own keyword arguments, never from input.
    with vault.transaction():
        rows.update(vault, "cases", "id = ?", (case_id,), columns)
