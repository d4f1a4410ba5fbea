"""One clean copy of one photo or video, in memory: what goes out of the vault carries no
metadata that could identify people or places.

* JPEG, not downscaled: stripped losslessly (``jpeg``), the compressed image unchanged.
* JPEG downscaled, HEIC/HEIF, and other still images Pillow reads: decoded, turned
  upright, optionally downscaled, and re-encoded at high quality from the pixels alone
  (PNG stays PNG; photos become JPEG, which every family can open).
* Videos (MP4/MOV): copied into a new container without metadata (``video``); a video too
  large to clean in memory, or in another container, is left out with a reason.

Pillow, pillow-heif and PyAV are imported only here, when an export runs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from retention_agent.export import jpeg, video

if TYPE_CHECKING:
    from PIL import Image

JPEG_QUALITY: Final = 92
# A video is cleaned in memory (nothing decrypted may touch the disk outside the chosen
# destination): its plaintext and its copy both have to fit.
MAX_VIDEO_BYTES: Final = 1 << 30
# What a re-encoded image may still carry: colour and pixel-density facts only.
_NEUTRAL_INFO: Final = frozenset(
    {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "icc_profile", "adobe"}
    | {"adobe_transform", "progressive", "progression", "gamma", "srgb", "transparency"}
)

Method = Literal["stripped", "reencoded", "remuxed"]
Reason = Literal["video-too-large", "video-unreadable", "unreadable"]


@dataclass(frozen=True)
class CleanCopy:
    data: bytes
    extension: str  # ".jpg", ".png", ".mp4" or ".mov"
    method: Method


class LeftOut(Exception):
    """This item cannot be exported cleanly; ``reason`` says why."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


def clean_copy(data: bytes, long_edge: int | None = None) -> CleanCopy:
    """A metadata-free copy of a photo or video; ``long_edge`` downscales larger photos."""
    if jpeg.is_jpeg(data) and (long_edge is None or not _larger_than(data, long_edge)):
        try:
            return CleanCopy(jpeg.strip(data), ".jpg", "stripped")
        except jpeg.JpegError:
            pass  # an unusual JPEG: Pillow may still decode it
    if video.is_video(data) and not _heif(data):
        return _video(data)
    return _reencode(data, long_edge)


def _heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in (
        b"heic",
        b"heix",
        b"heim",
        b"heis",
        b"hevc",
        b"hevx",
        b"mif1",
        b"msf1",
        b"avif",
    )


def _video(data: bytes) -> CleanCopy:
    if len(data) > MAX_VIDEO_BYTES:
        raise LeftOut("video-too-large")
    try:
        return CleanCopy(video.strip(data), video.extension(data), "remuxed")
    except video.VideoError:
        raise LeftOut("video-unreadable") from None


def _larger_than(data: bytes, long_edge: int) -> bool:
    try:
        return max(jpeg.dimensions(data)) > long_edge
    except jpeg.JpegError:
        return True  # cannot tell without decoding: re-encode, which decodes anyway


def open_image(data: bytes) -> Image.Image:
    from PIL import Image, UnidentifiedImageError
    from pillow_heif import register_heif_opener

    register_heif_opener()
    try:
        return Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        # Pillow's plugins signal a file they cannot parse with any of these.
        raise LeftOut("unreadable") from None


def _reencode(data: bytes, long_edge: int | None) -> CleanCopy:
    from PIL import Image, ImageOps

    source = open_image(data)
    try:
        if long_edge is not None and source.format == "JPEG":
            source.draft("RGB", (long_edge, long_edge))  # decode at a reduced scale: faster
        icc = source.info.get("icc_profile")
        upright = ImageOps.exif_transpose(source)
        keep_png = source.format == "PNG"
        alpha = "A" in upright.getbands() or "transparency" in upright.info
        pixels = upright.convert("RGBA" if alpha else "RGB")
        pixels.info = {}  # nothing of the original's metadata may be saved with the copy
        if long_edge is not None:
            pixels.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if keep_png or alpha:
            pixels.save(out, "PNG", icc_profile=icc)
            return CleanCopy(out.getvalue(), ".png", "reencoded")
        pixels.save(out, "JPEG", quality=JPEG_QUALITY, icc_profile=icc)
        return CleanCopy(out.getvalue(), ".jpg", "reencoded")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise LeftOut("unreadable") from None
    finally:
        source.close()


def is_clean(data: bytes, extension: str) -> bool:
    """Whether an exported file carries nothing but the image (or video) itself."""
    if extension == ".jpg":
        try:
            return jpeg.strip(data) == data
        except jpeg.JpegError:
            return False
    if extension == ".png":
        try:
            image = open_image(data)
        except LeftOut:
            return False
        return set(image.info) <= _NEUTRAL_INFO and not image.getexif()
    try:
        tags, kinds = video.metadata(data)
    except video.VideoError:
        return False
    return not tags and set(kinds) <= {"video", "audio"}
