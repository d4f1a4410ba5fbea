"""What a forensic scan of the raw disk finds after a case is deleted.

A real file system image (ext4, then btrfs) is loop-mounted; the vault, its key file and
the family's original files live on it. A whole case goes through the real lifecycle
(alias, match paper, photo, contact typed by hand, a hold with its reason, the end of
the relationship, the photos declined, ``apply``), while another case stays. Then the
image is unmounted and every byte of it is searched for unique markers: the content and
name of the originals, the contact's name, the child's alias, the hold's reason, and the
deleted items' wrapped keys and sealed rows as they were stored.

On ext4, which overwrites in place, nothing may remain, except that ext4's own journal
may keep a directory block naming an original (that block is ext4's, not the vault's:
the README explains). On btrfs, which copies on write, the honest statement is asserted
instead: the originals' bytes may remain (they were deleted, never claimed overwritten),
but nothing the vault wrote is readable without the passphrase: no alias, contact name
or hold reason appears in clear, ever.

Root only (loop devices and mount); skipped elsewhere with the reason.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from retention_agent import lifecycle
from retention_agent.enforce import apply_due
from retention_agent.formats.vcard import Contact
from retention_agent.vault.adding import add_files, ingest_contact
from retention_agent.vault.keystore import PassphraseSource
from retention_agent.vault.vault import Vault
from tests.conftest import TEST_PASSPHRASE
from tests.support.vaults import add_case

pytestmark = pytest.mark.slow

MARKERS = {
    "content": b"FORENSIC-CONTENT-7Q2Z",
    "file name": b"FORENSIC-NAME-K4J8",
    "contact name": b"FORENSIC-CONTACT-P9W3",
    "alias": b"FORENSIC-ALIAS-R5T6",
    "hold reason": b"FORENSIC-REASON-M2N7",
}
# Only ever typed on the command line and stored sealed: never in clear on any disk.
VAULT_ONLY = ("contact name", "alias", "hold reason")
START = dt.date(2026, 3, 1)


def _missing_tools(*tools: str) -> str | None:
    if os.geteuid() != 0:
        return "loop-mounting a file system image needs root"
    absent = [tool for tool in ("mount", "umount", "losetup", *tools) if shutil.which(tool) is None]
    return f"{', '.join(absent)} not installed" if absent else None


@dataclass
class Image:
    path: Path
    mount: Path
    fs_type: str

    def raw(self) -> bytes:
        return self.path.read_bytes()


def _mounted(tmp_path: Path, fs_type: str, size_mib: int, mkfs: list[str]) -> Iterator[Image]:
    image = Image(tmp_path / f"{fs_type}.img", tmp_path / f"{fs_type}-mount", fs_type)
    with image.path.open("wb") as handle:
        handle.truncate(size_mib << 20)
    subprocess.run([*mkfs, str(image.path)], check=True, capture_output=True)
    image.mount.mkdir()
    subprocess.run(["mount", "-o", "loop", str(image.path), str(image.mount)], check=True)
    try:
        yield image
    finally:
        subprocess.run(["umount", str(image.mount)], check=False)


@pytest.fixture
def ext4(tmp_path: Path) -> Iterator[Image]:
    reason = _missing_tools("mkfs.ext4", "debugfs")
    if reason:
        pytest.skip(reason)
    yield from _mounted(tmp_path, "ext4", 64, ["mkfs.ext4", "-q", "-F"])


@pytest.fixture
def btrfs(tmp_path: Path) -> Iterator[Image]:
    reason = _missing_tools("mkfs.btrfs")
    if reason:
        pytest.skip(reason)
    yield from _mounted(tmp_path, "btrfs", 128, ["mkfs.btrfs", "-q", "-f"])


@pytest.fixture
def key_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The KEK in a key file on the image, as on a laptop without an OS keyring."""
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("RETENTION_PASSPHRASE", TEST_PASSPHRASE)


@dataclass(frozen=True)
class Traces:
    """What the deleted case left in the vault before it went, to look for afterwards."""

    wrapped_keys: list[bytes]
    sealed_rows: list[bytes]


