"""Which export a file or folder is, and reading it: the one entry point of the readers.

Recognised by content, never by name alone: a zip holding a WhatsApp chat, a WhatsApp
chat text, an SMS Backup & Restore file, an mbox, an .eml; a folder holding an unzipped
WhatsApp export or Apple Mail's ``mbox``. Anything else is refused with the list of
known formats (``UnknownFormat``); ``retention add`` still takes any file as it is.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Final

from retention_agent.formats import mail, sms, whatsapp
from retention_agent.formats.addresses import Addresses
from retention_agent.formats.archive import ZIP_MAGIC, SafeZip
from retention_agent.formats.errors import UnknownFormat
from retention_agent.formats.parts import Export
from retention_agent.formats.source import kind_of, open_regular

_SNIFF: Final = 64 << 10


def read_export(path: Path, *, addresses: Addresses) -> Export:
    """Read the export at ``path`` (a file or a folder) for a case whose contacts have
    ``addresses``. The caller closes the result (it may hold the file open). Errors name
    the file as the user typed it."""
    label = str(path)
    if kind_of(path, label) == "folder":
        return _read_folder(path, addresses, label)
    with contextlib.ExitStack() as stack:
        handle, file_id = open_regular(path, label)
        stack.callback(handle.close)
        head = handle.read(_SNIFF)
        handle.seek(0)
        if head.startswith(ZIP_MAGIC):
            archive = SafeZip(handle, label)
            export = whatsapp.from_zip(archive, path)
            if export is None:
                archive.close()
                raise UnknownFormat(name=label)
            export._closing.push(stack.pop_all())
            return export
        if sms.is_sms_backup(head):
            return sms.read_backup(handle, path, addresses, label)
        if mail.is_mbox(head):
            return mail.read_mbox(handle, file_id, path, path, addresses, label)
        if whatsapp.variant_of(head[:4096]) is not None:
            found = whatsapp.from_text(handle, file_id, path, label)
            if found is not None:
                return found
        if mail.is_eml(head):
            return mail.read_eml(handle, file_id, path, addresses, label)
    raise UnknownFormat(name=label)


def _read_folder(folder: Path, addresses: Addresses, label: str) -> Export:
    mbox = folder / "mbox"  # Apple Mail exports a mailbox as NAME.mbox/mbox
    if mbox.is_file():
        handle, file_id = open_regular(mbox, label)
        with handle:
            if mail.is_mbox(handle.read(_SNIFF)):
                return mail.read_mbox(handle, file_id, mbox, folder, addresses, label)
    found = whatsapp.from_folder(folder, label)
    if found is None:
        raise UnknownFormat(name=label)
    return found
