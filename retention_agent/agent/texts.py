"""What the agent says, in Danish and English. Notifications show on lock screens, so
every text names a case by its id only: never the child's alias, a file's name or any
other private data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from retention_agent.announce import Notice
from retention_agent.desktop.buttons import Button
from retention_agent.i18n import N_, _, format_date, ngettext
from retention_agent.policy.assessment import Decision

# Kinds as the subject of a sentence: "billeder og kontaktoplysninger slettes …".
_KIND_NOUNS = {
    "match_paper": N_("the match paper"),
    "contact": N_("contact details"),
    "message": N_("messages"),
    "photo": N_("photos"),
}

Text = tuple[str, str]  # (headline, body)


def kinds_phrase(kinds: Sequence[str]) -> str:
    """``billeder og kontaktoplysninger`` / ``photos and contact details``."""
    nouns = [_(_KIND_NOUNS[kind]) for kind in kinds]
    if len(nouns) <= 1:
        return "".join(nouns)
    return _("{first} and {last}").format(first=", ".join(nouns[:-1]), last=nouns[-1])


def notice_text(notice: Notice, today: dt.date) -> Text:
    case = notice.case_id or ""
    date = notice.date
    if notice.topic == "year_ending" and date is not None:
        days = (date - today).days
        if days <= 0:
            headline = _("Case {case}: the Hjem til Os year ends today").format(case=case)
        else:
            headline = ngettext(
                "Case {case}: the Hjem til Os year ends in {n} day",
                "Case {case}: the Hjem til Os year ends in {n} days",
                days,
            ).format(case=case, n=days)
        body = _(
            "Decide whether you will continue the relationship privately or end it, and "
            "record it (the year ends on {date}). Your Red Barnet contact person can help."
        ).format(date=format_date(date))
        return headline, body
    if notice.topic == "decision_overdue" and date is not None:
        headline = _("Case {case}: a decision is needed").format(case=case)
        body = _(
            "The Hjem til Os year has ended, and no decision is recorded. Without one, the "
            "relationship counts as ended on {date}, and the data is then deleted."
        ).format(date=format_date(date))
        return headline, body
    if notice.topic == "photo_offer":
        headline = _("Case {case}: you can offer the photos to the family").format(case=case)
        how = _(
            "Choose 'Export photos' in the menu by the clock, "
            "or run: retention wizard --case {case}"
        ).format(case=case)
        if date is None:
            return headline, how
        until = _("The offer is open until {date}.").format(date=format_date(date))
        return headline, f"{until} {how}"
    if notice.topic == "photos_sent" and notice.since is not None:
        headline = _("Case {case}: have you sent the photos?").format(case=case)
        body = _(
            "The photos were exported on {exported}. Once they are sent, say so under "
            "'Export photos' in the menu by the clock (or: retention case export-done "
            "--case {case}); until then the contact details are kept."
        ).format(exported=format_date(notice.since), case=case)
        if date is not None:
            body += " " + _(
                "On {date} the photos and contact details are deleted, even without an answer."
            ).format(date=format_date(date))
        return headline, body
    if notice.topic == "deletion_soon" and date is not None:
        days = (date - today).days
        what = kinds_phrase(notice.kinds)
        if days <= 1:
            headline = _("Case {case}: {what} will be deleted tomorrow").format(
                case=case, what=what
            )
        else:
            headline = ngettext(
                "Case {case}: {what} will be deleted in {n} day",
                "Case {case}: {what} will be deleted in {n} days",
                days,
            ).format(case=case, what=what, n=days)
        return headline, _still_possible(notice, date)
    if notice.topic == "deletion_late" and date is not None:
        headline = _("Case {case}: {what} due for deletion").format(
            case=case, what=kinds_phrase(notice.kinds)
        )
        body = _(
            "The deletion fell due without the usual notice, so nothing is deleted yet. Choose "
            "'Delete what is due now' in the menu by the clock, or run 'retention apply'. "
            "Without an answer, it is carried out on {date}."
        ).format(date=format_date(date))
        return headline, body
    if notice.topic == "clock_back" and date is not None and notice.since is not None:
        headline = _("The computer's clock went back")
        body = _(
            "The date went back from {since} to {date}. Nothing already done was undone. "
            "Check the computer's date and time."
        ).format(since=format_date(notice.since), date=format_date(date))
        return headline, body
    raise ValueError(f"no text for {notice.topic}")


def notice_buttons(notice: Notice) -> list[Button]:
    """The photo offer, the question whether they were sent and an announced deletion of
    photos open the photo export from the notification (where buttons are possible)."""
    case = notice.case_id or ""
    if notice.topic in ("photo_offer", "photos_sent") or (
        notice.topic == "deletion_soon" and "photo" in notice.kinds
    ):
        choice = {"action": "export_photos", "case": case}
        return [Button(_("Export photos"), choice, default=True)]
    return []


def contact_person_missing_text() -> Text:
    """Once, when the vault has cases and no contact person is recorded (no name)."""
    return (
        _("Who is your Red Barnet contact person?"),
        _(
            "Record them once with 'retention contact-person set --name …': the menu by "
            "the clock then shows how to reach them, and the program names them where the "
            "rules send you to them."
        ),
    )


def _still_possible(notice: Notice, date: dt.date) -> str:
    when = _("On {date}.").format(date=format_date(date))
    if "photo" in notice.kinds:
        can = _(
            "Until then you can export the photos for the child's family ('Export photos' "
            "in the menu by the clock), or agree a hold with your Red Barnet contact person."
        )
    else:
        can = _("Until then you can agree a hold with your Red Barnet contact person.")
    return f"{when} {can}"


def deleted_text(case_id: str, kinds: Sequence[str], receipt: int) -> Text:
    headline = _("Case {case}: {what} deleted").format(case=case_id, what=kinds_phrase(kinds))
    body = _("Receipt no. {seq}; 'retention receipts' shows it.").format(seq=receipt)
    return headline, body


def export_how_text(case_id: str) -> Text:
    """Until the photo-export wizard is installed: how to export by hand."""
    headline = _("Case {case}: exporting the photos").format(case=case_id)
    body = _(
        "Export them one at a time with 'retention open ITEM --to FOLDER' ('retention list "
        "--case {case} --kind photo' shows them), send them, then record it with "
        "'retention case export-done --case {case}'."
    ).format(case=case_id)
    return headline, body


def wizard_failed_text(case_id: str) -> Text:
    """The photo export started from the tray ended with an error (a wrong passphrase,
    no dialog to ask for it, a busy vault)."""
    headline = _("Case {case}: the photo export did not open").format(case=case_id)
    body = _(
        "Choose 'Export photos' again, or open a terminal and run: retention wizard --case "
        "{case}. It says there what stands in the way."
    ).format(case=case_id)
    return headline, body


# Problems: code -> (headline, body). Case ids only, never file names.
PROBLEMS = {
    "key_unavailable": (
        N_("The vault cannot be opened right now"),
        N_(
            "Its key is not available (the keyring is locked, or no passphrase was given). "
            "Files in the inbox wait, and nothing is deleted until it is."
        ),
    ),
    "vault_damaged": (
        N_("The vault is damaged"),
        N_(
            "The agent takes no files in and deletes nothing until it has been looked at. "
            "Run 'retention status' or ask for help."
        ),
    ),
    "disk_full": (
        N_("The disk is full"),
        N_("Files in the inbox wait until there is room. Free some space."),
    ),
    "no_tray": (
        N_("No icon by the clock on this desktop"),
        N_("The agent runs and tells you what is coming through notifications like this one."),
    ),
}

# Why a file in the inbox was not taken in: code -> sentence (with {case} and {kind}).
REFUSALS = {
    "kind_due": N_(
        "A file in the inbox for case {case} was not taken in: in this case, the time for "
        "keeping {kind} is over. Move it out of the inbox."
    ),
    "case_closed": N_(
        "A file in the inbox for case {case} was not taken in: the case is closed. "
        "Move it out of the inbox."
    ),
    "unknown_case": N_(
        "A folder in the inbox has no case with that id ({case}); its files stay where they are."
    ),
    "wrong_place": N_(
        "A file lies directly in the inbox or in a case's folder. Put it into the folder of "
        "its kind (e.g. photos), then it is taken in."
    ),
    "special": N_(
        "An entry in the inbox for case {case} is a link or a special file; those are never "
        "followed or taken in. It stays where it is."
    ),
    "unreadable": N_(
        "A file in the inbox for case {case} cannot be read; it stays where it is. "
        "Check its permissions."
    ),
    "not_removable": N_(
        "A file in the inbox for case {case} could not be removed after being taken in, so "
        "it was not taken in; it stays where it is. Check the folder's permissions."
    ),
    "not_vcard": N_(
        "A file in the inbox for case {case} is not a contact card (.vcf); it stays where it is."
    ),
    "duplicate": N_(
        "A file in the inbox for case {case} was already in the vault; the copy was removed."
    ),
}


def problem_text(code: str) -> Text:
    headline, body = PROBLEMS[code]
    return _(headline), _(body)


def refusal_text(code: str, case_id: str, kind: str | None) -> Text:
    what = kinds_phrase((kind,)) if kind else ""
    headline = _("Inbox") if code == "wrong_place" else _("Case {case}: inbox").format(case=case_id)
    return headline, _(REFUSALS[code]).format(case=case_id, kind=what)


# --- the tray's status lines ---------------------------------------------------------


def status_line(case_id: str, decision: Decision | None, today: dt.date) -> str:
    """``Sag 4f2a9b: 1. marts 2027 – slet billeder`` (the next thing that happens)."""
    if decision is None:
        return _("Case {case}: nothing more is planned").format(case=case_id)
    when = _("now") if decision.due <= today else format_date(decision.due)
    action = {
        "remind": _("reminder"),
        "offer_photo_export": _("offer the photos to the family"),
        "advise": _("advice"),
        "delete": _("delete {what}").format(what=kinds_phrase(decision.kinds)),
    }[decision.action]
    return _("Case {case}: {date} – {action}").format(case=case_id, date=when, action=action)
