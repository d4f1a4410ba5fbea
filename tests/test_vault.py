"""The vault through its Python API: layout, secrecy on disk, ingest, export, errors."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from retention_agent import errors
from retention_agent.formats.vcard import Contact
from retention_agent.vault import catalog, files
from retention_agent.vault.adding import ingest_contact, ingest_file
from retention_agent.vault.cases import get_case, new_case
from retention_agent.vault.ingest import Part, ingest_parts
from retention_agent.vault.vault import Vault
from tests.support.vaults import NOW, PASSPHRASE, add_case, all_bytes_under

SECRET_ALIAS = "Zebrafinke Ulvsdatter"
SECRET_CONTENT = b"SYNTHETIC-HEALTH-NOTE: zebrafinke has asthma"


@pytest.fixture
def vault(vault_home: Path) -> Iterator[Vault]:
    with Vault.init(vault_home, PASSPHRASE, NOW) as opened:
        yield opened


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_layout_is_private(vault: Vault, vault_home: Path) -> None:
    assert stat.S_IMODE(vault_home.stat().st_mode) == 0o700
    for folder in ("blobs", "tmp"):
        assert stat.S_IMODE((vault_home / folder).stat().st_mode) == 0o700
    assert stat.S_IMODE((vault_home / "index.db").stat().st_mode) == 0o600
    assert vault.db.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_init_twice_is_refused(vault: Vault, vault_home: Path) -> None:
    vault.close()
    with pytest.raises(errors.VaultAlreadyInitialised):
        Vault.init(vault_home, PASSPHRASE, NOW)


def test_open_without_init(vault_home: Path) -> None:
    with pytest.raises(errors.VaultNotInitialised):
        Vault.open(vault_home, PASSPHRASE)


def test_corrupt_index_is_a_clear_error(vault: Vault, vault_home: Path) -> None:
    vault.close()
    (vault_home / "index.db").write_bytes(b"this is not sqlite" * 100)
    for wal in ("index.db-wal", "index.db-shm"):
        (vault_home / wal).unlink(missing_ok=True)
    with pytest.raises(errors.VaultUnreadable):
        Vault.open(vault_home, PASSPHRASE)


def test_nothing_identifying_is_stored_in_clear(
    vault: Vault, vault_home: Path, tmp_path: Path
) -> None:
    case_id = add_case(vault, alias=SECRET_ALIAS)
    original = write(tmp_path / "zebrafinke-matchpapir.pdf", SECRET_CONTENT)
    ingest_file(
        vault,
        case_id=case_id,
        kind="match_paper",
        source=original,
        now=NOW,
        keep_original=False,
    )
    ingest_contact(
        vault,
        case_id=case_id,
        contact=Contact(name=SECRET_ALIAS, phone="+45 00 00 00 01", relation="child"),
        now=NOW,
    )
    item_ids = {item.id for item in catalog.list_items(vault)}
    vault.close()
    everything = all_bytes_under(vault_home)
    for needle in (b"Zebrafinke", b"zebrafinke", b"asthma", b"00 00 00 01"):
        assert needle not in everything
    names = [p.name for p in (vault_home / "blobs").iterdir()]
    assert len(names) == 2
    # Random names: 32 hex digits that say nothing about the item (not even its id).
    assert all(re.fullmatch("[0-9a-f]{32}", name) for name in names), names
    assert not any(item_id in name for name in names for item_id in item_ids)


def test_ingest_removes_original_only_after_verified_copy(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    original = write(tmp_path / "photo.jpg", os.urandom(100_000))
    data = original.read_bytes()
    result = ingest_file(
        vault,
        case_id=case_id,
        kind="photo",
        source=original,
        now=NOW,
        keep_original=False,
    )
    assert result.original_removed
    assert not original.exists()
    out = tmp_path / "out"
    out.mkdir()
    exported = catalog.export_item(vault, result.item_id, out)
    assert exported.read_bytes() == data
    assert exported.name == "photo.jpg"
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600


def test_keep_original(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    original = write(tmp_path / "chat.txt", b"hej")
    result = ingest_file(
        vault,
        case_id=case_id,
        kind="message",
        source=original,
        now=NOW,
        keep_original=True,
    )
    assert not result.original_removed
    assert original.read_bytes() == b"hej"


def test_empty_file_is_allowed(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    result = ingest_file(
        vault,
        case_id=case_id,
        kind="message",
        source=write(tmp_path / "empty.txt", b""),
        now=NOW,
        keep_original=True,
    )
    assert catalog.get_item(vault, result.item_id).size == 0


def test_listing_decrypts_names_and_contacts(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    ingest_contact(
        vault, case_id=case_id, contact=Contact(name="Forælder B", relation="parent"), now=NOW
    )
    ingest_file(
        vault,
        case_id=case_id,
        kind="photo",
        source=write(tmp_path / "a.jpg", b"x"),
        now=NOW,
        keep_original=True,
    )
    items = catalog.list_items(vault, case_id=case_id)
    assert [(i.kind, i.name) for i in items] == [("contact", "Forælder B.vcf"), ("photo", "a.jpg")]
    assert items[0].contacts[0]["relation"] == "parent"
    assert items[1].original == str(tmp_path / "a.jpg")
    assert items[1].fingerprint
    assert len(items[1].fingerprint) == 64
    assert catalog.list_items(vault, kind="photo") == [items[1]]


def _missing(folder: Path) -> Path:
    return folder / "missing.jpg"


def _directory(folder: Path) -> Path:
    (folder / "folder").mkdir()
    return folder / "folder"


def _symlink(folder: Path) -> Path:
    (folder / "link").symlink_to(write(folder / "real.jpg", b"x"))
    return folder / "link"


def _fifo(folder: Path) -> Path:
    os.mkfifo(folder / "fifo")
    return folder / "fifo"


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (_missing, errors.SourceMissing),
        (_directory, errors.SourceIsDirectory),
        (_symlink, errors.SourceIsSymlink),
        (_fifo, errors.SourceIsSpecial),
    ],
    ids=["missing", "directory", "symlink", "fifo"],
)
def test_bad_sources_are_refused_without_damage(
    vault: Vault,
    tmp_path: Path,
    make: Callable[[Path], Path],
    error: type[errors.RetentionError],
) -> None:
    case_id = add_case(vault)
    source = make(tmp_path)
    with pytest.raises(error) as raised:
        ingest_file(
            vault,
            case_id=case_id,
            kind="photo",
            source=source,
            now=NOW,
            keep_original=False,
        )
    assert raised.value.fields == {"name": str(source)}
    assert list((vault.home / "blobs").iterdir()) == []
    assert list((vault.home / "tmp").iterdir()) == []
    if error is errors.SourceIsSymlink:
        assert (tmp_path / "real.jpg").read_bytes() == b"x"


def test_file_larger_than_free_space_is_refused_cleanly(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    huge = tmp_path / "huge.bin"
    with huge.open("wb") as handle:  # sparse: costs no real space
        handle.truncate(shutil.disk_usage(tmp_path).free + (1 << 30))
    with pytest.raises(errors.DiskFull) as refused:
        ingest_file(
            vault,
            case_id=case_id,
            kind="photo",
            source=huge,
            now=NOW,
            keep_original=False,
        )
    size = r"[0-9]+(\.[0-9])? (bytes?|kB|MB|GB|TB)"  # the units file managers show
    assert set(refused.value.fields) == {"needed", "free"}
    assert all(re.fullmatch(size, value) for value in refused.value.fields.values())
    assert huge.exists()
    assert list((vault.home / "blobs").iterdir()) == []
    assert list((vault.home / "tmp").iterdir()) == []
    assert catalog.list_items(vault) == []


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_damaged_blob_is_an_integrity_error_naming_the_item(
    vault: Vault, tmp_path: Path, damage: str
) -> None:
    case_id = add_case(vault)
    result = ingest_file(
        vault,
        case_id=case_id,
        kind="photo",
        source=write(tmp_path / "a.jpg", os.urandom(50_000)),
        now=NOW,
        keep_original=True,
    )
    (blob,) = (vault.home / "blobs").iterdir()
    data = bytearray(blob.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 1
        blob.write_bytes(bytes(data))
    elif damage == "truncate":
        blob.write_bytes(bytes(data[:-100]))
    else:
        blob.unlink()
    out = tmp_path / "out"
    out.mkdir()
    expected = errors.BlobMissing if damage == "delete" else errors.IntegrityError
    with pytest.raises(expected) as raised:
        catalog.export_item(vault, result.item_id, out)
    assert raised.value.fields == {"item": result.item_id}
    assert list(out.iterdir()) == []  # no partial plaintext left behind
    # Read in memory (a photo shown, an export): the same error, naming the same item.
    with pytest.raises(expected) as in_memory:
        catalog.read_item(vault, result.item_id)
    assert in_memory.value.fields == {"item": result.item_id}


def test_export_refuses_to_overwrite_and_needs_a_folder(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    result = ingest_file(
        vault,
        case_id=case_id,
        kind="photo",
        source=write(tmp_path / "a.jpg", b"new"),
        now=NOW,
        keep_original=True,
    )
    with pytest.raises(errors.TargetExists):
        catalog.export_item(vault, result.item_id, tmp_path)
    assert (tmp_path / "a.jpg").read_bytes() == b"new"
    with pytest.raises(errors.TargetNotDirectory):
        catalog.export_item(vault, result.item_id, tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("name", "written_as"),
    [
        ("../../evil.jpg", "evil.jpg"),
        ("..\\..\\evil.jpg", "evil.jpg"),
        ("/etc/evil.jpg", "evil.jpg"),
        ("sub/../../evil.jpg", "evil.jpg"),
        ("..", None),
        (".hidden", None),
        ("", None),
    ],
)
def test_export_never_writes_outside_the_folder(
    vault: Vault, tmp_path: Path, name: str, written_as: str | None
) -> None:
    """A stored name comes from some other machine (an archive, a chat export, a contact
    typed in): exporting it writes one file directly inside the chosen folder, nowhere
    else, under the name's last component or the item's id."""
    case_id = add_case(vault)
    part = Part(kind="photo", name=name, size=5, open=lambda: io.BytesIO(b"bytes"))
    (ingested,) = ingest_parts(vault, case_id=case_id, parts=[part], now=NOW).parts
    out = tmp_path / "deep" / "er" / "out"
    out.mkdir(parents=True)
    before = sorted(str(p) for p in tmp_path.rglob("*") if not p.is_relative_to(vault.home))
    exported = catalog.export_item(vault, ingested.item_id, out)
    assert exported == out / (written_as or f"{ingested.item_id}.bin")
    assert [p.name for p in out.iterdir()] == [exported.name]
    assert exported.read_bytes() == b"bytes"
    after = sorted(str(p) for p in tmp_path.rglob("*") if not p.is_relative_to(vault.home))
    assert set(after) - set(before) == {str(exported)}


def test_unknown_case_and_item(vault: Vault, tmp_path: Path) -> None:
    with pytest.raises(errors.UnknownCase) as unknown:
        get_case(vault, "nope00")
    assert unknown.value.fields == {"case": "nope00"}
    with pytest.raises(errors.UnknownCase):
        ingest_file(
            vault,
            case_id="nope00",
            kind="photo",
            source=write(tmp_path / "a", b"x"),
            now=NOW,
            keep_original=False,
        )
    assert (tmp_path / "a").exists()
    with pytest.raises(errors.UnknownItem):
        catalog.export_item(vault, "deadbeef", tmp_path)


def test_cases_remember_their_policy(vault: Vault) -> None:
    case_id = new_case(
        vault,
        alias="Barn A",
        start=dt.date(2026, 3, 1),
        policy_id="hjem-til-os",
        policy_version="1",
        policy_text="# policy text\n",
        now=NOW,
    )
    record = get_case(vault, case_id)
    assert (record.alias, record.policy_id, record.policy_version, record.policy_text) == (
        "Barn A",
        "hjem-til-os",
        "1",
        "# policy text\n",
    )
    assert (record.start, record.created) == (dt.date(2026, 3, 1), NOW)


def test_index_is_a_real_sqlite_file(vault: Vault, vault_home: Path) -> None:
    add_case(vault)
    vault.close()
    connection = sqlite3.connect(vault_home / "index.db")
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert {"meta", "keys", "cases", "items"} <= tables


def test_early_sync_writer_writes_everything_and_syncs_along_the_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each time ``SYNC_EVERY`` more bytes are written (not one byte sooner), the helper
    thread syncs what is written so far while the writer goes on; the file's size at
    each sync is seen through the real fdatasync. ``finish`` stops the helper."""
    synced_sizes: list[int] = []
    synced = threading.Semaphore(0)
    real_datasync = files._datasync

    def watched_datasync(fd: int) -> None:
        synced_sizes.append(os.fstat(fd).st_size)
        real_datasync(fd)
        synced.release()

    monkeypatch.setattr(files, "_datasync", watched_datasync)

    class Small(files.EarlySyncWriter):
        SYNC_EVERY = 1000  # sync often, so the helper thread really runs

    target = tmp_path / "blob.part"
    chunks = [os.urandom(size) for size in (999, 1, 999, 1, 500)]
    threads_before = threading.active_count()
    with target.open("wb") as handle:
        writer = Small(handle)
        for number, chunk in enumerate(chunks, start=1):
            assert writer.write(chunk) == len(chunk)
            if number in (2, 4):  # 1,000 and 2,000 bytes: handed to the helper
                assert synced.acquire(timeout=60), "the helper thread never synced"
        writer.finish()
        writer.finish()  # idempotent
    assert synced_sizes == [1000, 2000]  # along the way, each at the mark
    assert threading.active_count() == threads_before
    assert target.read_bytes() == b"".join(chunks)
