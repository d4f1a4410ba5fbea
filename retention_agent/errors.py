"""One base error; each subclass owns its user text (an English msgid, translated to
Danish through the catalog) and its exit code. The CLI has the only handler.

User texts never carry private data: they name item ids, case ids, argument numbers
and policy file lines, never a child's name or a file's name.
"""

from __future__ import annotations

import datetime as dt
from enum import IntEnum
from typing import Any, ClassVar

from retention_agent.i18n import N_, _, format_date
from retention_agent.names import shown


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1
    USAGE = 2
    NOT_FOUND = 3
    INTEGRITY = 4
    KEY = 5
    DISK = 6
    VAULT_STATE = 7
    POLICY = 8
    INPUT = 9
    REFUSED = 10
    AGENT_RUNNING = 11
    INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
    BROKEN_PIPE = 141  # 128 + SIGPIPE: the output's reader went away


class RetentionError(Exception):
    """Base of every error a person may see. ``message`` is a msgid with ``{fields}``."""

    message: ClassVar[str] = N_("Something went wrong.")
    exit_code: ClassVar[ExitCode] = ExitCode.FAILURE

    def __init__(self, **fields: Any) -> None:
        self.fields = fields
        super().__init__(self.message.format(**fields))

    def user_text(self) -> str:
        return _(self.message).format(**{name: _shown(v) for name, v in self.fields.items()})


class Phrase(str):
    """A field of an error that is itself a message (an English msgid): it is translated
    when the error is shown, like the error's own text."""

    __slots__ = ()


def _shown(value: Any) -> Any:
    """Dates the reader's way ("1. marts 2027"), phrases in the reader's language, and any
    other text (it may be a file name the user typed) shown safely: never able to fake a
    line or steer the terminal (``names.shown``)."""
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, Phrase):
        return _(value)
    if isinstance(value, str):
        return shown(value)
    return value


class VaultNotInitialised(RetentionError):
    message = N_("There is no vault here yet. Run 'retention init' first.")
    exit_code = ExitCode.VAULT_STATE


class VaultAlreadyInitialised(RetentionError):
    message = N_("A vault already exists here; nothing was changed.")
    exit_code = ExitCode.VAULT_STATE


class VaultBusy(RetentionError):
    message = N_("The vault is in use by another retention command. Try again in a moment.")
    exit_code = ExitCode.VAULT_STATE


class VaultReadOnly(RetentionError):
    message = N_(
        "The vault is on a read-only disk or folder, so nothing can be changed in it. "
        "Commands that only look (status, list, plan, receipts) still work."
    )
    exit_code = ExitCode.VAULT_STATE


class VaultUnreadable(RetentionError):
    message = N_(
        "The vault index is damaged or is not a retention-agent vault; nothing was changed. "
        "Restore it from a backup or ask for help."
    )
    exit_code = ExitCode.INTEGRITY


class SourceMissing(RetentionError):
    message = N_("'{name}' does not exist. Nothing was changed.")
    exit_code = ExitCode.NOT_FOUND


class SourceIsDirectory(RetentionError):
    message = N_("'{name}' is a folder with no files in it; nothing was added.")
    exit_code = ExitCode.INPUT


class SourceIsSymlink(RetentionError):
    message = N_(
        "'{name}' is a symbolic link; links are not followed. Give the real file instead. "
        "Nothing was changed."
    )
    exit_code = ExitCode.REFUSED


class SourceIsSpecial(RetentionError):
    message = N_("'{name}' is not a regular file (a device, pipe or socket). Nothing was changed.")
    exit_code = ExitCode.REFUSED


class SourceUnreadable(RetentionError):
    message = N_("'{name}' cannot be read: permission denied. Nothing was changed.")
    exit_code = ExitCode.INPUT


class SourceNotRemovable(RetentionError):
    message = N_(
        "'{name}' could not be removed afterwards: its folder is read-only or belongs to "
        "someone else. Nothing was changed. Add it with --keep-original to keep the file "
        "where it is, or move it to a folder of your own first."
    )
    exit_code = ExitCode.REFUSED


class SourceChanged(RetentionError):
    message = N_(
        "'{name}' changed while it was being added. Nothing was changed; wait until it is "
        "complete and try again."
    )
    exit_code = ExitCode.REFUSED


class DuplicateContent(RetentionError):
    message = N_(
        "'{name}' is already in case {case} as item {item}. Nothing was changed; add "
        "--allow-duplicate to add it again anyway."
    )
    exit_code = ExitCode.REFUSED


