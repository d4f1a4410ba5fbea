"""Tombstones: at deletion the keyed fingerprints (and perceptual hashes) of the deleted
items move into one sealed record with its own key, in the same transaction that
destroys the item keys; they are kept until the checklist is completed after the
deletion or 90 days have passed, then destroyed key first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention_agent import lifecycle
from retention_agent.demo.synthetic import photo_jpeg
from retention_agent.vault import catalog, copies, crypto, sealed, tombstones
from retention_agent.vault.adding import ingest_file
from retention_agent.vault.deletion import delete_items
from retention_agent.vault.records import DeletionRequest, Kind
from retention_agent.vault.vault import Vault
from tests.support.vaults import NOW, PASSPHRASE, add_case, all_bytes_under

DELETED_ON = NOW + dt.timedelta(days=400)


@pytest.fixture
def vault(vault_home: Path) -> Iterator[Vault]:
    with Vault.init(vault_home, PASSPHRASE, NOW) as opened:
        yield opened


def add(vault: Vault, case_id: str, path: Path, kind: Kind, keep: bool = False) -> str:
    return ingest_file(
        vault, case_id=case_id, kind=kind, source=path, now=NOW, keep_original=keep
    ).item_id


def delete(vault: Vault, case_id: str, *items: str, when: dt.datetime = DELETED_ON) -> None:
    delete_items(vault, DeletionRequest(case_id, items, ("R2a",), "hjem-til-os", "1"), when)


def test_deletion_moves_fingerprints_into_a_sealed_tombstone(
    vault: Vault, vault_home: Path, tmp_path: Path
) -> None:
    case_id = add_case(vault)
    photo = add(vault, case_id, photo_jpeg(tmp_path / "a.jpg", seed=1), "photo")
    (tmp_path / "b.txt").write_bytes(b"synthetic message")
    message = add(vault, case_id, tmp_path / "b.txt", "message")
    before = {i.id: i for i in catalog.list_items(vault)}

    delete(vault, case_id, photo, message)

    (tombstone,) = tombstones.all_tombstones(vault)
    assert tombstone.case_id == case_id
    assert tombstone.deleted == DELETED_ON
    entries = {e.item_id: e for e in tombstone.items}
    assert entries[photo].fingerprint == before[photo].fingerprint
    assert entries[photo].perceptual == before[photo].perceptual is not None
    assert entries[message].perceptual is None
    assert entries[message].kind == "message"
    fingerprint = before[photo].fingerprint
    assert fingerprint is not None
    vault.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert fingerprint.encode() not in all_bytes_under(vault_home)
    key_id = sealed.record_key_id(tombstone.record_id)
    # Its own key, re-wrapped with the rest when the deletion rotated the vault key.
    assert len(vault.unwrap(key_id)) == 32


def test_a_failed_deletion_leaves_no_tombstone(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    (tmp_path / "b.txt").write_bytes(b"synthetic message")
    message = add(vault, case_id, tmp_path / "b.txt", "message")
    vault.db.execute(
        "CREATE TRIGGER fail BEFORE INSERT ON journal BEGIN SELECT RAISE(ABORT, 'full'); END"
    )
    with pytest.raises(Exception, match="full"):
        delete(vault, case_id, message)
    assert tombstones.all_tombstones(vault) == []
    assert [i.id for i in catalog.list_items(vault)] == [message]


def test_kept_for_the_period_then_destroyed_key_first(
    vault: Vault, vault_home: Path, tmp_path: Path
) -> None:
    case_id = add_case(vault)
    (tmp_path / "b.txt").write_bytes(b"synthetic message")
    message = add(vault, case_id, tmp_path / "b.txt", "message", keep=True)
    delete(vault, case_id, message)
    (tombstone,) = tombstones.all_tombstones(vault)
    assert tombstone.keep_until == DELETED_ON.date() + dt.timedelta(days=90)
    assert len(copies.all_copies(vault)) == 1  # the kept original is still tracked
    wrapped = vault.db.execute(
        "SELECT wrapped FROM keys WHERE id = ?", (sealed.record_key_id(tombstone.record_id),)
    ).fetchone()["wrapped"]

    assert lifecycle.expire_tombstones(vault, tombstone.keep_until) == 0
    assert lifecycle.expire_tombstones(vault, tombstone.keep_until + dt.timedelta(days=1)) == 1

    assert tombstones.all_tombstones(vault) == []
    assert copies.all_copies(vault) == []  # where its copies were is forgotten too
    with pytest.raises(crypto.TamperedError):
        vault.unwrap(sealed.record_key_id(tombstone.record_id))
    vault.close()
    assert bytes(wrapped) not in all_bytes_under(vault_home)


def test_a_checklist_completed_after_the_deletion_ends_it(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    (tmp_path / "b.txt").write_bytes(b"synthetic message")
    delete(vault, case_id, add(vault, case_id, tmp_path / "b.txt", "message"))
    places = list(lifecycle.CHECKLIST)
    lifecycle.mark_checklist(vault, case_id, DELETED_ON.date(), places[:-1])
    assert len(tombstones.all_tombstones(vault)) == 1
    lifecycle.mark_checklist(vault, case_id, DELETED_ON.date(), places[-1:])
    assert tombstones.all_tombstones(vault) == []


def test_a_checklist_completed_before_the_deletion_does_not(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    (tmp_path / "b.txt").write_bytes(b"synthetic message")
    message = add(vault, case_id, tmp_path / "b.txt", "message")
    lifecycle.mark_checklist(vault, case_id, NOW.date(), list(lifecycle.CHECKLIST))
    delete(vault, case_id, message)
    assert lifecycle.expire_tombstones(vault, DELETED_ON.date() + dt.timedelta(days=1)) == 0
    assert len(tombstones.all_tombstones(vault)) == 1


def test_other_cases_and_live_items_keep_their_copies(vault: Vault, tmp_path: Path) -> None:
    first, second = add_case(vault), add_case(vault, alias="Barn B")
    (tmp_path / "a.txt").write_bytes(b"synthetic one")
    (tmp_path / "b.txt").write_bytes(b"synthetic two")
    (tmp_path / "c.txt").write_bytes(b"synthetic three")
    gone = add(vault, first, tmp_path / "a.txt", "message", keep=True)
    add(vault, first, tmp_path / "b.txt", "message", keep=True)
    add(vault, second, tmp_path / "c.txt", "message", keep=True)
    delete(vault, first, gone)
    lifecycle.expire_tombstones(vault, DELETED_ON.date() + dt.timedelta(days=91))
    assert sorted(c.path.name for c in copies.all_copies(vault)) == ["b.txt", "c.txt"]


class _Stop(Exception):
    """Stops an ingest right after its commit, before the read-back verify."""


def test_an_unverified_item_is_passed_over_not_the_rest(vault: Vault, tmp_path: Path) -> None:
    """An item whose ingest never verified has nothing to recognise; the items after it
    in the same deletion still get their fingerprints into the tombstone."""
    case_id = add_case(vault)
    (tmp_path / "cut.txt").write_bytes(b"synthetic message, its add cut short")

    def stop_after_commit(step: str) -> None:
        if step == "committed":
            raise _Stop

    with pytest.raises(_Stop):
        ingest_file(
            vault,
            case_id=case_id,
            kind="message",
            source=tmp_path / "cut.txt",
            now=NOW,
            keep_original=True,
            on_step=stop_after_commit,
        )
    (unverified,) = [
        row["id"] for row in vault.db.execute("SELECT id FROM items WHERE state != 'live'")
    ]
    (tmp_path / "whole.txt").write_bytes(b"synthetic message, added whole")
    whole = add(vault, case_id, tmp_path / "whole.txt", "message")

    delete(vault, case_id, unverified, whole)

    (tombstone,) = tombstones.all_tombstones(vault)
    assert [entry.item_id for entry in tombstone.items] == [whole]
