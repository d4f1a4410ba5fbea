"""Does a new PDF look like a Hjem til Os match paper? For the agent, which watches
Downloads and offers to take such a file into the vault (or remove it): the paper comes
from Red Barnet by e-mail, so it lands there long before anyone runs ``retention add``.

The text of the first pages (pypdf) is searched for Danish terms, after folding case
and spacing: a paper names itself (``matchpapir``) or the programme (``Hjem til Os``,
``Red Barnet``, ``venskabsfamilie``), and has the fields of a child's profile (age,
school, interests, health, parents, ...). It looks like a match paper when it names
itself and has at least two such fields, or names the programme twice over and has at
least three. A guess to offer a choice on, never a reason to act alone.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from retention_agent.vault.sources import open_regular

MAX_BYTES = 20 << 20  # larger PDFs are not a one- or two-page profile
MAX_PAGES = 4
NAMES_ITSELF = ("matchpapir", "match-papir", "match papir", "matchprofil")
PROGRAMME = ("hjem til os", "red barnet", "venskabsfamilie", "venskabsfamilien")
PROFILE_FIELDS = (
    "alder",
    "fødselsdato",
    "skole",
    "interesser",
    "helbred",
    "diagnose",
    "allergi",
    "medicin",
    "forældre",
    "søskende",
    "adresse",
    "telefon",
    "cpr",
    "ønsker til familien",
    "barnets",
)


@dataclass(frozen=True)
class Guess:
    looks_like_match_paper: bool
    terms: tuple[str, ...]  # the terms found (no text of the document itself)


def guess_text(text: str) -> Guess:
    """The verdict on a document's text."""
    folded = " " + re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).casefold()) + " "
    found = tuple(
        term
        for term in (*NAMES_ITSELF, *PROGRAMME, *PROFILE_FIELDS)
        if re.search(r"(?<!\w)" + re.escape(term) + r"(?!\w)", folded)
    )
    names_itself = any(term in found for term in NAMES_ITSELF)
    programme = sum(term in found for term in PROGRAMME)
    fields = sum(term in found for term in PROFILE_FIELDS)
    looks = (names_itself and fields >= 2) or (programme >= 2 and fields >= 3)
    return Guess(looks, found)


def guess_pdf(path: Path) -> Guess:
    """The verdict on a PDF file; a file that is not a readable PDF does not look like
    one (``Guess(False, ())``)."""
    data = _read_bounded(path)
    return guess_text(pdf_text(data)) if data is not None else Guess(False, ())


def pdf_text(data: bytes) -> str:
    """The text of the first pages; empty when pypdf cannot read the file.

    The PDF comes from outside (anything in Downloads): pypdf raises many kinds of
    exceptions on broken files, and such a file is simply not a match paper we can
    read, so every exception is caught here.
    """
    from pypdf import PdfReader

    # pypdf reports repairs of damaged files as warnings through logging.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        return "\n".join(page.extract_text() or "" for page in reader.pages[:MAX_PAGES])
    except Exception:  # see the docstring
        return ""


def _read_bounded(path: Path) -> bytes | None:
    try:
        with open_regular(path) as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError:
        return None
    # The header may follow some bytes of junk, which readers accept.
    return data if len(data) <= MAX_BYTES and b"%PDF-" in data[:1024] else None
