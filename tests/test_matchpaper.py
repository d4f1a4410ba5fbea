"""Recognising a Hjem til Os match paper among new PDFs (for the agent's Downloads watch):
real PDFs made with fpdf2, read back with pypdf."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from retention_agent.demo.synthetic import match_paper_pdf
from retention_agent.scan.matchpaper import guess_pdf, guess_text


def text_pdf(path: Path, lines: list[str]) -> Path:
    pdf = FPDF()
    pdf.core_fonts_encoding = "windows-1252"
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for line in lines:
        pdf.multi_cell(w=0, h=8, text=line, new_x="LMARGIN", new_y="NEXT")
    path.write_bytes(bytes(pdf.output()))
    return path


def test_the_demo_match_paper_is_recognised(tmp_path: Path) -> None:
    guess = guess_pdf(match_paper_pdf(tmp_path / "mp.pdf", "Barn Æ"))
    assert guess.looks_like_match_paper
    assert {"matchpapir", "alder", "interesser", "skole", "helbred"} <= set(guess.terms)


def test_a_profile_naming_the_programme_is_recognised(tmp_path: Path) -> None:
    lines = [
        "Red Barnet - Hjem til Os",
        "Til venskabsfamilien: om barnet",
        "Barnets alder: 9 år. Skole: 3. klasse. Interesser: fodbold.",
        "Forældre: mor og far, søskende: en bror.",
    ]
    assert guess_pdf(text_pdf(tmp_path / "profil.pdf", lines)).looks_like_match_paper


def test_other_pdfs_are_not(tmp_path: Path) -> None:
    invoice = text_pdf(
        tmp_path / "faktura.pdf", ["Faktura 1234", "Adresse: Vej 1", "Telefon: 0000"]
    )
    donation = text_pdf(
        tmp_path / "kvittering.pdf", ["Tak for din gave til Red Barnet", "Adresse: Vej 1"]
    )
    assert not guess_pdf(invoice).looks_like_match_paper
    assert not guess_pdf(donation).looks_like_match_paper


def test_not_a_pdf_or_damaged(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"Matchpapir alder skole interesser")
    (tmp_path / "b.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 100)
    (tmp_path / "c.pdf").symlink_to(match_paper_pdf(tmp_path / "real.pdf", "Barn A"))
    for name in ("a.pdf", "b.pdf", "c.pdf", "missing.pdf"):
        assert guess_pdf(tmp_path / name).looks_like_match_paper is False


def test_terms_are_whole_words_and_case_folded() -> None:
    assert guess_text("MATCHPAPIR\nAlder  Skole").looks_like_match_paper
    assert not guess_text("matchpapirer? skolealder").looks_like_match_paper
