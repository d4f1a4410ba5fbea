"""What the agent says about copies outside the vault and new match papers, in Danish and
English. Like every notification: case ids, kinds and the kind of folder (Downloads,
the desktop), never a file's name or the child's."""

from __future__ import annotations

from collections.abc import Sequence

from retention_agent.agent.lookout import Outcome
from retention_agent.agent.texts import Text, kinds_phrase
from retention_agent.desktop.buttons import Button
from retention_agent.i18n import N_, _, ngettext
from retention_agent.scan.sweep import Finding

PLACES = {
    "downloads": N_("in Downloads"),
    "desktop": N_("on the desktop"),
    "documents": N_("in Documents"),
    "pictures": N_("in Pictures"),
}
ELSEWHERE = N_("in a folder on this computer")
MENU = N_("'Copies outside the vault' in the menu by the clock")
SHOWN_LINES = 3  # copies named by case and kind in one notification; the rest are counted

Told = tuple[Text, list[Button]]


def place_phrase(finding: Finding) -> str:
    return _(PLACES.get(finding.place, ELSEWHERE))


def found_texts(
    fresh: Sequence[tuple[str, Finding]], cases_for_papers: Sequence[str]
) -> list[Told]:
    """One notification for the copies, one for the likely copies, one per match paper."""
    told: list[Told] = []
    copies = [f for _t, f in fresh if f.what == "copy"]
    likely = [f for _t, f in fresh if f.what == "likely"]
    if copies:
        headline = ngettext(
            "A copy of a vault item is outside the vault",
            "{n} copies of vault items are outside the vault",
            len(copies),
        ).format(n=len(copies))
        body = " ".join(
            [*_lines(copies), _("Remove them here, or with {menu}.").format(menu=_(MENU))]
        )
        told.append(((headline, body), [Button(_("Remove"), {"action": "remove_copies"})]))
    if likely:
        headline = ngettext(
            "A photo outside the vault looks like one in the vault",
            "{n} photos outside the vault look like ones in the vault",
            len(likely),
        ).format(n=len(likely))
        body = " ".join(
            [
                *_lines(likely),
                _(
                    "They may be resized or re-encoded copies: look at them with 'retention "
                    "scan' and delete those that are."
                ),
            ]
        )
        told.append(((headline, body), []))
    for token, finding in fresh:
        if finding.what != "match_paper":
            continue
        headline = _("A new PDF {place} looks like a match paper").format(
            place=place_phrase(finding)
        )
        body = _(
            "Take it into the vault or remove it: here, or with {menu}. A match paper "
            "belongs in the vault only."
        ).format(menu=_(MENU))
        buttons = [
            Button(
                _("Take it into case {case}").format(case=case),
                {"action": "take_in", "finding": token, "case": case},
            )
            for case in cases_for_papers[:1]
            if len(cases_for_papers) == 1
        ]
        buttons.append(Button(_("Remove it"), {"action": "remove_paper", "finding": token}))
        told.append(((headline, body), buttons))
    return told


def _lines(found: Sequence[Finding]) -> list[str]:
    """``Case 4f2a9b: photos, in Downloads.`` per case, kind and place (a few)."""
    groups: dict[tuple[str, str, bool, str], int] = {}
    for finding in found:
        key = (finding.case_id or "", finding.kind or "", finding.deleted, place_phrase(finding))
        groups[key] = groups.get(key, 0) + 1
    lines = []
    for (case_id, kind, deleted, place), _count in list(groups.items())[:SHOWN_LINES]:
        what = kinds_phrase([kind])
        if deleted:
            what = _("{what} deleted from the vault").format(what=what)
        lines.append(
            _("Case {case}: {what}, {place}.").format(case=case_id, what=what, place=place)
        )
    if len(groups) > SHOWN_LINES:
        lines.append(_("And more."))
    return lines


def outcome_text(action: str, outcome: Outcome) -> Text | None:
    """The answer to a choice the family made."""
    if action == "remove_copies":
        if not (outcome.removed or outcome.kept):
            return None
        headline = ngettext("{n} copy removed", "{n} copies removed", outcome.removed).format(
            n=outcome.removed
        )
        if outcome.kept:
            body = ngettext(
                "{n} could not be removed (it changed, or the system refused); 'retention "
                "scan' shows it.",
                "{n} could not be removed (they changed, or the system refused); 'retention "
                "scan' shows them.",
                outcome.kept,
            ).format(n=outcome.kept)
        else:
            body = _(
                "Overwritten first where the disk allows it. A copy in a folder synced to a "
                "cloud service may live on in its bin: empty it there too."
            )
        return headline, body
    if outcome.taken_in is not None:
        return (
            _("Case {case}: the match paper is in the vault").format(case=outcome.taken_in),
            _("The file outside the vault was removed."),
        )
    if outcome.refused == "kind_due":
        return (
            _("The match paper was not taken in"),
            _(
                "In that case, the time for keeping the match paper is over. Remove the "
                "file instead."
            ),
        )
    if outcome.refused == "changed" or outcome.kept:
        return (
            _("Nothing was done with the PDF"),
            _("It changed or is gone; it is looked at again at the next sweep."),
        )
    if outcome.removed:
        return _("The PDF was removed"), _("It was overwritten first where the disk allows it.")
    return None
