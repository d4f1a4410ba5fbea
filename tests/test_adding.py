"""Adding the user's files: every path checked before anything changes, duplicates by
content, originals removed only once their copies are verified, and removed the way
that is true for the disk (hard links never zeroed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention_agent import errors
from retention_agent.vault import catalog, copies, filesystems, originals, sealed, sources
from retention_agent.vault.adding import add_files
from retention_agent.vault.vault import Vault
from tests.support.vaults import NOW, PASSPHRASE, add_case


@pytest.fixture
def vault(vault_home: Path) -> Iterator[Vault]:
    with Vault.init(vault_home, PASSPHRASE, NOW) as opened:
        yield opened


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def photo(folder: Path, name: str, content: bytes | None = None) -> Path:
    path = folder / name
    path.write_bytes(content if content is not None else name.encode() * 500)
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_one_bad_path_refuses_the_whole_command(vault: Vault, inbox: Path) -> None:
    case_id = add_case(vault)
    good = photo(inbox, "a.jpg")
    before = snapshot(inbox)
    with pytest.raises(errors.SourceMissing) as raised:
        add_files(
            vault, case_id=case_id, kind="photo", paths=[good, inbox / "missing.jpg"], now=NOW
        )
    assert raised.value.fields == {"name": str(inbox / "missing.jpg")}
    assert snapshot(inbox) == before  # a.jpg was not touched, let alone removed
    assert catalog.list_items(vault) == []
    assert list(vault.blobs.iterdir()) == []


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder holding ``a.jpg`` that this process can read but not change: a real
    read-only file system as root (a tmpfs remounted read-only), else a folder
    without write permission."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        photo(folder, "a.jpg")
        folder.chmod(0o500)
        yield folder
        folder.chmod(0o700)
        return
    if shutil.which("mount") is None:
        pytest.skip("needs mount(8) to make a read-only file system")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], check=True)
    try:
        photo(folder, "a.jpg")
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_an_original_that_could_not_be_removed_refuses_before_encrypting(
    vault: Vault, read_only_folder: Path
) -> None:
    case_id = add_case(vault)
    source = read_only_folder / "a.jpg"
    with pytest.raises(errors.SourceNotRemovable) as refused:
        add_files(vault, case_id=case_id, kind="photo", paths=[source], now=NOW)
    assert refused.value.fields == {"name": str(source)}
    assert catalog.list_items(vault) == []
    assert list(vault.blobs.iterdir()) == []
    # With --keep-original it goes in, and the original stays, as asked.
    kept = add_files(
        vault, case_id=case_id, kind="photo", paths=[source], now=NOW, keep_originals=True
    )
    assert kept.parts[0].removal == originals.Removal(source, None, originals.Kept.ASKED)
    assert source.exists()


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("chattr") is None, reason="needs root")
def test_removal_refused_after_the_commit_says_so_and_keeps_the_item(
    vault: Vault, inbox: Path
) -> None:
    """The folder turns read-only only after the check (an immutable file, as root):
    the item is in, and the result says the original could not be removed."""
    case_id = add_case(vault)
    source = photo(inbox, "a.jpg")

    def lock_file(step: str) -> None:
        if step == "verified":
            subprocess.run(["chattr", "+i", str(source)], check=True)

    try:
        batch = add_files(
            vault, case_id=case_id, kind="photo", paths=[source], now=NOW, on_step=lock_file
        )
    except subprocess.CalledProcessError:
        pytest.skip("this file system has no immutable attribute")
    finally:
        subprocess.run(["chattr", "-i", str(source)], check=False)
    (part,) = batch.parts
    assert part.removal == originals.Removal(source, None, originals.Kept.FAILED)
    assert source.exists()
    assert [item.id for item in catalog.list_items(vault)] == [part.item_id]
    # Nothing is left to be retried behind the family's back; the original is tracked as
    # a copy outside the vault instead (status and retention scan name it).
    assert sealed.find(vault, originals.TOPIC) == []
    assert [c.origin for c in copies.all_copies(vault)] == ["unremovable-original"]


def test_duplicates_are_refused_skipped_or_allowed(vault: Vault, inbox: Path) -> None:
    case_id = add_case(vault)
    first = add_files(
        vault, case_id=case_id, kind="photo", paths=[photo(inbox, "a.jpg", b"same")], now=NOW
    ).parts[0]
    again = photo(inbox, "copy-of-a.jpg", b"same")
    other_size = photo(inbox, "b.jpg", b"different")

    with pytest.raises(errors.DuplicateContent) as refused:
        add_files(vault, case_id=case_id, kind="photo", paths=[other_size, again], now=NOW)
    assert refused.value.fields == {"name": str(again), "case": case_id, "item": first.item_id}
    assert again.exists()
    assert other_size.exists()
    assert len(catalog.list_items(vault)) == 1

    skipped = add_files(
        vault, case_id=case_id, kind="photo", paths=[again], now=NOW, duplicates="skip"
    ).parts[0]
    assert skipped.duplicate_of == first.item_id
    assert not again.exists()  # the vault holds its content: removed like any original
    assert len(catalog.list_items(vault)) == 1

    allowed = photo(inbox, "again.jpg", b"same")
    added = add_files(
        vault, case_id=case_id, kind="photo", paths=[allowed], now=NOW, duplicates="allow"
    ).parts[0]
    assert added.duplicate_of is None
    assert len(catalog.list_items(vault)) == 2


def test_the_same_content_twice_in_one_command(vault: Vault, inbox: Path) -> None:
    case_id = add_case(vault)
    a, b = photo(inbox, "a.jpg", b"twins"), photo(inbox, "b.jpg", b"twins")
    with pytest.raises(errors.DuplicateInCommand) as refused:
        add_files(vault, case_id=case_id, kind="photo", paths=[a, b], now=NOW)
    assert refused.value.fields == {"name": str(b), "other": str(a)}
    batch = add_files(
        vault, case_id=case_id, kind="photo", paths=[a, b], now=NOW, duplicates="skip"
    )
    assert batch.parts[1].duplicate_of == batch.parts[0].item_id
    assert not a.exists()
    assert not b.exists()
    assert len(catalog.list_items(vault)) == 1


def test_duplicates_in_another_case_are_not_duplicates(vault: Vault, inbox: Path) -> None:
    one, two = add_case(vault, "Barn A"), add_case(vault, "Barn B")
    add_files(vault, case_id=one, kind="photo", paths=[photo(inbox, "a.jpg", b"x")], now=NOW)
    add_files(vault, case_id=two, kind="photo", paths=[photo(inbox, "a.jpg", b"x")], now=NOW)
    assert len(catalog.list_items(vault)) == 2


def test_a_hard_linked_original_is_never_zeroed(vault: Vault, inbox: Path) -> None:
    case_id = add_case(vault)
    source = photo(inbox, "a.jpg", b"precious bytes" * 100)
    library = inbox.parent / "photo-library"
    library.mkdir()
    os.link(source, library / "a.jpg")
    (part,) = add_files(vault, case_id=case_id, kind="photo", paths=[source], now=NOW).parts
    assert part.removal == originals.Removal(source, originals.Method.LINK_REMOVED)
    assert not source.exists()
    assert (library / "a.jpg").read_bytes() == b"precious bytes" * 100


def test_an_original_changed_while_it_was_encrypted_is_kept(vault: Vault, inbox: Path) -> None:
    case_id = add_case(vault)
    source = photo(inbox, "a.jpg", b"version 1" * 1000)

    def edit(step: str) -> None:
        if step == "written":
            with source.open("ab") as handle:  # someone saves a newer version meanwhile
                handle.write(b"version 2")

    (part,) = add_files(
        vault, case_id=case_id, kind="photo", paths=[source], now=NOW, on_step=edit
    ).parts
    assert part.original_changed
    assert part.removal == originals.Removal(source, None, originals.Kept.CHANGED)
    assert source.read_bytes() == b"version 1" * 1000 + b"version 2"
    assert catalog.read_item(vault, part.item_id) == b"version 1" * 1000


def test_a_bad_blob_is_caught_before_the_original_goes(vault: Vault, inbox: Path) -> None:
    case_id = add_case(vault)
    paths = [photo(inbox, "a.jpg"), photo(inbox, "b.jpg")]

    def damage(step: str) -> None:
        if step == "written":
            blob = sorted(vault.blobs.iterdir())[0]
            data = bytearray(blob.read_bytes())
            data[-5] ^= 0xFF
            blob.write_bytes(bytes(data))

    before = snapshot(inbox)
    with pytest.raises(errors.IntegrityError):
        add_files(vault, case_id=case_id, kind="photo", paths=paths, now=NOW, on_step=damage)
    assert snapshot(inbox) == before  # neither original was touched
    assert catalog.list_items(vault) == []  # all or nothing
    assert list(vault.blobs.iterdir()) == []
    assert vault.db.execute("SELECT COUNT(*) FROM keys WHERE id LIKE 'item:%'").fetchone()[0] == 0
    assert vault.db.execute("SELECT COUNT(*) FROM sealed").fetchone()[0] == 0


def test_overwrite_happens_before_unlink_on_a_disk_that_writes_in_place(
    vault: Vault, inbox: Path
) -> None:
    """On ext4 and the like the original's bytes are zeroed before it is unlinked: what
    the unlinked file's blocks held afterwards is checked through a second descriptor."""
    case_id = add_case(vault)
    source = photo(inbox, "a.jpg", b"SECRET" * 1000)
    if not filesystems.detect(inbox).overwrite_reaches_old_blocks:
        pytest.skip(f"{filesystems.detect(inbox).type} does not overwrite in place")
    witness = source.open("rb")  # keeps the inode readable after the unlink
    try:
        (part,) = add_files(vault, case_id=case_id, kind="photo", paths=[source], now=NOW).parts
        assert part.removal == originals.Removal(source, originals.Method.OVERWRITTEN)
        assert witness.read() == bytes(6000)
    finally:
        witness.close()