class DuplicateInCommand(RetentionError):
    message = N_(
        "'{name}' has the same content as '{other}'. Nothing was changed; give only one of "
        "them, or add --allow-duplicate."
    )
    exit_code = ExitCode.REFUSED


class DiskFull(RetentionError):
    message = N_(
        "Not enough free disk space for the vault: {needed} needed, {free} free. "
        "Nothing was written."
    )
    exit_code = ExitCode.DISK


class IntegrityError(RetentionError):
    message = N_(
        "Item {item} is damaged or has been tampered with; it cannot be decrypted. "
        "Nothing was written."
    )
    exit_code = ExitCode.INTEGRITY


class BlobMissing(RetentionError):
    message = N_("The encrypted file of item {item} is missing from the vault.")
    exit_code = ExitCode.INTEGRITY


class UnknownCase(RetentionError):
    message = N_("There is no case with id {case}. 'retention case list' shows the cases.")
    exit_code = ExitCode.NOT_FOUND


class UnknownItem(RetentionError):
    message = N_("There is no item with id {item}. 'retention list' shows the items.")
    exit_code = ExitCode.NOT_FOUND


class BadDate(RetentionError):
    message = N_("'{value}' is not a valid date; write it as YYYY-MM-DD, e.g. 2026-03-01.")
    exit_code = ExitCode.INPUT


class BadNow(RetentionError):
    message = N_(
        "RETENTION_NOW='{value}' is not an ISO date or date and time "
        "(e.g. 2026-03-01 or 2026-03-01T09:00)."
    )
    exit_code = ExitCode.INPUT


class TargetExists(RetentionError):
    message = N_("The folder already holds a file with the item's name; nothing was overwritten.")
    exit_code = ExitCode.REFUSED


class TargetNotDirectory(RetentionError):
    message = N_("The destination is not an existing folder.")
    exit_code = ExitCode.INPUT


class BadContact(RetentionError):
    message = N_("File number {position} is not a readable vCard (.vcf) file.")
    exit_code = ExitCode.INPUT


class ContactNeedsName(RetentionError):
    message = N_("A contact needs a name (--name).")
    exit_code = ExitCode.INPUT


class WrongKey(RetentionError):
    message = N_(
        "The key found for this vault does not open it; the key store may belong to "
        "another vault. Nothing was changed."
    )
    exit_code = ExitCode.KEY


class DecisionAlreadyRecorded(RetentionError):
    """``decision`` is a :class:`Phrase` saying what was recorded."""

    message = N_(
        "Case {case} already has a decision recorded: {decision}. It cannot be changed here; "
        "ask your Red Barnet contact person if it was a mistake."
    )
    exit_code = ExitCode.REFUSED


class CaseAlreadyEnded(RetentionError):
    message = N_(
        "Case {case} has counted as ended since {date} because no decision was recorded in "
        "time; it can no longer be continued."
    )
    exit_code = ExitCode.REFUSED


class CaseIsPrivate(RetentionError):
    message = N_(
        "Case {case} continues privately, and its Hjem til Os year ended on {date}, so the "
        "relationship can no longer be recorded as ended. To stop keeping the case's data, "
        "run 'retention case close --case {case}'."
    )
    exit_code = ExitCode.REFUSED


class CaseNotContinued(RetentionError):
    message = N_(
        "Only a case that continues privately after the Hjem til Os year can be closed, and "
        "case {case} does not. When a relationship ends, everything in its case is deleted "
        "under R2 anyway ('retention case end' records the end)."
    )
    exit_code = ExitCode.REFUSED


class CloseWithinYear(RetentionError):
    message = N_(
        "The Hjem til Os year of case {case} lasts until {date}. If the relationship has "
        "stopped, record it with 'retention case end --case {case}' (R2)."
    )
    exit_code = ExitCode.REFUSED


class CaseAlreadyClosed(RetentionError):
    message = N_("Case {case} was already closed on {date}.")
    exit_code = ExitCode.REFUSED


class StartTooFarAhead(RetentionError):
    message = N_(
        "The match date {start} is more than a year from today; the latest date possible is "
        "{latest}. Check the year."
    )
    exit_code = ExitCode.INPUT


class CaseOnHold(RetentionError):
    message = N_(
        "Case {case} has a hold (C2) until {date}, so nothing in it can be deleted before "
        "then. Release the hold first with 'retention release --case {case}'."
    )
    exit_code = ExitCode.REFUSED


