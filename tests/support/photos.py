"""Photos laden with every kind of metadata a phone or camera writes, built byte by byte
so the tests know exactly what is in them: EXIF (GPS, serial numbers, maker note, owner,
an embedded thumbnail), XMP, IPTC, a comment, a multi-picture segment and a motion-photo
trailer after the image. ``SECRETS`` are byte strings none of which may survive export."""

from __future__ import annotations

import io
import struct
from typing import Final

from PIL import Image, ImageCms, ImageDraw

ASCII, SHORT, LONG, RATIONAL, UNDEFINED = 2, 3, 4, 5, 7
SECRETS: Final = (
    b"SecretCam",
    b"SERIAL-12345",
    b"LENS-999",
    b"MAKERNOTE-SECRET",
    b"Parent One",
    b"PhoneOS",
    b"2026:05:01",
    b"http://ns.adobe.com/xap/1.0/",
    b"55.6761",
    b"Photoshop 3.0",
    b"Photographer Name",
    b"Copenhagen",
    b"COMMENT-SECRET",
    b"MPF\0",
    b"MOTION-PHOTO-GPS",
    b"THUMBNAIL-SECRET",
)
XMP: Final = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" exif:GPSLatitude="55.6761N" '
    b'dc:creator="Parent One"/></rdf:RDF></x:xmpmeta>'
)


Entry = tuple[int, int, int, bytes]  # tag, type, count, raw value


def _entry(tag: int, kind: int, value: bytes | int | str | list[tuple[int, int]]) -> Entry:
    if isinstance(value, str):
        raw, count = value.encode() + b"\0", len(value) + 1
    elif isinstance(value, int):
        raw, count = (struct.pack(">H", value) if kind == SHORT else struct.pack(">I", value)), 1
    elif isinstance(value, list):
        raw, count = b"".join(struct.pack(">II", n, d) for n, d in value), len(value)
    else:
        raw, count = value, len(value)
    return tag, kind, count, raw


def _ifd(entries: list[Entry], offset: int, next_ifd: int = 0) -> bytes:
    """One big-endian IFD at ``offset``, its long values right after it."""
    data_at = offset + 2 + 12 * len(entries) + 4
    table, data = struct.pack(">H", len(entries)), b""
    for tag, kind, count, raw in sorted(entries):
        if len(raw) <= 4:
            table += struct.pack(">HHI", tag, kind, count) + raw.ljust(4, b"\0")
        else:
            table += struct.pack(">HHII", tag, kind, count, data_at + len(data))
            data += raw + b"\0" * (len(raw) % 2)
    return table + struct.pack(">I", next_ifd) + data


def _sized(entries: list[Entry]) -> int:
    return len(_ifd(entries, 0))


def exif(orientation: int) -> bytes:
    """An APP1 EXIF payload: IFD0 -> EXIF IFD, GPS IFD; IFD1 with a JPEG thumbnail."""
    thumb = _small_jpeg((64, 48), comment=b"THUMBNAIL-SECRET")
    exif_ifd = [
        _entry(0x9003, ASCII, "2026:05:01 12:00:00"),
        _entry(0x927C, UNDEFINED, b"MAKERNOTE-SECRET-0001"),
        _entry(0xA430, ASCII, "Parent One"),
        _entry(0xA431, ASCII, "SERIAL-12345"),
        _entry(0xA435, ASCII, "LENS-999"),
    ]
    gps_ifd = [
        _entry(1, ASCII, "N"),
        _entry(2, RATIONAL, [(55, 1), (40, 1), (34, 1)]),
        _entry(3, ASCII, "E"),
        _entry(4, RATIONAL, [(12, 1), (34, 1), (5, 1)]),
    ]
    ifd0 = [
        _entry(0x010F, ASCII, "SecretCam"),
        _entry(0x0110, ASCII, "Model X"),
        _entry(0x0112, SHORT, orientation),
        _entry(0x0131, ASCII, "PhoneOS 1.0"),
        _entry(0x8769, LONG, 0),
        _entry(0x8825, LONG, 0),
    ]
    ifd1 = [_entry(0x0103, SHORT, 6), _entry(0x0201, LONG, 0), _entry(0x0202, LONG, len(thumb))]
    at_ifd0 = 8
    at_exif = at_ifd0 + _sized(ifd0)
    at_gps = at_exif + _sized(exif_ifd)
    at_ifd1 = at_gps + _sized(gps_ifd)
    at_thumb = at_ifd1 + _sized(ifd1)
    ifd0[4] = _entry(0x8769, LONG, at_exif)
    ifd0[5] = _entry(0x8825, LONG, at_gps)
    ifd1[1] = _entry(0x0201, LONG, at_thumb)
    tiff = (
        b"MM\0*"
        + struct.pack(">I", at_ifd0)
        + _ifd(ifd0, at_ifd0, next_ifd=at_ifd1)
        + _ifd(exif_ifd, at_exif)
        + _ifd(gps_ifd, at_gps)
        + _ifd(ifd1, at_ifd1)
        + thumb
    )
    return b"Exif\0\0" + tiff


