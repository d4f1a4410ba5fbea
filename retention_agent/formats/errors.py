"""What outside files can make a reader say. Each names the file as the user typed it (a
direct answer on the user's own terminal), and leaves the file untouched."""

from __future__ import annotations

from retention_agent.errors import ExitCode, RetentionError
from retention_agent.i18n import N_


class UnknownFormat(RetentionError):
    message = N_(
        "'{name}' is not an export retention can read. It reads WhatsApp chat exports "
        "(.zip, folder or .txt), SMS Backup & Restore files (.xml) and e-mail (.eml, .mbox). "
        "Nothing was changed; 'retention add' takes any file as it is."
    )
    exit_code = ExitCode.INPUT


class DamagedExport(RetentionError):
    message = N_(
        "'{name}' is damaged or incomplete, so it cannot be read. Nothing was changed; "
        "export it again."
    )
    exit_code = ExitCode.INPUT


class ZipBomb(RetentionError):
    message = N_(
        "'{name}' is a zip file that would unpack to far more than it holds (a zip bomb); "
        "it was not opened. Nothing was changed."
    )
    exit_code = ExitCode.REFUSED


class ZipUnsafeName(RetentionError):
    message = N_(
        "'{name}' is a zip file with an entry whose name points outside it (like '../x' or "
        "an absolute path); it was not opened. Nothing was changed."
    )
    exit_code = ExitCode.REFUSED


class ZipSymlink(RetentionError):
    message = N_(
        "'{name}' is a zip file with a symbolic link inside; links are not followed, so it "
        "was not opened. Nothing was changed."
    )
    exit_code = ExitCode.REFUSED


class ZipEncrypted(RetentionError):
    message = N_(
        "'{name}' is a password-protected zip file. Nothing was changed; export it again "
        "without a password."
    )
    exit_code = ExitCode.INPUT


class ZipUnsupported(RetentionError):
    message = N_(
        "'{name}' is a zip file packed in a way retention cannot read. Nothing was changed; "
        "unpack it and import the folder instead."
    )
    exit_code = ExitCode.INPUT


class UnsafeXml(RetentionError):
    message = N_(
        "'{name}' is XML with declarations an SMS backup never has (a DTD or entities); "
        "it was not read. Nothing was changed."
    )
    exit_code = ExitCode.REFUSED


class NothingToImport(RetentionError):
    message = N_(
        "Nothing in these files is with the contacts of case {case}, so nothing was imported. "
        "Add the case's contacts first ('retention add FILE.vcf --kind contact' or "
        "'retention contact add'), then import again."
    )
    exit_code = ExitCode.INPUT
