"""E-mail: ``.eml`` files and mbox mailboxes (a Thunderbird folder file, or the ``mbox``
inside an Apple Mail ``.mbox`` folder). One message part per mail with the case's
contacts, each image or video in it also as a photo part.

A mail is the case's when one of its From, To, Cc, Bcc, Reply-To, Sender or Resent-*
addresses is a case contact's (compared without case); the others are counted, never
kept. A mail part is the mail's bytes as they were (the .eml, or the mbox entry without
its ``From`` separator line), so nothing of it is lost; photo parts are decoded from it
when they are read, one mail at a time.

An mbox is a mail program's own storage, so it is never removed, even when every mail
in it was taken: the checklist asks the family to delete the mails in the program.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import compat32
from email.utils import getaddresses
from pathlib import Path
from typing import BinaryIO, Final

from retention_agent.formats.addresses import Addresses
from retention_agent.formats.parts import Export, Part, suffix_for_type, suffix_of
from retention_agent.formats.source import opener, slice_opener
from retention_agent.vault.sources import Identity

_PARTICIPANTS: Final = (
    "from",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "sender",
    "resent-from",
    "resent-to",
    "resent-cc",
)
_HEADER_LINE: Final = re.compile(rb"^([!-9;-~]+):")
_MAIL_HEADERS: Final = frozenset(
    {b"to", b"cc", b"subject", b"date", b"message-id", b"received", b"mime-version"}
    | {b"return-path", b"delivered-to", b"reply-to", b"content-type", b"x-mailer"}
)


def is_mbox(head: bytes) -> bool:
    return head.startswith(b"From ")


def is_eml(head: bytes) -> bool:
    """Mail headers from the first line on: a From and at least one other mail header."""
    names: set[bytes] = set()
    for line in head.splitlines()[:200]:
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t"):
            continue
        match = _HEADER_LINE.match(line)
        if match is None:
            return False
        names.add(match.group(1).lower())
    return b"from" in names and bool(names & _MAIL_HEADERS)


def participants(data: bytes) -> list[str]:
    """Every address a mail is from, to or about, as written."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(data)
    values = [str(value) for name in _PARTICIPANTS for value in headers.get_all(name, [])]
    return [address for _, address in getaddresses(values) if address]


def _is_case_mail(data: bytes, addresses: Addresses) -> bool:
    return any(addresses.has_email(address) for address in participants(data))


def media(data: bytes) -> list[tuple[str, bytes]]:
    """The images and videos in a mail: (suffix, decoded bytes), in mail order."""
    message = BytesParser(policy=compat32).parsebytes(data)
    return [(_suffix(part), payload) for part, payload in _media_parts(message)]


def _media_parts(message: Message) -> Iterator[tuple[Message, bytes]]:
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() not in ("image", "video"):
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and payload:
            yield part, payload


def _suffix(part: Message) -> str:
    return suffix_of(part.get_filename() or "") or suffix_for_type(part.get_content_type())


def _mail_parts(
    number: int, open_mail: Callable[[], BinaryIO], data: bytes, origin: dict[str, str]
) -> list[Part]:
    meta = {**origin, "mail": number}
    parts = [Part("message", f"mail-{number:04d}.eml", len(data), open_mail, meta)]
    for index, (suffix, payload) in enumerate(media(data)):
        name = f"mail-{number:04d}-photo-{index + 1:02d}{suffix}"
        parts.append(Part("photo", name, len(payload), _media_opener(open_mail, index), meta))
    return parts


def _media_opener(open_mail: Callable[[], BinaryIO], index: int) -> Callable[[], BinaryIO]:
    def open_media() -> BinaryIO:
        with open_mail() as handle:
            return io.BytesIO(media(handle.read())[index][1])

    return open_media


def read_eml(
    handle: BinaryIO, file_id: Identity, source: Path, addresses: Addresses, name: str
) -> Export:
    data = handle.read()
    origin = {"format": "mail", "source": source.name}
    if not _is_case_mail(data, addresses):
        return Export("mail", (), origin, left_out=1, left_out_messages=1, holds_other=True)
    parts = _mail_parts(1, opener(source, file_id, name), data, origin)
    return Export("mail", tuple(parts), {**origin, "mails": 1}, remove=(source,))


def read_mbox(
    handle: BinaryIO,
    file_id: Identity,
    path: Path,
    source: Path,
    addresses: Addresses,
    name: str,
) -> Export:
    """The case's mails in the mbox file ``path`` (``source`` is what the user named:
    the file itself, or an Apple Mail ``.mbox`` folder around it)."""
    origin = {"format": "mail", "source": source.name}
    parts: list[Part] = []
    left_out = taken = 0
    for start, end in list(_mbox_spans(handle)):
        handle.seek(start)
        data = handle.read(end - start)
        if not _is_case_mail(data, addresses):
            left_out += 1
            continue
        taken += 1
        open_mail = slice_opener(path, file_id, start, end - start, name)
        parts += _mail_parts(taken, open_mail, data, origin)
    return Export(
        "mail",
        tuple(parts),
        {**origin, "mails": taken},
        left_out=left_out,
        left_out_messages=left_out,
        holds_other=bool(left_out),
    )


def _mbox_spans(handle: BinaryIO) -> Iterator[tuple[int, int]]:
    """(start, end) of each mail: after its ``From `` line, up to the blank line before
    the next one. A ``From `` line starts a mail at the top or after a blank line."""
    handle.seek(0)
    offset = 0
    start: int | None = None
    blank_before = True
    last_blank = 0  # length of the blank line just read, if the last line was blank
    for line in handle:
        if blank_before and line.startswith(b"From "):
            if start is not None:
                yield start, offset - last_blank
            start = offset + len(line)
        blank_before = not line.strip()
        last_blank = len(line) if blank_before else 0
        offset += len(line)
    if start is not None:
        yield start, offset - last_blank