def iptc() -> bytes:
    """An APP13 Photoshop payload holding IPTC by-line, city and caption."""
    records = b"".join(
        b"\x1c\x02" + bytes([number]) + struct.pack(">H", len(text)) + text
        for number, text in ((80, b"Photographer Name"), (90, b"Copenhagen"), (120, b"At home"))
    )
    block = b"8BIM" + struct.pack(">H", 0x0404) + b"\0\0" + struct.pack(">I", len(records))
    return b"Photoshop 3.0\0" + block + records + b"\0" * (len(records) % 2)


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _small_jpeg(size: tuple[int, int], comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 120, 200)).save(out, "JPEG", comment=comment)
    return out.getvalue()


def picture(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """An image whose orientation shows: a dark bar along the top, a red block top left."""
    image = Image.new("RGB", size, (235, 225, 200))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle((0, 0, width, height // 8), fill=(30, 30, 30))
    draw.rectangle((0, 0, width // 4, height // 3), fill=(200, 20, 20))
    for x in range(0, width, 37):
        draw.line((x, height // 2, x + 20, height), fill=(20, 90, 40), width=3)
    return image.convert(mode)


def laden_jpeg(
    size: tuple[int, int] = (640, 480),
    *,
    orientation: int = 6,
    progressive: bool = False,
    mode: str = "RGB",
) -> bytes:
    """A JPEG with every segment above; its image data is Pillow's, untouched."""
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    base = io.BytesIO()
    picture(size, mode).save(
        base,
        "JPEG",
        quality=90,
        progressive=progressive,
        icc_profile=icc if mode == "RGB" else None,
    )
    data = base.getvalue()
    metadata = (
        _segment(0xE1, exif(orientation))
        + _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + XMP)
        + _segment(0xED, iptc())
        + _segment(0xFE, b"COMMENT-SECRET")
        + _segment(0xE2, b"MPF\0" + b"\0" * 16)
    )
    trailer = b"\0\0\0\x18ftypmp42MOTION-PHOTO-GPS +55.6761+012.5683/"
    # After SOI and Pillow's JFIF header, as cameras place them.
    jfif_end = 2 + 2 + struct.unpack(">H", data[4:6])[0]
    return data[:jfif_end] + metadata + data[jfif_end:] + trailer


def noisy_jpeg(size: tuple[int, int], seed: int, quality: int = 90) -> bytes:
    """A JPEG of seeded noise: it hardly compresses, so its size is predictable."""
    import random

    noise = random.Random(seed).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, noise).save(out, "JPEG", quality=quality)
    return out.getvalue()


def scan_data(data: bytes) -> bytes:
    """From the first start-of-scan marker to the end of the image: the compressed data."""
    start = data.index(b"\xff\xda")
    end = data.index(b"\xff\xd9", start)
    return data[start : end + 2]