def test_a_folder_is_expanded_without_following_links(inbox: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "deep").mkdir(parents=True)
    photo(elsewhere / "deep", "not-meant.jpg")
    (inbox / "sub").mkdir()
    expected = [photo(inbox, "a.jpg"), photo(inbox, "b.jpg"), photo(inbox / "sub", "a.jpg")]
    (inbox / "linked-folder").symlink_to(elsewhere)
    (inbox / "linked-file.jpg").symlink_to(elsewhere / "deep" / "not-meant.jpg")
    assert sources.files_in(inbox) == expected  # files first, then each folder, sorted


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_swapped_in_after_the_check_is_refused_without_hanging(inbox: Path) -> None:
    """Between the check and the open someone puts a named pipe where the file was:
    an open that waited for a writer would hang the agent's inbox for good."""
    path = inbox / "IMG_0001.jpg"
    path.write_bytes(b"synthetic photo")
    identity = sources.check(path, removable=True)
    path.unlink()
    os.mkfifo(path)
    outcome: list[BaseException | None] = []

    def open_it() -> None:
        try:
            sources.open_checked(path, identity).close()
            outcome.append(None)
        except BaseException as error:  # handed to the test's thread
            outcome.append(error)

    opener = threading.Thread(target=open_it, daemon=True)
    opener.start()
    opener.join(timeout=10)
    if opener.is_alive():  # release it, so the thread ends, then fail
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("opening the swapped-in pipe hung")
    (error,) = outcome
    assert isinstance(error, errors.SourceChanged)
