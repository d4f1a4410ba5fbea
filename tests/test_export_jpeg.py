"""Lossless JPEG stripping: nothing of the metadata survives, read back with Pillow and
searched for byte by byte; the compressed image is identical; the orientation stays;
and no input, however broken, makes it fail other than with JpegError."""

from __future__ import annotations

import contextlib
import io
import struct

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageOps, IptcImagePlugin
from PIL.JpegImagePlugin import JpegImageFile

from retention_agent.export import jpeg
from tests.support.photos import SECRETS, laden_jpeg, scan_data

# The crafted multi-picture segment is a stub; Pillow says so when reading the original.
pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO")


def _read(data: bytes) -> JpegImageFile:
    image = Image.open(io.BytesIO(data))
    assert isinstance(image, JpegImageFile)
    image.load()
    return image


def test_the_crafted_photo_really_carries_everything() -> None:
    data = laden_jpeg()
    image = _read(data)
    found = image.getexif()
    assert found[ExifTags.Base.Make] == "SecretCam"
    assert found.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert found.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] == "SERIAL-12345"
    assert ExifTags.Base.MakerNote in found.get_ifd(ExifTags.IFD.Exif)
    assert ExifTags.Base.JpegIFOffset in found.get_ifd(ExifTags.IFD.IFD1)
    assert "xmp" in image.info
    assert "comment" in image.info
    assert IptcImagePlugin.getiptcinfo(image)
    for secret in SECRETS:
        assert secret in data, secret


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_nothing_but_the_orientation_survives(progressive: bool, orientation: int) -> None:
    original = laden_jpeg(orientation=orientation, progressive=progressive)
    stripped = jpeg.strip(original)
    for secret in SECRETS:
        assert secret not in stripped, secret
    image = _read(stripped)
    exif = image.getexif()
    assert dict(exif) == ({} if orientation == 1 else {ExifTags.Base.Orientation: orientation})
    for ifd in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo, ExifTags.IFD.IFD1):
        assert not exif.get_ifd(ifd)
    assert set(image.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density"} | {
        "dpi",
        "icc_profile",
        "exif",
        "progressive",
        "progression",
    }
    assert IptcImagePlugin.getiptcinfo(image) is None
    assert {marker for marker, _ in image.applist} <= {"APP0", "APP1", "APP2"}


@pytest.mark.parametrize("progressive", [False, True], ids=["baseline", "progressive"])
def test_the_compressed_image_is_byte_identical(progressive: bool) -> None:
    original = laden_jpeg(size=(800, 600), progressive=progressive)
    stripped = jpeg.strip(original)
    assert scan_data(stripped) in original
    before, after = _read(original), _read(stripped)
    assert after.tobytes() == before.tobytes()
    assert after.quantization == before.quantization
    assert after.info["icc_profile"] == before.info["icc_profile"]  # colours stay right


def test_an_upright_copy_shows_like_the_original() -> None:
    original = laden_jpeg(size=(400, 300), orientation=6)
    shown = ImageOps.exif_transpose(_read(jpeg.strip(original)))
    assert shown.size == (300, 400)
    assert shown.tobytes() == ImageOps.exif_transpose(_read(original)).tobytes()


def test_cmyk_keeps_its_colour_transform() -> None:
    original = laden_jpeg(mode="CMYK", orientation=1)
    stripped = jpeg.strip(original)
    assert _read(stripped).tobytes() == _read(original).tobytes()
    assert b"Adobe" in stripped


def test_stripping_twice_changes_nothing() -> None:
    once = jpeg.strip(laden_jpeg())
    assert jpeg.strip(once) == once


def test_dimensions_come_from_the_frame_header() -> None:
    assert jpeg.dimensions(laden_jpeg(size=(640, 480))) == (640, 480)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xd8",
        b"\xff\xd8\xff",
        b"GIF89a",
        b"\xff\xd8\xff\xe0\x00",
        b"\xff\xd8\xff\xe0\x00\x01",
        b"\xff\xd8\xff\xda\x00\x02abc",  # a scan before any frame header
        b"\xff\xd8\xff\xd9",  # no image at all
    ],
)
def test_broken_files_raise_jpeg_error(data: bytes) -> None:
    with pytest.raises(jpeg.JpegError):
        jpeg.strip(data)


def test_a_cut_short_photo_is_refused() -> None:
    original = laden_jpeg()
    cut = original[: original.index(b"\xff\xd9", len(original) // 2)]
    with pytest.raises(jpeg.JpegError):
        jpeg.strip(cut[: len(cut) - 10])


def test_orientation_reader_copes_with_any_tiff() -> None:
    big = b"MM\0*" + struct.pack(">IH", 8, 1) + struct.pack(">HHIHH", 0x0112, 3, 1, 8, 0)
    little = b"II*\0" + struct.pack("<IH", 8, 1) + struct.pack("<HHIHH", 0x0112, 3, 1, 3, 0)
    assert jpeg.orientation(big + b"\0\0\0\0") == 8
    assert jpeg.orientation(little + b"\0\0\0\0") == 3
    assert jpeg.orientation(b"MM\0*" + struct.pack(">I", 10**6)) == 1
    assert jpeg.orientation(b"junk") == 1


_VALID = laden_jpeg(size=(64, 48))


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_any_bytes(data: bytes) -> None:
    for candidate in (data, b"\xff\xd8\xff" + data):
        with contextlib.suppress(jpeg.JpegError):
            jpeg.strip(candidate)
        with contextlib.suppress(jpeg.JpegError):
            jpeg.dimensions(candidate)
        assert 1 <= jpeg.orientation(candidate) <= 8


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(_VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ),
    st.integers(3, len(_VALID)),
)
# Found by this test: the EXIF segment's marker turned into a table's (DQT) was kept as a
# table, camera name and all; kept segments are now checked for their exact shape.
@example(changes=[(21, 0xDB)], cut=3)
def test_fuzz_mutated_photos(changes: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(_VALID)
    for position, value in changes:
        data[position] = value
    for candidate in (bytes(data), bytes(data[:cut])):
        try:
            stripped = jpeg.strip(candidate)
        except jpeg.JpegError:
            continue
        assert stripped.startswith(b"\xff\xd8")
        assert stripped.endswith(b"\xff\xd9")
        for secret in (b"SecretCam", b"SERIAL-12345", b"Photoshop 3.0", b"COMMENT-SECRET"):
            assert secret not in stripped