class BadEndDate(RetentionError):
    message = N_("The end date must be between the match date ({start}) and today ({today}).")
    exit_code = ExitCode.INPUT


class CaseDamaged(RetentionError):
    message = N_(
        "The rows of case {case} in the vault's index were changed or damaged, so nothing "
        "can be recorded for it. Its data is deleted at the next 'retention apply'; "
        "'retention verify' says more."
    )
    exit_code = ExitCode.INTEGRITY


class CaseNotEnded(RetentionError):
    message = N_(
        "Case {case} has not ended, so there is no photo export to record. "
        "Record the ending first with 'retention case end'."
    )
    exit_code = ExitCode.REFUSED


class ExportAlreadyRecorded(RetentionError):
    """``outcome`` is a :class:`Phrase`."""

    message = N_("What happened to the photos of case {case} is already recorded: {outcome}.")
    exit_code = ExitCode.REFUSED


class HoldTooLong(RetentionError):
    message = N_("A hold can last at most until {latest} under the policy of case {case}.")
    exit_code = ExitCode.INPUT


class HoldInPast(RetentionError):
    message = N_("A hold must last until a day after today ({today}).")
    exit_code = ExitCode.INPUT


class HoldNeedsReason(RetentionError):
    message = N_("A hold needs a reason (--reason); it is stored encrypted.")
    exit_code = ExitCode.INPUT


class NoActiveHold(RetentionError):
    message = N_("Case {case} has no active hold.")
    exit_code = ExitCode.REFUSED


class UnknownChecklistPlace(RetentionError):
    message = N_("'{place}' is not on the checklist. The places are: {places}.")
    exit_code = ExitCode.INPUT


class ReceiptsBroken(RetentionError):
    message = N_(
        "The receipt log has been changed or damaged from receipt number {seq} on; "
        "it can no longer be trusted."
    )
    exit_code = ExitCode.INTEGRITY


class IndexUnavailable(RetentionError):
    message = N_(
        "The disk is full or failing, so the vault index cannot be used right now. "
        "Nothing was changed; free some space and try again."
    )
    exit_code = ExitCode.DISK


# --- the operating system's refusals, in words that say what to do ----------------------


class AccessDenied(RetentionError):
    message = N_(
        "The operating system refused access to a file or folder this command needs "
        "(permission denied). If the vault belongs to another user account on this "
        "computer, run the command as that user. Nothing was changed."
    )
    exit_code = ExitCode.FAILURE


class ReadOnlyDisk(RetentionError):
    message = N_(
        "A file or folder this command needs is on a read-only disk, so it cannot be "
        "changed. Nothing was changed."
    )
    exit_code = ExitCode.FAILURE


class NoSpaceLeft(RetentionError):
    message = N_("The disk is full. Nothing was changed; free some space and try again.")
    exit_code = ExitCode.DISK


class PathVanished(RetentionError):
    message = N_(
        "A file or folder this command needs does not exist (it may have been moved or "
        "deleted while the command ran). Nothing was changed."
    )
    exit_code = ExitCode.NOT_FOUND


class FolderNotFile(RetentionError):
    message = N_("A folder was found where a file was expected. Nothing was changed.")
    exit_code = ExitCode.INPUT


class OsRefused(RetentionError):
    message = N_("The operating system refused a file operation (error {code}).")
    exit_code = ExitCode.FAILURE


class Unexpected(RetentionError):
    message = N_(
        "An unexpected problem stopped the command (a fault in retention-agent). What was "
        "already done is kept. Run the command again with --debug and send what it prints "
        "to the developers: it contains no names."
    )
    exit_code = ExitCode.FAILURE


def from_os_error(error: OSError) -> RetentionError | None:
    """Our error for a common refusal of the operating system, or None for the rest.
    The OS's own message is never shown: it carries the path, which may name the child."""
    import errno

    by_code: dict[int, type[RetentionError]] = {
        errno.EACCES: AccessDenied,
        errno.EPERM: AccessDenied,
        errno.EROFS: ReadOnlyDisk,
        errno.ENOSPC: NoSpaceLeft,
        errno.EDQUOT: NoSpaceLeft,
        errno.ENOENT: PathVanished,
        errno.EISDIR: FolderNotFile,
    }
    found = by_code.get(error.errno) if error.errno is not None else None
    return found() if found is not None else None
