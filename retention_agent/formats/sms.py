"""Android "SMS Backup & Restore" files: one message part per conversation with the
case's contacts, each MMS photo or video also as a photo part.

The format (``<smses count=...>`` holding ``<sms>`` and ``<mms>`` elements)::

    <sms address="+4512345678" date="1772355900000" type="1" body="Hej" .../>
    <mms address="+4512345678~+4587654321" date="..." msg_box="1" ...>
      <parts><part ct="image/jpeg" cl="IMG_0001.jpg" data="BASE64..."/>...</parts>
      <addrs><addr address="+4512345678" type="137"/>...</addrs>
    </mms>

A backup holds the whole phone, so only the conversations with the case's own phone
numbers are taken (any participant of a group conversation will do); the rest are
counted, never kept. Each conversation part is itself an SMS Backup & Restore file with
just that conversation's elements, as they were: it opens in the app again, and nothing
of it is lost. The file is parsed as a stream with defusedxml (no DTDs, no entities), so
memory holds one element at a time plus the conversations taken.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Final
from xml.etree.ElementTree import Element, ParseError, tostring

import defusedxml
from defusedxml.ElementTree import iterparse

from retention_agent.formats.addresses import Addresses, phone_key
from retention_agent.formats.errors import DamagedExport, UnsafeXml
from retention_agent.formats.parts import Export, Part, PartKind, bytes_opener, suffix_for_type

# An XML declaration, comments and (to be refused when read) a DTD may come first.
_SIGNATURE: Final = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]{0,200}\?>\s*)?(?:<!--.{0,1000}?-->\s*)*"
    rb"(?:<!DOCTYPE[^\[>]{0,200}(?:\[.{0,4000}?\])?\s*>\s*)?<smses[\s>/]",
    re.DOTALL,
)
_ADDRESS_SEPARATORS: Final = re.compile(r"[~,;]")
_HEADER: Final = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n"


def is_sms_backup(head: bytes) -> bool:
    return _SIGNATURE.match(head) is not None


@dataclass
class _Conversation:
    participants: list[str]
    elements: list[str] = field(default_factory=list)
    photos: list[tuple[PartKind, str, bytes]] = field(default_factory=list)

    def document(self) -> bytes:
        body = "".join(self.elements)
        return f'{_HEADER}<smses count="{len(self.elements)}">\n{body}</smses>\n'.encode()


def read_backup(handle: BinaryIO, source: Path, addresses: Addresses, label: str) -> Export:
    """The conversations with ``addresses`` in an SMS Backup & Restore file."""
    taken: dict[tuple[str, ...], _Conversation] = {}
    left_out: dict[tuple[str, ...], int] = {}
    others = 0
    try:
        depth = 0
        root: Element | None = None
        for event, element in iterparse(handle, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                continue
            depth -= 1
            if depth != 1 or root is None:
                continue
            if element.tag in ("sms", "mms"):
                _sort(element, addresses, taken, left_out)
            else:
                others += 1
            root.clear()
    except defusedxml.DefusedXmlException:  # a ValueError: caught before the others
        raise UnsafeXml(name=label) from None
    except (ParseError, LookupError, ValueError):  # encodings expat does not know or read
        raise DamagedExport(name=label) from None
    origin = {"format": "sms", "source": source.name}
    parts: list[Part] = []
    photo_number = 0
    for number, conversation in enumerate(taken.values(), start=1):
        document = conversation.document()
        meta = {**origin, "messages": len(conversation.elements)}
        meta["participants"] = conversation.participants
        name = f"sms-conversation-{number:03d}.xml"
        parts.append(Part("message", name, len(document), bytes_opener(document), meta))
        for kind, suffix, data in conversation.photos:
            photo_number += 1
            photo_name = f"sms-photo-{photo_number:04d}{suffix}"
            photo_meta = {**origin, "conversation": number}
            parts.append(Part(kind, photo_name, len(data), bytes_opener(data), photo_meta))
    holds_other = bool(left_out) or others > 0
    return Export(
        "sms",
        tuple(parts),
        {**origin, "conversations": len(taken)},
        left_out=len(left_out),
        left_out_messages=sum(left_out.values()),
        holds_other=holds_other,
        remove=() if holds_other or not parts else (source,),
    )


def _sort(
    element: Element,
    addresses: Addresses,
    taken: dict[tuple[str, ...], _Conversation],
    left_out: dict[tuple[str, ...], int],
) -> None:
    """File one message under its conversation, taken or left out."""
    raw = [a.strip() for a in _ADDRESS_SEPARATORS.split(element.get("address", "")) if a.strip()]
    key = tuple(sorted({phone_key(a) or a.casefold() for a in raw}))
    if not any(addresses.has_phone(a) for a in raw):
        left_out[key] = left_out.get(key, 0) + 1
        return
    conversation = taken.setdefault(key, _Conversation(participants=raw))
    conversation.elements.append(tostring(element, encoding="unicode"))
    if element.tag == "mms":
        conversation.photos.extend(_media(element))


def _media(mms: Element) -> list[tuple[PartKind, str, bytes]]:
    """An MMS's photos and videos; one whose data is not base64 stays only in the
    conversation, which keeps it as it was."""
    found: list[tuple[PartKind, str, bytes]] = []
    for part in mms.iter("part"):
        content_type = part.get("ct", "").split(";")[0].strip().lower()
        if not content_type.startswith(("image/", "video/")):
            continue
        try:
            data = base64.b64decode(part.get("data", ""), validate=False)
        except (binascii.Error, ValueError):
            continue
        if data:
            found.append(("photo", suffix_for_type(content_type), data))
    return found
