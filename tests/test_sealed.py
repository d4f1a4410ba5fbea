"""Sealed records: encrypted small facts with their own keys, destroyed key first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from retention_agent import errors
from retention_agent.vault import catalog, crypto, sealed
from retention_agent.vault.adding import ingest_file
from retention_agent.vault.vault import Vault
from tests.support.vaults import NOW, PASSPHRASE, add_case, all_bytes_under

MARKER = "SEALED-MARKER-Zebrafinke"


@pytest.fixture
def vault(vault_home: Path) -> Iterator[Vault]:
    with Vault.init(vault_home, PASSPHRASE, NOW) as opened:
        yield opened


def test_a_record_round_trips_and_is_not_readable_on_disk(vault: Vault, vault_home: Path) -> None:
    case_id = add_case(vault)
    record_id = sealed.add(vault, "export", {"where": MARKER, "count": 3}, NOW, case_id=case_id)
    assert [r.value for r in sealed.find(vault, "export", case_id=case_id)] == [
        {"where": MARKER, "count": 3}
    ]
    assert sealed.find(vault, "export", case_id="000000") == []
    assert sealed.find(vault, "copy") == []
    sealed.replace(vault, record_id, {"where": MARKER, "count": 4})
    assert sealed.get(vault, record_id).value["count"] == 4
    vault.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert MARKER.encode() not in all_bytes_under(vault_home)


def test_destroy_removes_key_and_row(vault: Vault, vault_home: Path) -> None:
    record_id = sealed.add(vault, "contact-person", {"name": MARKER}, NOW)
    wrapped = vault.db.execute(
        "SELECT wrapped FROM keys WHERE id = ?", (sealed.record_key_id(record_id),)
    ).fetchone()["wrapped"]
    sealed.destroy(vault, record_id)
    assert sealed.find(vault, "contact-person") == []
    with pytest.raises(KeyError):
        sealed.get(vault, record_id)
    with pytest.raises(crypto.TamperedError):
        vault.unwrap(sealed.record_key_id(record_id))
    assert wrapped not in all_bytes_under(vault_home)


def test_a_record_for_an_unknown_case_is_refused(vault: Vault) -> None:
    with pytest.raises(errors.UnknownCase):
        sealed.add(vault, "export", {}, NOW, case_id="ffffff")


def test_items_decrypt_in_memory(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    content = bytes(range(256)) * 9000  # more than one chunk
    source = tmp_path / "photo.jpg"
    source.write_bytes(content)
    item = ingest_file(
        vault,
        case_id=case_id,
        kind="photo",
        source=source,
        now=NOW,
        keep_original=True,
    ).item_id
    assert catalog.read_item(vault, item) == content
    assert sum(len(chunk) for chunk in catalog.decrypted_chunks(vault, item)) == len(content)
