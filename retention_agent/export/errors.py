"""What can go wrong when photos leave the vault, each with its own exit code. The texts
name case and item ids only, never a file's or a child's name."""

from __future__ import annotations

from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_


class NoPhotos(RetentionError):
    message = N_("Case {case} has no photos to export.")
    exit_code = ExitCode.NOT_FOUND


class NotAPhotoOfCase(RetentionError):
    message = N_("Item {item} is not a photo of case {case}. 'retention list' shows the items.")
    exit_code = ExitCode.INPUT


class BadPartSize(RetentionError):
    message = N_("The size of each zip file must be between {low} and {high} MB.")
    exit_code = ExitCode.INPUT


class BadLongEdge(RetentionError):
    message = N_("The long edge must be between {low} and {high} pixels.")
    exit_code = ExitCode.INPUT


class DestinationNeeded(RetentionError):
    message = N_("Say where the photos should go: --to FOLDER.")
    exit_code = ExitCode.INPUT


class DestinationNotWritable(RetentionError):
    message = N_("The destination folder cannot be written to. Choose another folder.")
    exit_code = ExitCode.INPUT


class NoRoomForExport(RetentionError):
    message = N_(
        "Not enough free space in the destination for the photos: {needed} needed, "
        "{free} free. Nothing was exported."
    )
    exit_code = ExitCode.DISK


class ExportDiskFull(RetentionError):
    message = N_(
        "The destination disk became full during the export. Every file of this export "
        "was removed again; free some space or choose another folder."
    )
    exit_code = ExitCode.DISK


class NothingExportable(RetentionError):
    message = N_("None of the chosen photos could be exported cleanly; nothing was written.")
    exit_code = ExitCode.REFUSED


class ExportCancelled(RetentionError):
    message = N_("The export was stopped before it finished; its files were removed again.")
    exit_code = ExitCode.FAILURE
