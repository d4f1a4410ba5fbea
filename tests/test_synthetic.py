"""The synthetic demo files are real files of their kind and carry what the vault will
look for (GPS and dates in photos, text in PDFs), deterministically."""

from __future__ import annotations

import datetime as dt
import email
import re
import tracemalloc
import zlib
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from retention_agent.demo.synthetic import (
    COPENHAGEN,
    DEMO_START,
    contact_vcf,
    demo_contacts,
    large_file,
    match_paper_pdf,
    message_eml,
    message_txt,
    photo_jpeg,
)
from retention_agent.formats.vcard import read_vcards


def pdf_text(data: bytes) -> bytes:
    """The page content: fpdf2 writes it as Flate-compressed streams."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S)
    return b"".join(zlib.decompress(stream) for stream in streams)


def test_match_paper_is_a_one_page_text_pdf(tmp_path: Path) -> None:
    path = match_paper_pdf(tmp_path / "match.pdf", "Barn Æ")
    data = path.read_bytes()
    assert data.startswith(b"%PDF-1.")
    assert data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page\b", data)) == 1
    text = pdf_text(data)
    # Core-font text is Windows-1252: "—" is 0x97, "Æ" is 0xC6.
    assert "Matchpapir — SYNTETISK DEMO".encode("cp1252") in text
    assert "Barn Æ".encode("cp1252") in text
    assert b"Helbred" in text


def test_match_paper_is_deterministic(tmp_path: Path) -> None:
    first = match_paper_pdf(tmp_path / "a.pdf", "Barn A").read_bytes()
    second = match_paper_pdf(tmp_path / "b.pdf", "Barn A").read_bytes()
    assert first == second
    assert match_paper_pdf(tmp_path / "c.pdf", "Barn B").read_bytes() != first


def test_match_paper_accepts_aliases_outside_windows_1252(tmp_path: Path) -> None:
    text = pdf_text(match_paper_pdf(tmp_path / "m.pdf", "Barn 甲").read_bytes())
    assert b"Barn ?" in text


def test_demo_contacts_are_a_child_and_two_parents() -> None:
    contacts = demo_contacts("Barn A")
    assert [c.relation for c in contacts] == ["child", "parent", "parent"]
    assert contacts[0].name == "Barn A"
    assert len({c.name for c in contacts}) == 3
    for contact in contacts:
        assert contact.email is not None
        assert contact.email.endswith("@example.org")
        assert contact.phone is not None
        assert contact.phone.startswith("+45 0")  # never assigned in Denmark
    assert demo_contacts("Barn A") == contacts
    assert demo_contacts("Barn Æ ø")[0].email == "barn-ae-oe@example.org"


def test_contact_vcf_reads_back(tmp_path: Path) -> None:
    contacts = demo_contacts("Barn A")
    path = contact_vcf(tmp_path / "kontakter.vcf", contacts)
    assert list(read_vcards(path.read_bytes()).contacts) == contacts


def test_contact_vcf_needs_a_contact(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one"):
        contact_vcf(tmp_path / "empty.vcf", [])
    assert not (tmp_path / "empty.vcf").exists()


def gps_position(image: Image.Image) -> tuple[float, float]:
    gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    def degrees(values: tuple[float, float, float], ref: str, negative: str) -> float:
        value = float(values[0]) + float(values[1]) / 60 + float(values[2]) / 3600
        return -value if ref == negative else value

    return (
        degrees(gps[ExifTags.GPS.GPSLatitude], gps[ExifTags.GPS.GPSLatitudeRef], "S"),
        degrees(gps[ExifTags.GPS.GPSLongitude], gps[ExifTags.GPS.GPSLongitudeRef], "W"),
    )


@pytest.mark.parametrize(
    "position",
    [COPENHAGEN, (-33.8688, -151.2093), (0.0, 0.0), (89.99999, 179.99999), (-0.00004, 0.5)],
)
def test_photo_carries_gps_and_date(tmp_path: Path, position: tuple[float, float]) -> None:
    taken = dt.datetime(2025, 7, 14, 16, 5, 9)
    path = photo_jpeg(tmp_path / "p.jpg", 1, gps=position, taken=taken)
    with Image.open(path) as image:
        assert image.format == "JPEG"
        assert image.size == (640, 480)
        latitude, longitude = gps_position(image)
        exif = image.getexif()
    assert latitude == pytest.approx(position[0], abs=1e-4)
    assert longitude == pytest.approx(position[1], abs=1e-4)
    photo = exif.get_ifd(ExifTags.IFD.Exif)
    assert photo[ExifTags.Base.DateTimeOriginal] == "2025:07:14 16:05:09"
    assert ExifTags.Base.OffsetTimeOriginal not in photo


def test_photo_records_time_zone_of_aware_time(tmp_path: Path) -> None:
    path = photo_jpeg(tmp_path / "p.jpg", 2)
    with Image.open(path) as image:
        photo = image.getexif().get_ifd(ExifTags.IFD.Exif)
    assert photo[ExifTags.Base.DateTimeOriginal] == f"{DEMO_START:%Y:%m:%d %H:%M:%S}"
    assert photo[ExifTags.Base.OffsetTimeOriginal] == "+01:00"


def test_photo_without_gps(tmp_path: Path) -> None:
    with Image.open(photo_jpeg(tmp_path / "p.jpg", 3, gps=None, size=(32, 24))) as image:
        assert image.size == (32, 24)
        exif = image.getexif()
    assert ExifTags.IFD.GPSInfo not in exif
    assert ExifTags.Base.DateTimeOriginal in exif.get_ifd(ExifTags.IFD.Exif)


def test_photo_is_deterministic_per_seed(tmp_path: Path) -> None:
    first = photo_jpeg(tmp_path / "a.jpg", 7).read_bytes()
    assert photo_jpeg(tmp_path / "b.jpg", 7).read_bytes() == first
    assert photo_jpeg(tmp_path / "c.jpg", 8).read_bytes() != first


@pytest.mark.parametrize("position", [(90.1, 0.0), (0.0, -180.5)])
def test_photo_rejects_impossible_positions(tmp_path: Path, position: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="GPS"):
        photo_jpeg(tmp_path / "p.jpg", 1, gps=position)


def test_chat_export(tmp_path: Path) -> None:
    path = message_txt(tmp_path / "chat.txt", "Barn A", count=4)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5
    assert "SYNTETISK DEMO" in lines[0]
    pattern = re.compile(r"^\d\d\.\d\d\.\d{4}, \d\d\.\d\d - (.+?): .+$")
    matches = [pattern.fullmatch(line) for line in lines[1:]]
    senders = [match.group(1) for match in matches if match]
    assert senders == ["Forælder 1 til Barn A", "Barn A"] * 2
    assert lines[1].startswith("01.03.2026, 09.37 - ")
    assert message_txt(tmp_path / "again.txt", "Barn A", count=4).read_bytes() == path.read_bytes()


def test_eml_parses_back(tmp_path: Path) -> None:
    sent = dt.datetime(2026, 5, 2, 18, 0, tzinfo=dt.UTC)
    path = message_eml(tmp_path / "mail.eml", "Barn, Æ", sent=sent)
    data = path.read_bytes()
    assert b"\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")
    message = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == "SYNTETISK DEMO: weekendbesøg med Barn, Æ"
    (sender,) = message["From"].addresses
    assert sender.display_name == "Forælder 1 til Barn, Æ"
    assert sender.domain == "example.org"
    (recipient,) = message["To"].addresses
    assert recipient.addr_spec == "koordinator@example.org"
    assert message["Date"].datetime == sent
    body = message.get_body()
    assert body is not None
    assert "Barn, Æ" in body.get_content()
    assert message_eml(tmp_path / "again.eml", "Barn, Æ", sent=sent).read_bytes() == data


@pytest.mark.parametrize(("size", "chunk"), [(0, 1024), (1, 1024), (10_000, 1024), (4096, 4096)])
def test_large_file_has_exact_size(tmp_path: Path, size: int, chunk: int) -> None:
    path = large_file(tmp_path / "big.bin", size, chunk=chunk)
    assert path.stat().st_size == size


def test_large_file_is_deterministic_and_incompressible(tmp_path: Path) -> None:
    data = large_file(tmp_path / "a.bin", 1 << 20, seed=5).read_bytes()
    assert large_file(tmp_path / "b.bin", 1 << 20, seed=5).read_bytes() == data
    assert large_file(tmp_path / "c.bin", 1 << 20, seed=6).read_bytes() != data
    assert len(zlib.compress(data)) > len(data) * 0.99
    # Chunks differ, so nothing deduplicates at block level either.
    assert data[: 1 << 16] != data[1 << 16 : 2 << 16]


def test_large_file_writes_in_bounded_memory(tmp_path: Path) -> None:
    tracemalloc.start()
    try:
        large_file(tmp_path / "big.bin", 64 << 20, chunk=1 << 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


@pytest.mark.parametrize(("size", "chunk"), [(-1, 1024), (10, 0)])
def test_large_file_rejects_bad_sizes(tmp_path: Path, size: int, chunk: int) -> None:
    with pytest.raises(ValueError, match="size"):
        large_file(tmp_path / "big.bin", size, chunk=chunk)
