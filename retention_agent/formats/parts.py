"""What a reader makes of an export: the parts to put into the vault, what was left out,
and whether the source may be removed once every part is in the vault."""

from __future__ import annotations

import contextlib
import io
import mimetypes
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Final, Literal

PartKind = Literal["message", "photo"]
ExportFormat = Literal["whatsapp", "sms", "mail"]
FORMATS: Final[tuple[ExportFormat, ...]] = ("whatsapp", "sms", "mail")

# Photos and videos go under the photo rules (R2b offers them to the child's family).
MEDIA_SUFFIXES: Final = frozenset(
    {".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".bmp", ".tif", ".tiff"}
    | {".dng", ".mp4", ".mov", ".m4v", ".3gp", ".3g2", ".avi", ".mkv", ".webm", ".mpg", ".mpeg"}
)
_SAFE_SUFFIX: Final = re.compile(r"\.[a-z0-9]{1,8}")


@dataclass(frozen=True)
class Part:
    """One future vault item: its kind, a neutral name (never a person's or a file's own
    name), its size, a way to open its bytes, and where it came from (sealed with the
    item). The same fields as the vault's ``ingest.Part``, which this becomes."""

    kind: PartKind
    name: str
    size: int  # exactly the bytes ``open`` gives
    open: Callable[[], BinaryIO]
    meta: Mapping[str, Any]


@dataclass
class Export:
    """An export as read: its parts, in order, and what the reader learned about it.

    ``left_out`` counts the conversations or mails that are not with the case's own
    contacts (``left_out_messages`` their messages); they are never read further.
    ``holds_other`` says the source still holds something that was not imported, so
    it must never be removed; ``remove`` lists the files that may be removed once every
    part is in the vault and verified (empty when the source stays).
    """

    format: ExportFormat
    parts: tuple[Part, ...]
    origin: dict[str, Any]
    left_out: int = 0
    left_out_messages: int = 0
    holds_other: bool = False
    remove: tuple[Path, ...] = ()
    _closing: contextlib.ExitStack = field(default_factory=contextlib.ExitStack, repr=False)

    def close(self) -> None:
        """Close the files the parts read from."""
        self._closing.close()

    def __enter__(self) -> Export:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def suffix_of(name: str) -> str:
    """A file name's suffix in lower case, if it is a plain one (".jpg"), else ""."""
    suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
    return suffix if _SAFE_SUFFIX.fullmatch(suffix) else ""


def suffix_for_type(content_type: str) -> str:
    """The usual suffix of a MIME type (".jpg" for image/jpeg), or ""."""
    return suffix_of("x" + (mimetypes.guess_extension(content_type) or ""))


def media_kind(name: str) -> PartKind:
    return "photo" if suffix_of(name) in MEDIA_SUFFIXES else "message"


def bytes_opener(data: bytes) -> Callable[[], BinaryIO]:
    """A part's way to open bytes a reader already holds (an SMS conversation)."""
    return lambda: io.BytesIO(data)
