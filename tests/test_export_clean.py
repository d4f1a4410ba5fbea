"""Clean copies of every kind the photo kind holds: downscaled JPEGs, HEIC, PNG and
videos leave the vault with no location, device or other hidden data, upright."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image, ImageOps, PngImagePlugin

from retention_agent.export import clean, video
from tests.support.photos import SECRETS, laden_jpeg, picture
from tests.support.videos import LOCATION, MODEL, frame_count_and_rotation, phone_video

pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO")


def _read(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_small_jpeg_is_stripped_losslessly_even_with_a_long_edge_given() -> None:
    copy = clean.clean_copy(laden_jpeg(size=(640, 480)), long_edge=2048)
    assert (copy.method, copy.extension) == ("stripped", ".jpg")


def test_downscaled_jpeg_is_upright_small_and_clean() -> None:
    original = laden_jpeg(size=(1600, 1200), orientation=6)
    copy = clean.clean_copy(original, long_edge=800)
    assert (copy.method, copy.extension) == ("reencoded", ".jpg")
    for secret in SECRETS:
        assert secret not in copy.data, secret
    image = _read(copy.data)
    assert image.size == (600, 800)  # rotated into place, long edge 800
    assert not image.getexif()
    assert clean.is_clean(copy.data, ".jpg")
    expected = ImageOps.exif_transpose(_read(original)).resize((600, 800))
    # The dark bar is at the top once turned upright, in the copy as in the original.
    assert image.getpixel((300, 20)) == pytest.approx(expected.getpixel((300, 20)), abs=40)


def test_heic_becomes_a_clean_upright_jpeg() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.Orientation] = 6
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    source = io.BytesIO()
    picture((320, 200)).save(source, "HEIF", exif=exif.tobytes(), quality=90)
    assert _read(source.getvalue()).getexif()[ExifTags.Base.Make] == "SecretCam"
    copy = clean.clean_copy(source.getvalue())
    assert (copy.method, copy.extension) == ("reencoded", ".jpg")
    image = _read(copy.data)
    assert image.format == "JPEG"
    assert image.size == (200, 320)  # upright
    assert not image.getexif()
    assert b"SecretCam" not in copy.data


def test_png_stays_png_without_its_text_and_exif() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Parent One")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>55.6761</x:xmpmeta>")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    source = io.BytesIO()
    picture((200, 100), "RGBA").save(source, "PNG", pnginfo=info, exif=exif)
    copy = clean.clean_copy(source.getvalue())
    assert copy.extension == ".png"
    for secret in (b"Parent One", b"xmpmeta", b"SecretCam", b"eXIf"):
        assert secret not in copy.data
    assert clean.is_clean(copy.data, ".png")
    assert not clean.is_clean(source.getvalue(), ".png")
    assert _read(copy.data).tobytes() == _read(source.getvalue()).tobytes()


@pytest.mark.parametrize("container", ["mov", "mp4"])
def test_video_loses_its_location_and_device_but_keeps_rotation(container: str) -> None:
    original = phone_video(container)
    tags, _ = video.metadata(original)
    assert tags.get("location") == LOCATION  # the test video really carries it
    copy = clean.clean_copy(original)
    assert copy.extension == f".{container}"
    assert copy.method == "remuxed"
    for secret in (LOCATION.encode(), MODEL.encode(), b"SecretCam", b"\xa9xyz"):
        assert secret not in copy.data
    assert video.metadata(copy.data) == ({}, ["video", "audio"])
    assert clean.is_clean(copy.data, copy.extension)
    assert not clean.is_clean(original, copy.extension)
    assert frame_count_and_rotation(copy.data) == frame_count_and_rotation(original)


def test_a_video_too_large_to_clean_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clean, "MAX_VIDEO_BYTES", 100)
    with pytest.raises(clean.LeftOut) as left:
        clean.clean_copy(phone_video())
    assert left.value.reason == "video-too-large"


def test_a_broken_video_is_left_out() -> None:
    broken = phone_video()[:200]
    with pytest.raises(clean.LeftOut) as left:
        clean.clean_copy(broken)
    assert left.value.reason == "video-unreadable"


@pytest.mark.parametrize("data", [b"", b"plain text, not a photo", b"\xff\xd8\xff\xe0junk"])
def test_unreadable_files_are_left_out(data: bytes) -> None:
    with pytest.raises(clean.LeftOut) as left:
        clean.clean_copy(data)
    assert left.value.reason == "unreadable"