def live_a_year(image: Image) -> Traces:
    """One case through the whole lifecycle until it is deleted; another case stays."""
    home, inbox = image.mount / "vault", image.mount / "inbox"
    inbox.mkdir()
    now = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    with Vault.init(home, PassphraseSource(), now) as vault:
        gone = add_case(vault, alias=MARKERS["alias"].decode())
        stays = add_case(vault, alias="Barn som bliver")
        name = MARKERS["file name"].decode()
        photo = inbox / f"{name}.jpg"
        photo.write_bytes(MARKERS["content"] * 4000)
        paper = inbox / f"matchpapir-{name}.pdf"
        paper.write_bytes(b"%PDF " + MARKERS["content"] * 2000)
        add_files(vault, case_id=gone, kind="photo", paths=[photo], now=now)
        add_files(vault, case_id=gone, kind="match_paper", paths=[paper], now=now)
        contact = Contact(name=MARKERS["contact name"].decode(), phone="+45 00 00 00 01")
        ingest_contact(vault, case_id=gone, contact=contact, now=now)
        survivor = inbox / "other.txt"
        survivor.write_bytes(b"a message that stays " * 100)
        add_files(vault, case_id=stays, kind="message", paths=[survivor], now=now)
        day = START + dt.timedelta(days=40)
        lifecycle.place_hold(
            vault, gone, day, day + dt.timedelta(days=10), MARKERS["hold reason"].decode()
        )
        lifecycle.release_hold(vault, gone, day + dt.timedelta(days=1))
        lifecycle.record_end(vault, gone, day + dt.timedelta(days=2), day, "child-family")
        lifecycle.record_export_outcome(vault, gone, day + dt.timedelta(days=3), "declined")
        traces = Traces(
            wrapped_keys=[
                bytes(r[0])
                for r in vault.db.execute("SELECT wrapped FROM keys WHERE id LIKE 'item:%'")
            ],
            sealed_rows=[
                bytes(r[0])
                for r in vault.db.execute("SELECT sealed FROM items WHERE case_id = ?", (gone,))
            ],
        )
        moment = dt.datetime.combine(day + dt.timedelta(days=4), dt.time(9), tzinfo=dt.UTC)
        done = apply_due(vault, moment)
        assert [receipt.body["case"] for receipt in done] == [gone]
        remaining = vault.db.execute("SELECT case_id FROM items").fetchall()
        assert [row[0] for row in remaining] == [stays]
    # The survivor's wrapped key was re-wrapped; its old bytes are among the traces too.
    return traces


def count(raw: bytes, needle: bytes) -> int:
    return raw.count(needle)


def journal_ranges(image: Image) -> list[range]:
    """Byte ranges of ext4's own journal (inode 8), read with debugfs."""
    shown = subprocess.run(
        ["debugfs", "-R", "stat <8>", str(image.path)], check=True, capture_output=True, text=True
    ).stdout
    block_size = int(
        re.search(
            r"Block size:\s+(\d+)",
            subprocess.run(
                ["dumpe2fs", "-h", str(image.path)], capture_output=True, text=True
            ).stdout,
        ).group(1)  # type: ignore[union-attr]
    )
    ranges = []
    for start, end in re.findall(r"\(\d+(?:-\d+)?\):(\d+)(?:-(\d+))?", shown):
        first, last = int(start), int(end or start)
        ranges.append(range(first * block_size, (last + 1) * block_size))
    return ranges


def outside(raw: bytes, needle: bytes, excluded: list[range]) -> int:
    return sum(
        1
        for match in re.finditer(re.escape(needle), raw)
        if not any(match.start() in span for span in excluded)
    )


@pytest.mark.usefixtures("key_file")
def test_ext4_keeps_nothing_of_a_deleted_case(ext4: Image) -> None:
    traces = live_a_year(ext4)
    subprocess.run(["umount", str(ext4.mount)], check=True)
    raw = ext4.raw()
    journal = journal_ranges(ext4)
    found = {label: count(raw, marker) for label, marker in MARKERS.items()}
    found["file name outside ext4's journal"] = outside(raw, MARKERS["file name"], journal)
    found["wrapped keys"] = sum(count(raw, key) for key in traces.wrapped_keys)
    found["sealed rows"] = sum(count(raw, row) for row in traces.sealed_rows)
    print("ext4 forensic counts:", found)  # the README quotes these
    assert found["content"] == 0
    assert found["file name outside ext4's journal"] == 0
    for label in VAULT_ONLY:
        assert found[label] == 0, label
    assert found["wrapped keys"] == 0
    assert found["sealed rows"] == 0


@pytest.mark.usefixtures("key_file")
def test_btrfs_keeps_nothing_readable_without_the_passphrase(btrfs: Image) -> None:
    traces = live_a_year(btrfs)
    subprocess.run(["umount", str(btrfs.mount)], check=True)
    raw = btrfs.raw()
    found = {label: count(raw, marker) for label, marker in MARKERS.items()}
    found["old key files"] = count(raw, b"RAKF\x02")
    found["wrapped keys"] = sum(count(raw, key) for key in traces.wrapped_keys)
    found["sealed rows"] = sum(count(raw, row) for row in traces.sealed_rows)
    print("btrfs forensic counts:", found)  # the README quotes these
    # What the vault wrote is never in clear: only under keys the passphrase protects.
    for label in VAULT_ONLY:
        assert found[label] == 0, label
    # The honest statement: copy on write keeps old blocks. The originals were deleted,
    # not overwritten, and old copies of the key file and the index may remain, so with
    # the passphrase a specialist might recover what was deleted. Said in the README,
    # in status and in every receipt on such a disk.
    assert found["old key files"] >= 1
