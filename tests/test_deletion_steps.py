"""A deletion's steps in-process: their order, what the journal says at each, and that
the next open finishes a deletion stopped after any one of them. (The crash tests kill
real processes at the same points; these run where mutation testing can see them.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from retention_agent.vault import catalog, receipts
from retention_agent.vault.adding import ingest_file
from retention_agent.vault.deletion import METHOD, delete_items
from retention_agent.vault.keystore import KeyMissing
from retention_agent.vault.records import DeletionRequest, Kind
from retention_agent.vault.vault import Vault
from tests.support.vaults import NOW, PASSPHRASE, add_case

STEPS = ["keys_destroyed", "blobs_removed", "rotating", "rewrapped", "old_kek_destroyed"]
WHEN = NOW + dt.timedelta(days=400)


class Stop(Exception):
    """Stands for the process ending at a step."""


def two_items(home: Path, tmp_path: Path) -> tuple[str, str, str]:
    """A vault with a case holding a paper (to delete) and a photo (to keep)."""
    with Vault.init(home, PASSPHRASE, NOW) as vault:
        case_id = add_case(vault)
        ids = []
        files: list[tuple[str, Kind]] = [("paper.pdf", "match_paper"), ("photo.jpg", "photo")]
        for name, kind in files:
            (tmp_path / name).write_bytes(b"SYNTHETIC " + name.encode())
            ids.append(
                ingest_file(
                    vault,
                    case_id=case_id,
                    kind=kind,
                    source=tmp_path / name,
                    now=NOW,
                    keep_original=False,
                ).item_id
            )
    return case_id, ids[0], ids[1]


def request(case_id: str, item_id: str) -> DeletionRequest:
    return DeletionRequest(case_id, (item_id,), ("R3",), "hjem-til-os", "2024-05")


def test_the_steps_in_order_with_the_journal_at_each(vault_home: Path, tmp_path: Path) -> None:
    case_id, paper, _photo = two_items(vault_home, tmp_path)
    seen: list[tuple[str, str | None]] = []
    with Vault.open(vault_home, PASSPHRASE) as vault:

        def record(step: str) -> None:
            row = vault.db.execute("SELECT step FROM journal").fetchone()
            seen.append((step, None if row is None else row["step"]))

        delete_items(vault, request(case_id, paper), WHEN, on_step=record)
    assert seen == [
        ("keys_destroyed", "keys_destroyed"),
        ("blobs_removed", "blobs_removed"),
        ("rotating", "rotating"),
        # The re-wrap moves the vault's epoch, which is what resuming looks at.
        ("rewrapped", "rotating"),
        ("old_kek_destroyed", "rotating"),
        ("receipted", None),
    ]


@pytest.mark.parametrize("stopped_after", STEPS)
def test_the_next_open_finishes_a_deletion_stopped_after_any_step(
    vault_home: Path, tmp_path: Path, stopped_after: str
) -> None:
    case_id, paper, photo = two_items(vault_home, tmp_path)

    def stop(step: str) -> None:
        if step == stopped_after:
            raise Stop

    with Vault.open(vault_home, PASSPHRASE) as vault:
        old_epoch = vault.epoch
        (blob,) = vault.db.execute("SELECT blob FROM items WHERE id = ?", (paper,)).fetchone()
        with pytest.raises(Stop):
            delete_items(vault, request(case_id, paper), WHEN, on_step=stop)

    with Vault.open(vault_home, PASSPHRASE) as vault:  # resumes what was stopped
        (receipt,) = receipts.all_receipts(vault.db)
        assert receipt.body["case"] == case_id
        assert receipt.body["kinds"] == {"match_paper": {"count": 1, "bytes": 19}}
        assert receipt.body["method"].startswith(METHOD)
        assert receipt.body["kek_epoch"] == vault.epoch == old_epoch + 1
        assert vault.db.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 0
        assert [item.id for item in catalog.list_items(vault)] == [photo]
        assert b"".join(catalog.decrypted_chunks(vault, photo)) == b"SYNTHETIC photo.jpg"
        assert not vault.blob_path(blob).exists()
        with pytest.raises(KeyMissing):
            vault.store.load(old_epoch)
