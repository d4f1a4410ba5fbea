"""Deletion is final: keys destroyed, blobs gone, KEK rotated, nothing left on disk; and
the receipt log tells what happened without telling who it happened to."""

from __future__ import annotations

import base64
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention_agent.formats.vcard import Contact
from retention_agent.vault import catalog, receipts
from retention_agent.vault.adding import ingest_contact, ingest_file
from retention_agent.vault.cases import get_case
from retention_agent.vault.deletion import delete_items
from retention_agent.vault.records import DeletionRequest, Kind
from retention_agent.vault.vault import Vault
from tests.support.memory_keyring import MemoryKeyring
from tests.support.vaults import NOW, PASSPHRASE, add_case, all_bytes_under

ALIAS = "Solsikke Hvalfanger"
CONTENT = b"SYNTHETIC MATCH PAPER: Solsikke, diagnosis: none (demo)"
LATER = NOW + dt.timedelta(days=365)


@pytest.fixture
def vault(vault_home: Path) -> Iterator[Vault]:
    with Vault.init(vault_home, PASSPHRASE, NOW) as opened:
        yield opened


def _ingest(vault: Vault, case_id: str, tmp_path: Path, name: str, data: bytes, kind: Kind) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return ingest_file(
        vault,
        case_id=case_id,
        kind=kind,
        source=path,
        now=NOW,
        keep_original=False,
    ).item_id


def _request(case_id: str, *item_ids: str) -> DeletionRequest:
    return DeletionRequest(case_id, item_ids, ("R3",), "hjem-til-os", "2024-05")


def _wrapped(vault: Vault, key_id: str) -> bytes:
    row = vault.db.execute("SELECT wrapped FROM keys WHERE id = ?", (key_id,)).fetchone()
    return bytes(row["wrapped"])


def _kek_entries(keyring: MemoryKeyring) -> set[str]:
    return {user for (service, user) in keyring.secrets if service == "retention-agent"}


