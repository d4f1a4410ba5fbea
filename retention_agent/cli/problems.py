"""What each problem the vault can have means, and what to do about it, in one line each
(``status`` and ``verify``). Subjects are ids, never names."""

from __future__ import annotations

from retention_agent.i18n import N_, _

# code -> (subject kind, what is wrong, what to do)
_PROBLEMS: dict[str, tuple[str, str, str]] = {
    "blob_missing": (
        "item",
        N_("its encrypted file is missing"),
        N_("the item cannot be opened; it is deleted on its date as planned"),
    ),
    "blob_truncated": (
        "item",
        N_("its encrypted file is cut short"),
        N_("the item cannot be opened in full; it is deleted on its date as planned"),
    ),
    "blob_damaged": (
        "item",
        N_("its encrypted file is damaged or was changed"),
        N_("the item cannot be opened; it is deleted on its date as planned"),
    ),
    "key_lost": (
        "item",
        N_("its key is gone because it was damaged"),
        N_("the item can never be opened again; it is deleted on its date as planned"),
    ),
    "key_damaged": (
        "subject",
        N_("a key is damaged and no longer opens"),
        N_("what it locks cannot be opened; the next deletion drops the key for good"),
    ),
    "item_row_damaged": (
        "item",
        N_("its row in the index was changed or damaged"),
        N_("it is deleted at the earliest date any reading of its case allows"),
    ),
    "item_sealed_damaged": (
        "item",
        N_("its encrypted name and details are damaged"),
        N_("the item is listed without a name; it is deleted on its date as planned"),
    ),
    "case_row_damaged": (
        "case",
        N_("its row in the index was changed or damaged"),
        N_("its data is deleted at the next 'retention apply', since no date can be trusted"),
    ),
    "rows_changed": (
        "case",
        N_("rows of the case were removed, added or replaced by older ones"),
        N_("its data is deleted at the next 'retention apply', since no date can be trusted"),
    ),
    "vault_rows_changed": (
        "vault",
        N_("rows of the vault's own records were removed or replaced by older ones"),
        N_("compare the receipts with the code you gave your contact person"),
    ),
    "case_sealed_damaged": (
        "case",
        N_("its encrypted name is damaged"),
        N_("the case is shown without a name; nothing else changes"),
    ),
    "hold_sealed_damaged": (
        "case",
        N_("the encrypted reason of a hold is damaged"),
        N_("the reason cannot be shown; the hold itself still counts if its row is intact"),
    ),
    "holds_row_damaged": (
        "vault",
        N_("a hold was changed or damaged"),
        N_("it no longer postpones anything; place it again if it is still needed"),
    ),
    "checklist_row_damaged": (
        "vault",
        N_("a checklist entry was changed or damaged"),
        N_("it counts as not done; tick the place again when it is cleaned up"),
    ),
    "sealed_row_damaged": (
        "vault",
        N_("a small encrypted record was changed or damaged"),
        N_("it is ignored from now on"),
    ),
    "record_sealed_damaged": (
        "record",
        N_("a small encrypted record is damaged"),
        N_("it is ignored from now on"),
    ),
    "journal_row_damaged": (
        "vault",
        N_("the record of an interrupted deletion was changed or damaged"),
        N_("the deletion is finished anyway; its receipt says the record was damaged"),
    ),
    "receipts_row_damaged": (
        "vault",
        N_("a receipt was changed or damaged"),
        N_("compare the receipts with the code you gave your contact person"),
    ),
    "receipts_broken": (
        "receipt",
        N_("the receipt log was changed from here on"),
        N_("compare the receipts with the code you gave your contact person"),
    ),
    "orphan_blob": (
        "file",
        N_("an encrypted file that no item names"),
        N_("it is removed by the next command that changes the vault"),
    ),
    "journal_unfinished": (
        "vault",
        N_("a deletion was interrupted"),
        N_("the next command that changes the vault finishes it"),
    ),
    "permissions": (
        "file",
        N_("other users of this computer may read it"),
        N_("make it readable by you alone (chmod go-rwx)"),
    ),
    "not_excluded_from_backups": (
        "vault",
        N_("the markers that keep it out of backups are missing"),
        N_("the next command that changes the vault puts them back"),
    ),
}

_SUBJECTS = {
    "item": N_("Item {subject}"),
    "case": N_("Case {subject}"),
    "record": N_("Record {subject}"),
    "receipt": N_("Receipt {subject}"),
    "file": N_("File {subject} in the vault folder"),
    "vault": N_("The vault"),
    "subject": N_("Key of {subject}"),
}


def problem_line(subject: str, code: str) -> str:
    kind, what, to_do = _PROBLEMS[code]
    who = _(_SUBJECTS[kind]).format(subject=subject)
    return _("{who}: {what}; {to_do}.").format(who=who, what=_(what), to_do=_(to_do))


def codes() -> tuple[str, ...]:
    return tuple(_PROBLEMS)
