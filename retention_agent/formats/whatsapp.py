"""WhatsApp "Export chat": the chat text as one message part, each photo or video as a
photo part, every other attachment (voice notes, documents, stickers) as a message part.

What WhatsApp writes (the text is UTF-8; the date and time follow the phone's locale):
- Android: ``WhatsApp Chat with NAME.txt`` ("WhatsApp-chat med NAME.txt" in Danish),
  lines ``12/03/2026, 14:05 - NAME: text`` or ``12.03.2026 14.05 - ...``; attachments as
  ``IMG-20260312-WA0001.jpg (file attached)``; shared as a zip or as the bare text file
  when exported without media.
- iOS: a zip holding ``_chat.txt`` with lines ``[12/03/2026, 14:05:33] NAME: text``,
  often behind a left-to-right mark, attachments as ``<attached: 00000012-PHOTO-...jpg>``.
- Either unzipped by the user into a folder.

An export is made for this one chat, so nothing is filtered: a zip or a bare text file is
removed whole once every part is in the vault; of a folder, only the files the chat
names are taken (and removed), and the folder is never removed when it holds others.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Final, Literal

from retention_agent.errors import SourceUnreadable
from retention_agent.formats.archive import Entry, SafeZip
from retention_agent.formats.errors import DamagedExport
from retention_agent.formats.parts import Export, Part, media_kind, suffix_of
from retention_agent.formats.source import opener, reopen
from retention_agent.vault.sources import Identity

Variant = Literal["android", "ios"]

_HEAD_SIZE: Final = 4096
_DATE = r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"
_TIME = r"\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[ \u202f\u00a0]?[AaPp]\.?[ \u00a0]?[Mm]\.?)?"
_STARTS: Final[dict[Variant, re.Pattern[str]]] = {
    "android": re.compile(rf"^\u200e?{_DATE},? {_TIME} [-–] ", re.MULTILINE),
    "ios": re.compile(rf"^\u200e?\[{_DATE},? {_TIME}\] ", re.MULTILINE),
}
# "<attached: NAME>" (iOS, any language) and "NAME (file attached)" (Android).
_ATTACHED: Final = (
    re.compile(r"<[^<>:\n]{1,40}: ([^<>\n/\\]+)>\s*$", re.MULTILINE),
    re.compile(
        r"(?:: |- )\u200e?([^\n:/\\]+\.[A-Za-z0-9]{1,8}) \([^()\n]{1,40}\)\s*$", re.MULTILINE
    ),
)
CHAT_NAME: Final = "whatsapp-chat.txt"


def variant_of(head: bytes) -> Variant | None:
    """Which WhatsApp text this is, from its first line; ``None`` if it is none."""
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    first = text.split("\n", 1)[0]
    for variant, start in _STARTS.items():
        if start.match(first):
            return variant
    return None


def find_chat(names: Iterable[str], head: Callable[[str], bytes]) -> tuple[str, Variant] | None:
    """The chat text among an export's files: ``_chat.txt``, else a text file named
    like WhatsApp's, else any text file that reads like a chat."""
    texts = [name for name in names if PurePosixPath(name).suffix.lower() == ".txt"]
    texts.sort(key=lambda n: (PurePosixPath(n).name != "_chat.txt", "whatsapp" not in n.lower()))
    for name in texts:
        variant = variant_of(head(name))
        if variant is not None:
            return name, variant
    return None


def _facts(text: bytes, variant: Variant) -> dict[str, int | str]:
    decoded = text.decode("utf-8-sig", errors="replace")
    return {"variant": variant, "messages": len(_STARTS[variant].findall(decoded))}


def _attachment_names(text: bytes) -> set[str]:
    decoded = text.decode("utf-8-sig", errors="replace")
    return {match.strip() for pattern in _ATTACHED for match in pattern.findall(decoded)}


def _part(
    number: int, name: str, size: int, open_: Callable[[], BinaryIO], origin: dict[str, str]
) -> Part:
    kind = media_kind(name)
    # Stickers are WhatsApp's own pictures, not photos of anyone.
    base = PurePosixPath(name).name.upper()
    if base.startswith("STK-") or "-STICKER-" in base:
        kind = "message"
    neutral = f"whatsapp-{'photo' if kind == 'photo' else 'file'}-{number:04d}{suffix_of(name)}"
    return Part(kind, neutral, size, open_, {**origin, "entry": name})


def from_zip(archive: SafeZip, source: Path) -> Export | None:
    """The export in a zip archive, or ``None`` if it holds no WhatsApp chat."""
    by_name = {entry.name: entry for entry in archive.entries}
    found = find_chat(by_name, lambda name: archive.head(by_name[name], _HEAD_SIZE))
    if found is None:
        return None
    chat_name, variant = found
    with archive.open(by_name[chat_name]) as stream:
        facts = _facts(stream.read(), variant)
    origin = {"format": "whatsapp", "source": source.name}

    def opens(entry: Entry) -> Callable[[], BinaryIO]:
        return lambda: archive.open(entry)

    chat = by_name[chat_name]
    parts = [Part("message", CHAT_NAME, chat.size, opens(chat), {**origin, "entry": chat_name})]
    others = [entry for entry in archive.entries if entry.name != chat_name]
    parts += [_part(n, e.name, e.size, opens(e), origin) for n, e in enumerate(others, start=1)]
    export = Export("whatsapp", tuple(parts), {**origin, **facts}, remove=(source,))
    export._closing.callback(archive.close)
    return export


def from_text(handle: BinaryIO, file_id: Identity, source: Path, label: str) -> Export | None:
    """A chat exported without media as the bare text file, or ``None``."""
    text = handle.read()
    variant = variant_of(text[:_HEAD_SIZE])
    if variant is None:
        return None
    origin = {"format": "whatsapp", "source": source.name}
    chat_open = opener(source, file_id, label)
    part = Part("message", CHAT_NAME, file_id.size, chat_open, {**origin, "entry": source.name})
    return Export("whatsapp", (part,), {**origin, **_facts(text, variant)}, remove=(source,))


def from_folder(folder: Path, label: str) -> Export | None:
    """An export unzipped into a folder, or ``None`` if the folder holds no chat."""
    files: dict[str, tuple[Path, Identity]] = {}
    others = 0
    try:
        for path in sorted(folder.iterdir()):
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):  # links and subfolders are never followed
                others += 1
                continue
            files[path.name] = (path, Identity.of(info))
    except PermissionError:
        raise SourceUnreadable(name=label) from None

    def head(name: str) -> bytes:
        path, file_id = files[name]
        with reopen(path, file_id, label) as handle:
            return handle.read(_HEAD_SIZE)

    found = find_chat(files, head)
    if found is None:
        return None
    chat_name, variant = found
    chat_path, chat_id = files.pop(chat_name)
    with reopen(chat_path, chat_id, label) as handle:
        text = handle.read()
    if len(text) != chat_id.size:
        raise DamagedExport(name=label)
    named = _attachment_names(text)
    attached = [name for name in files if name in named]
    origin = {"format": "whatsapp", "source": folder.name}
    chat_open = opener(chat_path, chat_id, label)
    parts = [Part("message", CHAT_NAME, chat_id.size, chat_open, {**origin, "entry": chat_name})]
    for number, name in enumerate(attached, start=1):
        path, file_id = files[name]
        parts.append(_part(number, name, file_id.size, opener(path, file_id, label), origin))
    return Export(
        "whatsapp",
        tuple(parts),
        {**origin, **_facts(text, variant)},
        holds_other=bool(others) or len(attached) < len(files),
        remove=(chat_path, *(files[name][0] for name in attached)),
    )
