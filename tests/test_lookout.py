"""The agent's lookout over real folders: a copy of a vault item, a resized photo and a
new match paper appearing in Downloads are found (a real watcher event starts the
sweep; the examiner is a real child process), told once without names and with buttons,
listed for the tray, and removed or taken into the vault when the family chooses so.
Without the vault's key only PDFs are looked at."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from retention_agent.agent import lookout as lookout_module
from retention_agent.agent.keyholder import KeyHolder
from retention_agent.agent.runner import Agent
from retention_agent.demo.synthetic import match_paper_pdf, photo_jpeg
from retention_agent.desktop.buttons import Button
from retention_agent.scan import sweep
from retention_agent.scan.places import Place
from retention_agent.scan.sweep import Seen
from retention_agent.scan.targets import load_targets
from retention_agent.vault import catalog
from retention_agent.vault.adding import ingest_file
from retention_agent.vault.vault import Vault
from tests.support.agents import Clock, Collected, make_agent, running, wait_for
from tests.support.vaults import NOW, PASSPHRASE, add_case

TODAY = dt.date(2026, 6, 1)
ALIAS = "Solsikke Hvalfanger"


@pytest.fixture
def downloads(isolated_environment: Path) -> Path:
    folder = isolated_environment / "Downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def photo(tmp_path: Path) -> bytes:
    """The photo the vault holds (its original is gone into the vault)."""
    return photo_jpeg(tmp_path / "photo.jpg", seed=7, size=(1200, 900)).read_bytes()


@pytest.fixture
def case_id(vault_home: Path, tmp_path: Path, photo: bytes) -> str:
    """A case with one photo (the original gone into the vault)."""
    with Vault.init(vault_home, PASSPHRASE, NOW) as vault:
        case = add_case(vault, alias=ALIAS)
        source = tmp_path / "camera" / "IMG_0001.jpg"
        source.parent.mkdir()
        source.write_bytes(photo)
        ingest_file(vault, case_id=case, kind="photo", source=source, now=NOW, keep_original=False)
    (tmp_path / "photo.jpg").unlink()
    return case


@pytest.fixture
def agent(vault_home: Path, case_id: str, downloads: Path) -> Iterator[tuple[Agent, Collected]]:
    made, told = make_agent(vault_home, Clock(TODAY), first_sweep=3600)
    with running(made):
        # Its last step: the folders are watched by then.
        wait_for(lambda: made.beat.last_check is not None, "the first evaluation")
        yield made, told


def told_about(told: Collected, words: str) -> int:
    return next((n for n, title in enumerate(told.titles()) if words in title), -1)


def test_a_copy_in_downloads_is_told_without_names_and_removed_from_its_button(
    agent: tuple[Agent, Collected], downloads: Path, photo: bytes, case_id: str
) -> None:
    running_agent, told = agent
    copy = downloads / f"{ALIAS} på stranden.jpg"
    copy.write_bytes(photo)
    wait_for(lambda: told_about(told, "copy of a vault item") >= 0, "the copy to be told")
    n = told_about(told, "copy of a vault item")
    title, body = told.sent[n]
    assert title == "A copy of a vault item is outside the vault"
    assert body.startswith(f"Case {case_id}: photos, in Downloads. Remove them here")
    assert ALIAS not in title + body
    assert "stranden" not in title + body
    assert told.buttons[n] == [Button("Remove", {"action": "remove_copies"})]
    assert running_agent.lookout.tray_status([case_id])["copies"] == 1
    running_agent.deliver({"source": "notification", "type": "action", "action": "remove_copies"})
    wait_for(lambda: not copy.exists(), "the copy to be removed")
    wait_for(lambda: told_about(told, "1 copy removed") >= 0, "the answer")
    assert running_agent.lookout.findings == {}


def test_a_match_paper_in_downloads_is_taken_into_the_case(
    agent: tuple[Agent, Collected], downloads: Path, case_id: str, vault_home: Path
) -> None:
    running_agent, told = agent
    paper = match_paper_pdf(downloads / f"Matchpapir {ALIAS}.pdf", ALIAS)
    wait_for(lambda: told_about(told, "looks like a match paper") >= 0, "the paper to be told")
    n = told_about(told, "looks like a match paper")
    title, body = told.sent[n]
    assert title == "A new PDF in Downloads looks like a match paper"
    assert ALIAS not in title + body
    (token,) = running_agent.lookout.findings
    assert told.buttons[n] == [
        Button(
            f"Take it into case {case_id}", {"action": "take_in", "finding": token, "case": case_id}
        ),
        Button("Remove it", {"action": "remove_paper", "finding": token}),
    ]
    papers = running_agent.lookout.tray_status([case_id])["papers"]
    assert papers == [{"id": token, "name": paper.name, "cases": [case_id]}]
    choice = told.buttons[n][0].choice
    running_agent.deliver({"source": "notification", "type": "action", **choice})
    wait_for(lambda: not paper.exists(), "the paper to go into the vault")
    wait_for(lambda: told_about(told, "the match paper is in the vault") >= 0, "the answer")
    with Vault.open(vault_home, PASSPHRASE) as vault:
        kinds = sorted(item.kind for item in catalog.list_items(vault, case_id=case_id))
    assert kinds == ["match_paper", "photo"]


def test_a_match_paper_removed_from_the_tray(
    agent: tuple[Agent, Collected], downloads: Path
) -> None:
    running_agent, told = agent
    paper = match_paper_pdf(downloads / "profil.pdf", ALIAS)
    wait_for(lambda: bool(running_agent.lookout.findings), "the paper to be found")
    (token,) = running_agent.lookout.findings
    running_agent.deliver(
        {"source": "tray", "type": "action", "action": "remove_paper", "finding": token}
    )
    wait_for(lambda: not paper.exists(), "the paper to be removed")
    wait_for(lambda: told_about(told, "The PDF was removed") >= 0, "the answer")


def test_each_finding_is_told_once_also_after_a_restart(
    vault_home: Path, case_id: str, downloads: Path, photo: bytes
) -> None:
    (downloads / "copy.jpg").write_bytes(photo)
    for _restart in range(2):
        made, told = make_agent(vault_home, Clock(TODAY), first_sweep=0)
        with running(made):
            wait_for(lambda made=made: bool(made.lookout.findings), "the sweep")  # type: ignore[misc]
        titles = [t for t in told.titles() if "outside the vault" in t]
        assert titles == (["A copy of a vault item is outside the vault"] if _restart == 0 else [])
        assert made.lookout.tray_status([])["copies"] == 1  # listed again after the restart
    kept = (vault_home / lookout_module.SEEN_FILE).read_bytes()
    assert b"copy.jpg" not in kept
    assert b"Downloads" not in kept


def jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_the_slow_sweep_finds_resized_photos_in_pictures(
    vault_home: Path, case_id: str, isolated_environment: Path, photo: bytes
) -> None:
    pictures = isolated_environment / "Pictures"
    pictures.mkdir()
    with Image.open(io.BytesIO(photo)) as image:
        (pictures / "from the chat.jpg").write_bytes(jpeg(image.resize((400, 300)), 40))
    for seed in range(5):
        photo_jpeg(pictures / f"unrelated-{seed}.jpg", seed=100 + seed, size=(640, 480))
    made, told = make_agent(vault_home, Clock(TODAY), first_sweep=0)
    with running(made):
        wait_for(lambda: bool(made.lookout.findings), "the sweep")
    (finding,) = made.lookout.findings.values()
    assert (finding.what, finding.case_id, finding.kind) == ("likely", case_id, "photo")
    title, body = next((t, b) for t, b in told.sent if "look" in t)
    assert title == "A photo outside the vault looks like one in the vault"
    assert body.startswith(f"Case {case_id}: photos, in Pictures.")
    assert "retention scan" in body
    assert made.lookout.tray_status([])["likely"] == 1


def test_without_the_key_only_pdfs_are_looked_at(tmp_path: Path, downloads: Path) -> None:
    match_paper_pdf(downloads / "profil.pdf", ALIAS)
    (downloads / "faktura.pdf").write_bytes(b"%PDF-1.4 not a match paper")
    (downloads / "photo.jpg").write_bytes(b"not looked at without the key")
    seen = Seen()
    seen.follow(None)
    found = sweep.first_pass([Place(downloads, "downloads")], seen, None, None)
    assert sorted(c.path.name for c in found.candidates) == ["faktura.pdf", "profil.pdf"]
    assert found.findings == []
    for candidate in found.candidates:
        answer = sweep.examine(candidate.path, "pdf")
        finding = sweep.examined(candidate, answer, None, seen)
        assert (finding is not None) == (candidate.path.name == "profil.pdf")
    # Read once; what was found is found again (the tray lists it after a restart too).
    again = sweep.first_pass(
        [Place(downloads, "downloads")], Seen.from_bytes(seen.to_bytes()), None, None
    )
    assert [c.path.name for c in again.candidates] == ["profil.pdf"]


def test_new_items_make_every_file_worth_a_new_look(
    vault_home: Path, case_id: str, downloads: Path, tmp_path: Path
) -> None:
    places = [Place(downloads, "downloads")]
    later = photo_jpeg(tmp_path / "later.jpg", seed=9, size=(300, 200))
    (downloads / "later.jpg").write_bytes(later.read_bytes())
    seen = Seen()
    with Vault.open(vault_home, PASSPHRASE) as vault:
        targets = load_targets(vault)
        seen.follow(targets)
        first = sweep.first_pass(places, seen, targets, vault.fingerprinter())
        for candidate in first.candidates:
            sweep.examined(candidate, {"phash": None}, targets, seen)
        ingest_file(
            vault, case_id=case_id, kind="photo", source=later, now=NOW, keep_original=False
        )
        targets = load_targets(vault)
        seen.follow(targets)
        second = sweep.first_pass(places, seen, targets, vault.fingerprinter())
    assert first.findings == []
    assert [f.what for f in second.findings] == ["copy"]


def test_a_sweep_is_bounded(
    tmp_path: Path, downloads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep, "MAX_FILES", 10)
    for number in range(25):
        (downloads / f"file-{number}.pdf").write_bytes(b"%PDF-1.4 x")
        (downloads / f"other-{number}.txt").write_bytes(b"never read")
    seen = Seen()
    passes: list[sweep.Pass] = []
    while not passes or not passes[-1].complete:
        found = sweep.first_pass([Place(downloads, "downloads")], seen, None, None)
        for candidate in found.candidates:
            sweep.examined(candidate, {"match_paper": False}, None, seen)
        passes.append(found)
    # Each sweep goes on where the one before stopped.
    assert [len(p.candidates) for p in passes] == [10, 10, 5]
    assert len(seen.pdfs) == 25


def test_the_lookout_sleeps_between_sweeps(vault_home: Path, case_id: str) -> None:
    look = lookout_module.Lookout(
        vault_home,
        KeyHolder(vault_home),
        lambda _m: None,
        logging.getLogger("t"),
        clock=lambda: 1000.0,
    )
    assert look.deadline() == 1000.0 + lookout_module.FIRST_SWEEP
    look.changed_in_downloads()
    assert look.deadline() == 1000.0 + lookout_module.DOWNLOADS_SETTLE
    assert not look.start_if_due(lambda _vault: None)  # not yet
