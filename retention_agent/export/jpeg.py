"""Lossless metadata stripping of JPEG files: the compressed image is copied byte for byte,
and everything that could say who, where or with which device is left out.

No imaging library rewrites a JPEG's segments without decoding and re-encoding it, so this
module walks the segments itself (ITU T.81, B.1). It keeps only what decoding needs and
what shows the photo as it was taken:

* the tables, frame and scan headers and the entropy-coded data (unchanged);
* the JFIF header, with its thumbnail dropped (density only);
* the ICC colour profile (a description of the colour space, not of the photo) and
  Adobe's colour-transform marker (CMYK and YCCK photos need it);
* the EXIF orientation, written anew as the only EXIF tag, so the photo shows upright.

Everything else goes: EXIF (GPS, serial numbers, maker notes, dates, the embedded
thumbnail), XMP, IPTC/Photoshop, comments, multi-picture and vendor segments, and any
data after the end of the image (motion-photo videos, depth maps). Pure functions over
bytes; fuzzed by the tests. A file this module cannot walk raises :class:`JpegError`,
and the caller re-encodes it instead.
"""

from __future__ import annotations

import re
import struct

SOI = b"\xff\xd8"
EOI = 0xD9
SOS = 0xDA
_APP0, _APP1, _APP2, _APP14 = 0xE0, 0xE1, 0xE2, 0xEE
# Segments that decoding needs: frame headers (SOF0-15 except DHT, JPG and DAC), then
# tables and parameters (DHT, DAC, DQT, DNL, DRI, DHP, EXP).
_FRAMES = frozenset(
    [*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), *range(0xCD, 0xD0)]
)
_DECODING = _FRAMES | {0xC4, 0xCC, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF}
_METADATA = frozenset([*range(0xE0, 0xF0), 0xFE])  # APP0-15 and COM: ours to judge
# The end of entropy-coded data: a 0xFF that is not stuffing (00), a restart marker
# (D0-D7) or fill (FF).
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_ORIENTATION_TAG = 0x0112
_SHORT = 3


class JpegError(Exception):
    """Not a JPEG this module can walk (truncated, malformed or unusual)."""


def is_jpeg(data: bytes) -> bool:
    return data[:3] == b"\xff\xd8\xff"


def strip(data: bytes) -> bytes:
    """``data`` without metadata; the scans and their tables are copied unchanged."""
    if not is_jpeg(data):
        raise JpegError("no start of image")
    kept: list[bytes] = []
    header: list[bytes] = []  # JFIF, orientation, ICC and Adobe, in that order
    jfif = orientation = b""
    seen_frame = seen_scan = False
    pos = 2
    while True:
        marker, start, end = _segment(data, pos)
        if marker == EOI:
            break
        payload = data[start + 4 : end]
        if marker in _DECODING:
            # Kept byte for byte, so it must be exactly what its marker says: a table or
            # header of the right shape, with no room to carry anything else.
            _check_shape(marker, payload)
            seen_frame = seen_frame or marker in _FRAMES
            kept.append(data[start:end])
            pos = end
        elif marker == SOS:
            if not seen_frame:
                raise JpegError("scan before frame header")
            _check_scan_header(payload)
            seen_scan = True
            found = _NEXT_MARKER.search(data, end)
            if found is None:
                raise JpegError("entropy-coded data does not end")
            kept.append(data[start : found.start()])
            pos = found.start()
        elif marker in _METADATA:
            if marker == _APP0 and payload.startswith(b"JFIF\0") and not jfif:
                jfif = _jfif_without_thumbnail(payload)
            elif marker == _APP1 and payload.startswith(b"Exif\0\0") and not orientation:
                orientation = _orientation_segment(payload[6:])
            elif (marker, payload[:12]) == (_APP2, b"ICC_PROFILE\0") or (
                marker == _APP14 and payload.startswith(b"Adobe")
            ):
                header.append(data[start:end])
            pos = end
        else:
            raise JpegError(f"unexpected marker {marker:#04x}")
    if not seen_scan:
        raise JpegError("no image data")
    return b"".join([SOI, jfif, orientation, *header, *kept, b"\xff\xd9"])


