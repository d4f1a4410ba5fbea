"""The inbox with real folders and a real watchdog observer, native and polling: files
dropped in are taken into the vault and their originals removed; partial downloads,
links, pipes and files for a kind already due are left where they are, with a notice."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention_agent.agent.inbox import Inbox, Settler
from retention_agent.agent.watch import ObserverKind
from retention_agent.i18n import set_language
from retention_agent.lifecycle import record_continue
from retention_agent.scan.places import skipped_name
from retention_agent.vault import catalog
from retention_agent.vault.vault import Vault
from tests.support.agents import Clock, Collected, make_agent, running, wait_for
from tests.support.vaults import NOW, PASSPHRASE, add_case

START = dt.date(2026, 3, 1)
OBSERVERS: list[ObserverKind] = ["native", "polling"]


@pytest.fixture
def case_id(vault_home: Path) -> str:
    with Vault.init(vault_home, PASSPHRASE, NOW) as vault:
        case = add_case(vault, start=START)
        record_continue(vault, case, dt.date(2026, 12, 1))
    return case


def items_of(home: Path, case_id: str) -> list[tuple[str, str]]:
    with Vault.open(home, PASSPHRASE) as vault:
        return [(item.kind, item.name) for item in catalog.list_items(vault, case_id=case_id)]


@pytest.fixture(params=OBSERVERS)
def agent_running(
    request: pytest.FixtureRequest, vault_home: Path, case_id: str
) -> Iterator[tuple[Collected, Path]]:
    agent, told = make_agent(vault_home, Clock(dt.date(2026, 6, 1)), observer=request.param)
    with running(agent):
        photos = vault_home / "Inbox" / case_id / "Photos"
        wait_for(photos.is_dir, "the inbox folders")
        yield told, vault_home / "Inbox" / case_id


def test_a_dropped_photo_goes_into_the_vault(
    agent_running: tuple[Collected, Path], vault_home: Path, case_id: str
) -> None:
    _told, folder = agent_running
    dropped = folder / "Photos" / "IMG_0001.jpg"
    dropped.write_bytes(b"\xff\xd8 synthetic photo")
    wait_for(lambda: not dropped.exists(), "the original to be removed")
    wait_for(lambda: ("photo", "IMG_0001.jpg") in items_of(vault_home, case_id), "the item")


def test_a_folder_dropped_whole_is_taken_in_and_removed(
    agent_running: tuple[Collected, Path], vault_home: Path, case_id: str
) -> None:
    _told, folder = agent_running
    staging = vault_home.parent / "staging"
    (staging / "summer").mkdir(parents=True)
    for n in range(3):
        (staging / "summer" / f"IMG_{n}.jpg").write_bytes(b"photo %d" % n)
    os.rename(staging / "summer", folder / "Photos" / "summer")
    wait_for(lambda: not (folder / "Photos" / "summer").exists(), "the emptied folder to go")
    assert sorted(name for _, name in items_of(vault_home, case_id)) == [
        "IMG_0.jpg",
        "IMG_1.jpg",
        "IMG_2.jpg",
    ]


def test_partial_downloads_links_and_pipes_stay(
    agent_running: tuple[Collected, Path], vault_home: Path, case_id: str
) -> None:
    told, folder = agent_running
    photos = folder / "Photos"
    partial = photos / "IMG_0002.jpg.crdownload"
    partial.write_bytes(b"half a photo")
    lock_file = photos / "~$notes.docx"
    lock_file.write_bytes(b"office lock")
    target = vault_home.parent / "elsewhere.jpg"
    target.write_bytes(b"not in the inbox")
    link = photos / "link.jpg"
    link.symlink_to(target)
    pipe = photos / "pipe.jpg"
    os.mkfifo(pipe)
    wait_for(lambda: len(told.sent) >= 2, "two refusal notices")
    real = photos / "IMG_0003.jpg"
    real.write_bytes(b"a whole photo")
    wait_for(lambda: not real.exists(), "the real photo to be taken in")
    assert partial.exists()
    assert lock_file.exists()
    assert link.is_symlink()
    assert pipe.exists()
    assert target.read_bytes() == b"not in the inbox"
    assert items_of(vault_home, case_id) == [("photo", "IMG_0003.jpg")]
    assert told.titles() == [f"Case {case_id}: inbox"] * 2
    assert all("link or a special file" in body for _title, body in told.sent)


def test_the_inbox_comes_back_after_being_deleted(
    agent_running: tuple[Collected, Path], vault_home: Path, case_id: str
) -> None:
    _told, folder = agent_running
    root = folder.parent
    gone = vault_home.parent / "deleted-inbox"
    root.rename(gone)  # deleted, as far as the agent can tell (and at once)
    shutil.rmtree(gone)
    photos = root / case_id / "Photos"
    wait_for(photos.is_dir, "the agent to make the inbox again")
    dropped = photos / "again.jpg"
    dropped.write_bytes(b"after the folder came back")
    wait_for(lambda: not dropped.exists(), "the file in the new folder", deadline=30)
    assert ("photo", "again.jpg") in items_of(vault_home, case_id)


@pytest.mark.parametrize("observer", OBSERVERS)
def test_files_for_a_due_kind_stay_with_a_notice(
    vault_home: Path, case_id: str, observer: ObserverKind
) -> None:
    late = dt.date(2027, 3, 5)  # the match paper went at the year end (R1)
    agent, told = make_agent(vault_home, Clock(late), observer=observer)
    folder = vault_home / "Inbox" / case_id
    with running(agent):
        wait_for((folder / "Match paper").is_dir, "the inbox folders")
        paper = folder / "Match paper" / "matchpapir.pdf"
        paper.write_bytes(b"%PDF synthetic")
        photo = folder / "Photos" / "kept.jpg"
        photo.write_bytes(b"photos are kept when continuing")
        wait_for(lambda: not photo.exists(), "the photo to be taken in")
        wait_for(lambda: len(told.sent) == 1, "the refusal")
    assert paper.exists()
    assert told.sent[0][0] == f"Case {case_id}: inbox"
    assert "the time for keeping the match paper is over" in told.sent[0][1]


def test_files_already_there_are_taken_in_at_start(vault_home: Path, case_id: str) -> None:
    photos = vault_home / "Inbox" / case_id / "Photos"
    photos.mkdir(parents=True)
    waiting = photos / "before.jpg"
    waiting.write_bytes(b"dropped while the agent was off")
    agent, _told = make_agent(vault_home, Clock(dt.date(2026, 6, 1)))
    with running(agent):
        wait_for(lambda: not waiting.exists(), "the file from before")
    assert items_of(vault_home, case_id) == [("photo", "before.jpg")]


def test_folders_are_named_in_the_users_language(vault_home: Path, case_id: str) -> None:
    set_language("da")
    Inbox(vault_home).ensure([case_id])
    names = sorted(p.name for p in (vault_home / "Indbakke" / case_id).iterdir())
    assert names == ["Beskeder", "Billeder", "Kontaktoplysninger", "Matchpapir"]
    place = Inbox(vault_home).place(vault_home / "Indbakke" / case_id / "Billeder" / "a.jpg")
    assert place is not None
    assert (place.case_id, place.kind) == (case_id, "photo")
    set_language("en")  # a change of language adds folders; the Danish ones still count
    Inbox(vault_home).ensure([case_id])
    assert (vault_home / "Inbox" / case_id / "Photos").is_dir()
    danish = Inbox(vault_home).place(vault_home / "Indbakke" / case_id / "Billeder" / "b.jpg")
    assert danish == place


def test_a_file_counts_as_complete_once_it_stops_changing(tmp_path: Path) -> None:
    settler = Settler(settle=0.5)
    growing = tmp_path / "IMG.jpg"
    growing.write_bytes(b"first half")
    settler.hint(growing, now=10.0)
    assert settler.ready(now=10.4) == []
    with growing.open("ab") as handle:
        handle.write(b" and the second half")
    assert settler.ready(now=10.6) == []  # it changed: the clock starts again
    assert settler.ready(now=11.0) == []
    assert settler.ready(now=11.2) == [growing]
    assert settler.ready(now=12.0) == []  # handed out once


@pytest.mark.parametrize(
    ("name", "skipped"),
    [
        ("IMG_1.jpg", False),
        ("movie.mp4.part", True),
        ("photo.JPG.crdownload", True),
        ("x.download", True),
        ("scan.tmp", True),
        ("~$letter.docx", True),
        (".DS_Store", True),
        ("Thumbs.db", True),
    ],
)
def test_partial_and_system_names_are_skipped(name: str, skipped: bool) -> None:
    assert skipped_name(name) is skipped


def test_content_the_case_holds_is_skipped_and_its_copy_removed(
    agent_running: tuple[Collected, Path], vault_home: Path, case_id: str
) -> None:
    told, folder = agent_running
    first = folder / "Photos" / "IMG_0010.jpg"
    first.write_bytes(b"the same picture")
    wait_for(lambda: not first.exists(), "the first copy to be taken in")
    again = folder / "Photos" / "IMG_0010 (1).jpg"
    again.write_bytes(b"the same picture")
    wait_for(lambda: not again.exists(), "the second copy to be removed")
    assert items_of(vault_home, case_id) == [("photo", "IMG_0010.jpg")]
    wait_for(lambda: bool(told.sent), "the report")
    assert "was already in the vault; the copy was removed" in told.sent[-1][1]