def test_deleted_item_leaves_nothing_on_disk(
    vault: Vault, vault_home: Path, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    case_id = add_case(vault, alias="Barn B")
    paper = _ingest(vault, case_id, tmp_path, "solsikke-matchpapir.pdf", CONTENT, "match_paper")
    photo = _ingest(vault, case_id, tmp_path, "keep.jpg", b"JPEG-SYNTHETIC-KEEP", "photo")
    record = catalog.get_item(vault, paper)
    wrapped_paper = _wrapped(vault, f"item:{paper}")
    wrapped_photo_old = _wrapped(vault, f"item:{photo}")
    old_keks = _kek_entries(memory_keyring)
    old_kek_values = {memory_keyring.secrets[("retention-agent", u)] for u in old_keks}

    receipt = delete_items(vault, _request(case_id, paper), LATER)

    vault.close()
    everything = all_bytes_under(vault_home)
    for leftover in (
        CONTENT,
        wrapped_paper,
        wrapped_photo_old,  # re-wrapped under the new KEK: the old bytes are gone too
        b"solsikke-matchpapir.pdf",
        str(record.original).encode(),
        str(record.fingerprint).encode(),
    ):
        assert leftover not in everything
    assert (
        not (vault_home / "index.db-wal").exists()
        or (vault_home / "index.db-wal").stat().st_size == 0
    )
    assert list((vault_home / "tmp").iterdir()) == []
    assert len(list((vault_home / "blobs").iterdir())) == 1
    # The old KEK is gone from the keyring; only the new epoch's remains.
    new_keks = _kek_entries(memory_keyring)
    assert new_keks
    assert new_keks.isdisjoint(old_keks)
    assert old_kek_values.isdisjoint(memory_keyring.secrets.values())
    # And the survivor still decrypts under the rotated key.
    with Vault.open(vault_home, PASSPHRASE) as reopened:
        out = tmp_path / "out"
        out.mkdir()
        assert catalog.export_item(reopened, photo, out).read_bytes() == b"JPEG-SYNTHETIC-KEEP"
    assert receipt.body["kinds"] == {"match_paper": {"count": 1, "bytes": len(CONTENT)}}


def test_last_item_anonymises_the_case(vault: Vault, vault_home: Path, tmp_path: Path) -> None:
    case_id = add_case(vault, alias=ALIAS)
    contact = ingest_contact(
        vault, case_id=case_id, contact=Contact(name="Forælder Hvalfanger"), now=NOW
    ).item_id
    wrapped_case = _wrapped(vault, f"case:{case_id}")
    receipt = delete_items(vault, _request(case_id, contact), LATER)
    assert receipt.body["case_anonymised"] is True
    assert get_case(vault, case_id).alias is None
    vault.close()
    everything = all_bytes_under(vault_home)
    for leftover in (ALIAS.encode(), b"Hvalfanger", wrapped_case):
        assert leftover not in everything


def test_receipts_carry_no_personal_data_and_chain(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault, alias=ALIAS)
    first = _ingest(vault, case_id, tmp_path, "Hvalfanger.pdf", CONTENT, "match_paper")
    second = _ingest(vault, case_id, tmp_path, "Hvalfanger.jpg", b"x" * 10, "photo")
    delete_items(vault, _request(case_id, first), LATER)
    delete_items(vault, _request(case_id, second), LATER)
    log = receipts.all_receipts(vault.db)
    assert [r.seq for r in log] == [1, 2]
    assert log[0].prev_hash == receipts.GENESIS
    assert log[1].prev_hash == log[0].hash
    text = json.dumps([r.body for r in log])
    assert "Hvalfanger" not in text
    assert "Solsikke" not in text
    assert log[0].body["case"] == case_id
    assert log[0].body["rules"] == ["R3"]
    assert receipts.first_broken(vault.db) is None


def test_edited_receipt_breaks_the_chain(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    for name in ("a.pdf", "b.pdf"):
        item = _ingest(vault, case_id, tmp_path, name, b"x", "match_paper")
        delete_items(vault, _request(case_id, item), LATER)
    body = json.loads(
        vault.db.execute("SELECT body FROM receipts WHERE seq = 1").fetchone()["body"]
    )
    body["rules"] = ["R1"]
    vault.db.execute("UPDATE receipts SET body = ? WHERE seq = 1", (receipts.canonical(body),))
    assert receipts.first_broken(vault.db) == 1
    vault.db.execute("DELETE FROM receipts WHERE seq = 1")
    assert receipts.first_broken(vault.db) == 2


def test_deleted_items_are_gone_for_every_reader(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    item = _ingest(vault, case_id, tmp_path, "a.txt", b"hej", "message")
    delete_items(vault, _request(case_id, item), LATER)
    assert catalog.list_items(vault) == []
    with sqlite3.connect(vault.home / "index.db") as raw:
        assert (
            raw.execute("SELECT COUNT(*) FROM keys WHERE id = ?", (f"item:{item}",)).fetchone()[0]
            == 0
        )
        assert raw.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 0


def test_memory_keyring_holds_base64_keks(vault: Vault, memory_keyring: MemoryKeyring) -> None:
    # Guards the finality test above: it compares the keyring's stored values.
    (value,) = [v for (s, _u), v in memory_keyring.secrets.items() if s == "retention-agent"]
    assert len(base64.b64decode(value)) == 32


@pytest.mark.parametrize("secure", [True, False])
def test_index_connections_overwrite_deleted_rows(tmp_path: Path, secure: bool) -> None:
    """secure_delete is what keeps deleted rows out of the file; the control (a plain
    connection) shows the check would see them otherwise."""
    from retention_agent.vault import index

    path = tmp_path / "probe.db"
    sentinel = b"SENTINEL-WRAPPED-KEY-" * 3
    if secure:
        db = index.connect(path)
    else:  # some builds (Debian's) default to ON: switch it off explicitly for the control
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA secure_delete=OFF")
    db.execute("CREATE TABLE keys (id TEXT PRIMARY KEY, wrapped BLOB)")
    db.execute("INSERT INTO keys VALUES ('a', ?), ('b', ?)", (sentinel, b"other" * 10))
    db.execute("DELETE FROM keys WHERE id = 'a'")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    assert (sentinel in path.read_bytes()) is not secure
