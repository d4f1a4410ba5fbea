"""Synthetic files for ``retention demo``, the tests and the benchmark.

Everything here is invented: aliases like "Barn A", e-mail addresses under example.org,
Danish phone numbers starting with 0 (a range Denmark never assigns) and postcode 0000.
Each generator is deterministic given its arguments, so tests can compare outputs.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
import zlib
from collections.abc import Sequence
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Final

from fpdf import FPDF
from PIL import ExifTags, Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational

from retention_agent.formats.vcard import Contact, to_vcard

COPENHAGEN: Final = (55.6761, 12.5683)
# A fixed moment (with Danish winter time) so repeated runs give identical files.
DEMO_START: Final = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))

_INTERESTS: Final = (
    "fodbold, tegning og Lego",
    "svømning, højtlæsning og hunde",
    "cykling, musik og brætspil",
    "klatring, bagning og dinosaurer",
)
_HEALTH: Final = (
    "Opdigtet eksempel: let pollenallergi om foråret, ingen fast medicin.",
    "Opdigtet eksempel: bruger briller til læsning, ellers rask.",
    "Opdigtet eksempel: glutenfri kost, ingen andre hensyn.",
)
_CHAT: Final = (
    "Hej! Vi glæder os til at se dig på lørdag.",
    "Tak i lige måde 😊 Skal jeg have badetøj med?",
    "Ja, vi tager i svømmehallen om eftermiddagen.",
    "Fedt. Må jeg tage min tegnebog med?",
    "Selvfølgelig. Vi henter dig kl. 10.",
    "Vi ses! Hilsen fra os alle.",
)


def _seeded(seed: int) -> random.Random:
    # Reproducible demo content, not secrets: a seeded generator is the point.
    return random.Random(seed)  # noqa: S311


def _pick(options: Sequence[str], child_alias: str, salt: str) -> str:
    # crc32, not hash(): str hashes change per process, and the output must not.
    return options[zlib.crc32(f"{salt}:{child_alias}".encode()) % len(options)]


def _slug(child_alias: str) -> str:
    """Turn "Barn Æ" into "barn-ae" for example.org addresses."""
    folded = child_alias.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    ascii_only = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-") or "barn"


def _parent_names(child_alias: str) -> tuple[str, str]:
    return f"Forælder 1 til {child_alias}", f"Forælder 2 til {child_alias}"


# --- Match paper ---------------------------------------------------------------------


def match_paper_pdf(path: Path, child_alias: str) -> Path:
    """A one-page text PDF shaped like a Hjem til Os match paper, every field invented.

    Uses fpdf2 with the built-in Helvetica, so no font file is embedded; its Windows-1252
    encoding covers Danish letters and the dash in the title.
    """
    age = 6 + zlib.crc32(child_alias.encode()) % 9
    rows = (
        ("Alias", child_alias),
        ("Alder", f"{age} år"),
        ("Interesser", _pick(_INTERESTS, child_alias, "interests")),
        ("Skole", "Demoskolen (opdigtet)"),
        ("Helbred", _pick(_HEALTH, child_alias, "health")),
        ("Ønsker til familien", "Plads til leg, faste rammer og en rolig weekend."),
    )
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_creation_date(DEMO_START)
    pdf.set_title("Matchpapir (syntetisk demo)")
    pdf.set_creator("retention-agent demo")
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=18)
    pdf.cell(text="Matchpapir — SYNTETISK DEMO", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    for label, value in rows:
        pdf.set_font("Helvetica", style="B", size=12)
        pdf.cell(w=50, h=8, text=_windows_1252(label))
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(w=0, h=8, text=_windows_1252(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", style="I", size=10)
    pdf.multi_cell(
        w=0,
        h=6,
        text="Alle oplysninger er opdigtede og bruges kun til at afprøve programmet.",
    )
    path.write_bytes(bytes(pdf.output()))
    return path


def _windows_1252(text: str) -> str:
    # An alias outside Windows-1252 would make fpdf2 raise; a "?" is fine in a demo.
    return text.encode("cp1252", "replace").decode("cp1252")


# --- Contacts ------------------------------------------------------------------------


def demo_contacts(child_alias: str) -> list[Contact]:
    """The child and two parents, with invented numbers and addresses."""
    slug = _slug(child_alias)
    number = zlib.crc32(child_alias.encode()) % 100
    first, second = _parent_names(child_alias)
    home = f"Eksempelvej {number + 1}\n0000 Demoby"
    return [
        Contact(
            name=child_alias,
            phone=f"+45 00 {number:02d} 00 01",
            email=f"{slug}@example.org",
            address=home,
            relation="child",
        ),
        Contact(
            name=first,
            phone=f"+45 00 {number:02d} 00 02",
            email=f"foraelder1.{slug}@example.org",
            address=home,
            relation="parent",
        ),
        Contact(
            name=second,
            phone=f"+45 00 {number:02d} 00 03",
            email=f"foraelder2.{slug}@example.org",
            address=home,
            relation="parent",
        ),
    ]


def contact_vcf(path: Path, contacts: Sequence[Contact]) -> Path:
    """A .vcf file holding one vCard 4.0 per contact."""
    if not contacts:
        raise ValueError("a .vcf file needs at least one contact")
    path.write_bytes(b"".join(to_vcard(contact) for contact in contacts))
    return path


# --- Photo ---------------------------------------------------------------------------


def photo_jpeg(
    path: Path,
    seed: int,
    *,
    gps: tuple[float, float] | None = COPENHAGEN,
    taken: dt.datetime = DEMO_START,
    size: tuple[int, int] = (640, 480),
) -> Path:
    """A JPEG of random shapes on a gradient, the same for the same seed, carrying the
    EXIF a phone photo has: DateTimeOriginal (plus OffsetTimeOriginal when ``taken`` has
    a time zone) and, unless ``gps`` is None, the GPS position (latitude, longitude)."""
    rng = _seeded(seed)
    image = _gradient(size, _colour(rng), _colour(rng))
    draw = ImageDraw.Draw(image)
    width, height = size
    for _ in range(12):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        x1 = x0 + rng.randrange(width // 16 + 1, width // 2 + 2)
        y1 = y0 + rng.randrange(height // 16 + 1, height // 2 + 2)
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x0, y0, x1, y1), fill=_colour(rng), outline=(0, 0, 0))
    draw.text((10, 10), "SYNTETISK DEMO", fill=(255, 255, 255))

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "retention-agent"
    exif[ExifTags.Base.Model] = "Syntetisk demo"
    photo = exif.get_ifd(ExifTags.IFD.Exif)
    photo[ExifTags.Base.DateTimeOriginal] = taken.strftime("%Y:%m:%d %H:%M:%S")
    offset = taken.utcoffset()
    if offset is not None:
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        photo[ExifTags.Base.OffsetTimeOriginal] = "{}{:02d}:{:02d}".format(
            sign, *divmod(abs(minutes), 60)
        )
    if gps is not None:
        latitude, longitude = gps
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError(f"not a GPS position: {gps}")
        position = exif.get_ifd(ExifTags.IFD.GPSInfo)
        position[ExifTags.GPS.GPSVersionID] = b"\x02\x03\x00\x00"
        position[ExifTags.GPS.GPSLatitudeRef] = "N" if latitude >= 0 else "S"
        position[ExifTags.GPS.GPSLatitude] = _degrees_minutes_seconds(latitude)
        position[ExifTags.GPS.GPSLongitudeRef] = "E" if longitude >= 0 else "W"
        position[ExifTags.GPS.GPSLongitude] = _degrees_minutes_seconds(longitude)
    image.save(path, format="JPEG", quality=85, exif=exif)
    return path


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return rng.randrange(256), rng.randrange(256), rng.randrange(256)


def _gradient(
    size: tuple[int, int], start: tuple[int, int, int], end: tuple[int, int, int]
) -> Image.Image:
    mask = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, end), Image.new("RGB", size, start), mask)


# Seconds in units of 1/10000: 0.0001" is about 3 mm on the ground, far finer than
# any test needs, and 60 * 10000 stays well inside EXIF's 32-bit rationals.
_SECOND_UNITS: Final = 10_000


def _degrees_minutes_seconds(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    # Whole units first, so rounding can never produce 60 seconds or 60 minutes.
    units = round(abs(value) * 3600 * _SECOND_UNITS)
    degrees, rest = divmod(units, 3600 * _SECOND_UNITS)
    minutes, seconds = divmod(rest, 60 * _SECOND_UNITS)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, _SECOND_UNITS)


# --- Messages ------------------------------------------------------------------------


def message_txt(
    path: Path, child_alias: str, *, start: dt.datetime = DEMO_START, count: int = 6
) -> Path:
    """A chat export in the style of a phone's "export chat": one message a line,
    "dd.mm.yyyy, hh.mm - Sender: text", the child and a parent taking turns."""
    parent, _ = _parent_names(child_alias)
    senders = (parent, child_alias)
    lines = [f"{start:%d.%m.%Y, %H.%M} - SYNTETISK DEMO: alle beskeder er opdigtede"]
    for index in range(count):
        sent = start + dt.timedelta(minutes=7 * (index + 1))
        text = _CHAT[index % len(_CHAT)]
        lines.append(f"{sent:%d.%m.%Y, %H.%M} - {senders[index % 2]}: {text}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def message_eml(path: Path, child_alias: str, *, sent: dt.datetime = DEMO_START) -> Path:
    """An e-mail (.eml, CRLF line ends, MIME-encoded headers) from a parent to the
    Hjem til Os coordinator."""
    parent, _ = _parent_names(child_alias)
    slug = _slug(child_alias)
    message = EmailMessage(policy=policy.default)
    # Address objects quote display names that hold commas or non-ASCII letters.
    message["From"] = Address(parent, addr_spec=f"foraelder1.{slug}@example.org")
    message["To"] = Address("Koordinator, Hjem til Os", addr_spec="koordinator@example.org")
    message["Subject"] = f"SYNTETISK DEMO: weekendbesøg med {child_alias}"
    message["Date"] = format_datetime(sent)
    # make_msgid() embeds the host name and a random number; a fixed id keeps it
    # deterministic and keeps this machine's name out of the file.
    message["Message-ID"] = f"<demo-{zlib.crc32(child_alias.encode()):08x}@example.org>"
    message.set_content(
        f"Hej,\n\nTak for en dejlig weekend med {child_alias}. Vi tog i svømmehallen "
        "og bagte boller søndag.\n\nVenlig hilsen\n"
        f"{parent}\n\n(Syntetisk demo – alt indhold er opdigtet.)\n"
    )
    path.write_bytes(message.as_bytes(policy=policy.SMTP))
    return path


# --- Large files ---------------------------------------------------------------------


def large_file(path: Path, size: int, *, seed: int = 0, chunk: int = 1 << 20) -> Path:
    """``size`` bytes of seeded pseudo-random data, written ``chunk`` bytes at a time.

    Every chunk is fresh output of the generator, so the file neither compresses nor
    deduplicates, and memory stays at one chunk whatever the size (about 2-3 s per GiB).
    """
    if size < 0 or chunk <= 0:
        raise ValueError("size must be >= 0 and chunk > 0")
    rng = _seeded(seed)
    with path.open("wb") as out:
        remaining = size
        while remaining:
            block = min(chunk, remaining)
            out.write(rng.randbytes(block))
            remaining -= block
    return path