def _check_shape(marker: int, payload: bytes) -> None:
    """ITU T.81, B.2.4: the exact layout of each table and header that is kept."""
    if marker == 0xDB:  # DQT: (precision and id, 64 values of 1 or 2 bytes) per table
        pos = 0
        while pos < len(payload):
            precision, table = payload[pos] >> 4, payload[pos] & 15
            if precision > 1 or table > 3:
                raise JpegError("malformed quantisation table")
            pos += 1 + 64 * (precision + 1)
    elif marker == 0xC4:  # DHT: (class and id, 16 counts, the values) per table
        pos = 0
        while pos < len(payload):
            if payload[pos] >> 4 > 1 or payload[pos] & 15 > 3 or pos + 17 > len(payload):
                raise JpegError("malformed Huffman table")
            values = sum(payload[pos + 1 : pos + 17])
            if values > 256:
                raise JpegError("malformed Huffman table")
            pos += 17 + values
    elif marker in _FRAMES:  # precision, height, width, components, 3 bytes each
        pos = 6 + 3 * payload[5] if len(payload) >= 6 else -1
    elif marker in (0xDD, 0xDC):  # DRI, DNL: one 16-bit number
        pos = 2
    elif marker == 0xCC:  # DAC: pairs
        pos = len(payload) - len(payload) % 2
    else:  # DHP, EXP: hierarchical coding, which no camera writes
        raise JpegError("hierarchical JPEG")
    if pos != len(payload):
        raise JpegError(f"segment {marker:#04x} is not the size its contents say")


def _check_scan_header(payload: bytes) -> None:
    components = payload[0] if payload else 0
    if not 1 <= components <= 4 or len(payload) != 1 + 2 * components + 3:
        raise JpegError("malformed scan header")


def dimensions(data: bytes) -> tuple[int, int]:
    """(width, height) from the frame header, without decoding anything."""
    if not is_jpeg(data):
        raise JpegError("no start of image")
    pos = 2
    while True:
        marker, start, end = _segment(data, pos)
        if marker in _FRAMES and end - start >= 9:
            height, width = struct.unpack_from(">HH", data, start + 5)
            return width, height
        if marker in (EOI, SOS):
            raise JpegError("no frame header")
        pos = end


def _segment(data: bytes, pos: int) -> tuple[int, int, int]:
    """(marker, start, end) of the segment at ``pos``; fill bytes before it are skipped."""
    if pos >= len(data) or data[pos] != 0xFF:
        raise JpegError("expected a marker")
    while pos + 1 < len(data) and data[pos + 1] == 0xFF:
        pos += 1
    if pos + 1 >= len(data):
        raise JpegError("truncated marker")
    marker = data[pos + 1]
    if marker == EOI:
        return marker, pos, pos + 2
    if pos + 4 > len(data):
        raise JpegError("truncated segment length")
    (length,) = struct.unpack_from(">H", data, pos + 2)
    end = pos + 2 + length
    if length < 2 or end > len(data):
        raise JpegError("segment length out of range")
    return marker, pos, end


def _jfif_without_thumbnail(payload: bytes) -> bytes:
    if len(payload) < 14:
        raise JpegError("short JFIF header")
    # "JFIF\0", version (2), units (1), densities (2 + 2); thumbnail size 0 x 0.
    body = payload[:12] + b"\0\0"
    return b"\xff\xe0" + struct.pack(">H", len(body) + 2) + body


def orientation(tiff: bytes) -> int:
    """The orientation (1-8) in EXIF's TIFF structure, or 1 where there is none."""
    if len(tiff) < 8 or tiff[:4] not in (b"II*\0", b"MM\0*"):
        return 1
    order = "<" if tiff[:2] == b"II" else ">"
    (ifd,) = struct.unpack_from(order + "I", tiff, 4)
    if ifd + 2 > len(tiff):
        return 1
    (count,) = struct.unpack_from(order + "H", tiff, ifd)
    for entry in range(ifd + 2, min(ifd + 2 + 12 * count, len(tiff) - 11), 12):
        tag, kind, number = struct.unpack_from(order + "HHI", tiff, entry)
        if tag == _ORIENTATION_TAG and kind == _SHORT and number == 1:
            (value,) = struct.unpack_from(order + "H", tiff, entry + 8)
            return value if 1 <= value <= 8 else 1
    return 1


def _orientation_segment(tiff: bytes) -> bytes:
    """An APP1 EXIF segment holding only the orientation (none when it is upright)."""
    value = orientation(tiff)
    if value == 1:
        return b""
    # Big-endian TIFF: header, one IFD with one SHORT entry, no next IFD.
    body = b"Exif\0\0MM\0*" + struct.pack(
        ">IHHHIHHI", 8, 1, _ORIENTATION_TAG, _SHORT, 1, value, 0, 0
    )
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
