"""The leftover scan over real folders and a real vault: exact copies by keyed
fingerprint (reading only files whose size matches), copies of deleted items through
their tombstones, resized and re-encoded photos as likely copies, tracked copies
first, and removal that says how far it went."""

from __future__ import annotations

import errno
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from retention_agent.cli import cli
from retention_agent.demo.synthetic import photo_jpeg
from retention_agent.scan import removal
from retention_agent.scan.leftovers import scan
from retention_agent.scan.places import default_places
from retention_agent.vault import catalog, copies, filesystems, originals, perceptual
from retention_agent.vault.adding import ingest_file
from retention_agent.vault.deletion import delete_items
from retention_agent.vault.perceptual import MAX_DHASH_DISTANCE, MAX_PHASH_DISTANCE, PerceptualHash
from retention_agent.vault.records import DeletionRequest, Kind
from retention_agent.vault.vault import Vault
from tests.support.vaults import NOW, PASSPHRASE, add_case

PAPER = b"SYNTHETIC match paper of Zebrafinke, a synthetic child. " * 500
SECRET_NAME = "Zebrafinke-matchpapir.pdf"


@pytest.fixture
def vault(vault_home: Path) -> Iterator[Vault]:
    with Vault.init(vault_home, PASSPHRASE, NOW) as opened:
        yield opened


def add(vault: Vault, case_id: str, source: Path, kind: Kind, *, keep: bool = True) -> str:
    return ingest_file(
        vault,
        case_id=case_id,
        kind=kind,
        source=source,
        now=NOW,
        keep_original=keep,
    ).item_id


def folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def noise_files(where: Path, sizes: list[int]) -> None:
    for number, size in enumerate(sizes):
        (where / f"other-{number}.bin").write_bytes(os.urandom(size))


def test_exact_copies_are_found_reading_only_files_of_matching_size(
    vault: Vault, tmp_path: Path
) -> None:
    case_id = add_case(vault)
    source = folder(tmp_path / "in") / SECRET_NAME
    source.write_bytes(PAPER)
    add(vault, case_id, source, "match_paper", keep=False)
    downloads = folder(tmp_path / "Downloads")
    (downloads / "copy.pdf").write_bytes(PAPER)
    (downloads / "same-size-other.pdf").write_bytes(b"x" * len(PAPER))
    noise_files(downloads, [10, 1000, 5000, len(PAPER) + 1])
    (downloads / "link.pdf").symlink_to(downloads / "copy.pdf")

    result = scan(vault, [downloads])

    assert [(f.path.name, f.case_id, f.kind, f.deleted) for f in result.exact] == [
        ("copy.pdf", case_id, "match_paper", False)
    ]
    assert result.files_seen == 6  # the link is not followed
    assert result.files_read == 2  # only the two of the paper's size
    assert result.likely == []


def test_copies_of_deleted_items_are_found_through_the_tombstone(
    vault: Vault, tmp_path: Path
) -> None:
    case_id = add_case(vault)
    source = folder(tmp_path / "in") / "mp.pdf"
    source.write_bytes(PAPER)
    item = add(vault, case_id, source, "match_paper", keep=False)
    left = folder(tmp_path / "Downloads") / "mp (1).pdf"
    left.write_bytes(PAPER)
    delete_items(vault, DeletionRequest(case_id, (item,), ("R3",), "hjem-til-os", "1"), NOW)
    assert catalog.list_items(vault) == []

    (found,) = scan(vault, [tmp_path / "Downloads"]).exact
    assert (found.path, found.case_id, found.kind, found.deleted) == (
        left,
        case_id,
        "match_paper",
        True,
    )


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def test_resized_and_reencoded_photos_are_likely_copies(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    original = photo_jpeg(folder(tmp_path / "camera") / "IMG_0001.jpg", seed=7, size=(1600, 1200))
    add(vault, case_id, original, "photo", keep=False)
    pictures = folder(tmp_path / "Billeder")
    with Image.open(photo_jpeg(tmp_path / "again.jpg", seed=7, size=(1600, 1200))) as image:
        (pictures / "chat.jpg").write_bytes(_jpeg(image.resize((400, 300)), 40))
        image.resize((800, 600)).save(pictures / "screenshot.png")
    for seed in range(20):
        photo_jpeg(pictures / f"unrelated-{seed}.jpg", seed=100 + seed)

    result = scan(vault, [pictures])

    assert result.exact == []
    likely = {f.path.name: f for f in result.likely}
    assert set(likely) == {"chat.jpg", "screenshot.png"}
    assert all(f.case_id == case_id and f.kind == "photo" for f in likely.values())
    assert all(0.75 <= (f.similarity or 0) <= 1.0 for f in likely.values())
    assert result.images_hashed == 22
    assert scan(vault, [pictures], likely=False).likely == []


def test_tracked_copies_come_first_and_gone_ones_are_forgotten(
    vault: Vault, tmp_path: Path
) -> None:
    case_id = add_case(vault)
    source = folder(tmp_path / "in") / "mp.pdf"
    source.write_bytes(PAPER)
    item = add(vault, case_id, source, "match_paper", keep=True)  # tracked: kept original
    desk = folder(tmp_path / "Skrivebord")
    opened = catalog.export_item(vault, item, desk)
    copies.track_open(vault, catalog.get_item(vault, item), opened, NOW)
    gone = catalog.export_item(vault, item, folder(tmp_path / "elsewhere"))
    copies.track_open(vault, catalog.get_item(vault, item), gone, NOW)
    gone.unlink()

    result = scan(vault, [desk])

    assert sorted(
        (f.path, f.tracked.origin if f.tracked else None) for f in result.tracked
    ) == sorted([(source, "kept-original"), (opened, "open")])
    assert result.exact == []  # the tracked copy in the folder is not reported twice
    assert result.forgotten == 1
    assert len(copies.all_copies(vault)) == 2


def test_photo_export_records_are_read_as_the_export_writes_them(
    vault: Vault, tmp_path: Path
) -> None:
    case_id = add_case(vault)
    export = folder(tmp_path / "Eksport")
    stripped = export / "billede-1.jpg"
    stripped.write_bytes(b"stripped synthetic photo")
    fingerprint = vault.fingerprinter()
    fingerprint.update(stripped.read_bytes())
    from retention_agent.vault import sealed

    sealed.add(
        vault,
        copies.EXPORT_TOPIC,
        {
            "at": NOW.isoformat(),
            "destination": str(export),
            "zip": False,
            "count": 2,
            "files": [
                {
                    "path": str(stripped),
                    "size": stripped.stat().st_size,
                    "fingerprint": fingerprint.hexdigest(),
                },
                {"path": str(export / "sent-and-deleted.jpg"), "size": 3, "fingerprint": "00"},
            ],
            "items": [],
            "family_consent": True,
            "child_consent": True,
            "note": None,
        },
        NOW,
        case_id=case_id,
    )
    assert [c.path for c in copies.outstanding(vault)] == [stripped]
    (found,) = scan(vault, []).tracked
    assert (found.path, found.kind, found.tracked and found.tracked.origin) == (
        stripped,
        "photo",
        "photo-export",
    )
    assert len(sealed.find(vault, copies.EXPORT_TOPIC)) == 1  # never changed here


def test_default_places(vault: Vault, tmp_path: Path, isolated_environment: Path) -> None:
    home = isolated_environment
    for name in ("Downloads", "Desktop", "Documents", "Pictures"):
        folder(home / name)
    folder(home / "Pictures" / "Ferie")
    case_id = add_case(vault)
    source = folder(tmp_path / "from-usb") / "mp.pdf"
    source.write_bytes(PAPER)
    item = add(vault, case_id, source, "match_paper", keep=True)
    written = folder(tmp_path / "opened")
    copies.track_open(
        vault, catalog.get_item(vault, item), catalog.export_item(vault, item, written), NOW
    )
    folder(vault.home / "Indbakke")

    places = {(p.path, p.why) for p in default_places(vault)}

    assert places == {
        (home / "Downloads", "downloads"),
        (home / "Desktop", "desktop"),
        (home / "Documents", "documents"),
        (home / "Pictures", "pictures"),
        (vault.home / "Indbakke", "inbox"),
        (tmp_path / "from-usb", "added"),
        (written, "written"),
    }


def test_the_vault_itself_is_not_scanned(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    source = folder(tmp_path / "in") / "mp.pdf"
    source.write_bytes(PAPER)
    add(vault, case_id, source, "match_paper", keep=False)
    (vault.tmp / "leftover.part").write_bytes(PAPER)  # as if an ingest had died here
    result = scan(vault, [vault.home])
    assert result.exact == []


def test_removal_is_the_one_add_uses_and_says_how(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    source = folder(tmp_path / "in") / "mp.pdf"
    source.write_bytes(PAPER)
    add(vault, case_id, source, "match_paper", keep=False)
    downloads = folder(tmp_path / "Downloads")
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        (downloads / name).write_bytes(PAPER)
    os.link(downloads / "c.pdf", tmp_path / "backup-of-c.pdf")  # another name: kept
    first, second, third = sorted(scan(vault, [downloads]).exact, key=lambda f: f.path)
    (downloads / "b.pdf").write_bytes(PAPER[::-1])  # changed since the scan: left alone

    done, refused, unlinked = (removal.remove(vault, f) for f in (first, second, third))

    expected = (
        originals.Method.OVERWRITTEN
        if filesystems.detect(downloads).overwrite_reaches_old_blocks
        else originals.Method.DELETED
    )
    assert done.outcome.method is expected
    assert not first.path.exists()
    assert refused.outcome.kept is originals.Kept.CHANGED
    assert second.path.exists()
    assert unlinked.outcome.method is originals.Method.LINK_REMOVED
    assert (tmp_path / "backup-of-c.pdf").read_bytes() == PAPER


# --- the command ---------------------------------------------------------------------


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.stdout


def test_scan_command_reports_case_and_kind_never_the_name(tmp_path: Path) -> None:
    run("init")
    case_id = json.loads(
        run("case", "new", "--child", "Barn A", "--start", "2026-03-01", "--json")
    )["id"]
    source = folder(tmp_path / "in") / SECRET_NAME
    source.write_bytes(PAPER)
    run("add", str(source), "--case", case_id, "--kind", "match_paper")
    downloads = folder(tmp_path / "Hentet")
    (downloads / "paper-copy.pdf").write_bytes(PAPER)

    text = run("scan", str(downloads))
    assert "Zebrafinke" not in text
    assert f"paper-copy.pdf — case {case_id}, match paper" in text
    assert "'retention scan --remove'" in text

    report = json.loads(run("scan", str(downloads), "--json"))
    assert [(e["case"], e["kind"], e["deleted"]) for e in report["exact"]] == [
        (case_id, "match_paper", False)
    ]
    assert report["files_read"] == 1

    removed = run("scan", str(downloads), "--remove")
    assert "Removed:" in removed
    assert not (downloads / "paper-copy.pdf").exists()
    assert "No copies of vault items found." in run("scan", str(downloads))


def test_open_is_tracked_and_counted_by_status_apply_and_checklist(tmp_path: Path) -> None:
    run("init")
    case_id = json.loads(
        run("case", "new", "--child", "Barn A", "--start", "2026-03-01", "--json")
    )["id"]
    source = folder(tmp_path / "in") / "mp.pdf"
    source.write_bytes(PAPER)
    run("add", str(source), "--case", case_id, "--kind", "match_paper")
    (item,) = json.loads(run("list", "--json"))
    desk = folder(tmp_path / "Skrivebord")
    run("open", item["id"], "--to", str(desk))

    (case,) = json.loads(run("status", "--json"))["cases"]
    assert case["copies_outside"] == 1
    assert "1 copy the program left outside the vault is still there" in run("status")
    after_year = CliRunner().invoke(
        cli, ["apply", "--dry-run"], env={"RETENTION_NOW": "2027-03-02"}
    )
    assert "1 copy the program left outside the vault is still there" in after_year.stdout
    applied = CliRunner().invoke(cli, ["apply", "--json"], env={"RETENTION_NOW": "2027-03-02"})
    (receipt,) = json.loads(applied.stdout)
    assert receipt["copies_outside"] == 1
    checklist = CliRunner().invoke(
        cli, ["checklist", "--case", case_id], env={"RETENTION_NOW": "2027-03-02"}
    )
    assert "1 copy the program left outside the vault is still there" in checklist.stdout
    assert "The fingerprint of 1 deleted item is kept until 31 May 2027" in checklist.stdout

    found = json.loads(run("scan", "--json", str(desk)))
    assert [(e["origin"], e["deleted"]) for e in found["tracked"]] == [("open", True)]
    run("scan", str(desk), "--remove")
    (case,) = json.loads(run("status", "--json"))["cases"]
    assert case["copies_outside"] == 0


def test_an_original_that_changed_meanwhile_is_tracked_as_it_is_now(
    vault: Vault, tmp_path: Path
) -> None:
    case_id = add_case(vault)
    source = folder(tmp_path / "in") / "mp.pdf"
    source.write_bytes(PAPER)

    def change(step: str) -> None:
        if step == "verified":
            source.write_bytes(PAPER + b" edited")

    ingest_file(
        vault,
        case_id=case_id,
        kind="match_paper",
        source=source,
        now=NOW,
        keep_original=False,
        on_step=change,
    )
    (copy,) = copies.all_copies(vault)
    assert (copy.origin, copy.path, copy.size) == ("changed-original", source, len(PAPER) + 7)
    assert copy.present()


# --- the parts the scan is built from --------------------------------------------------------


def test_likely_copy_limits_are_inclusive() -> None:
    """A likely copy is within both limits (inclusive); similarity is 1 minus the share
    of differing bits, the same seen from either side."""
    base = PerceptualHash(0, 0)

    def differing(phash_bits: int, dhash_bits: int) -> PerceptualHash:
        return PerceptualHash((1 << phash_bits) - 1, (1 << dhash_bits) - 1)

    edge = differing(MAX_PHASH_DISTANCE, MAX_DHASH_DISTANCE)
    assert base.similarity(base) == 1.0
    assert base.similarity(edge) == edge.similarity(base) == 1.0 - (12 + 16) / 128
    assert base.similarity(differing(MAX_PHASH_DISTANCE + 1, 0)) is None
    assert base.similarity(differing(0, MAX_DHASH_DISTANCE + 1)) is None


def test_different_photos_get_different_hashes(tmp_path: Path) -> None:
    first = photo_jpeg(tmp_path / "a.jpg", seed=1)
    second = photo_jpeg(tmp_path / "b.jpg", seed=2)
    with first.open("rb") as a, second.open("rb") as b:
        hash_a, hash_b = perceptual.of_image(a), perceptual.of_image(b)
    assert hash_a is not None
    assert hash_b is not None
    assert hash_a.phash != hash_b.phash
    assert hash_a.dhash != hash_b.dhash
    assert hash_a.similarity(hash_b) is None
    assert PerceptualHash.from_json(hash_a.to_json()) == hash_a


def test_a_tracked_copy_is_present_only_as_the_same_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "copy.jpg"
    path.write_bytes(b"12345")
    copy = copies.TrackedCopy(
        record_id=1, case_id="c0ffee", origin="open", path=path, size=5, fingerprint="",
        item_id=None,
    )  # fmt: skip
    assert copy.present()
    path.write_bytes(b"123456")  # edited: another size
    assert not copy.present()
    path.unlink()
    (tmp_path / "elsewhere.jpg").write_bytes(b"12345")
    path.symlink_to(tmp_path / "elsewhere.jpg")  # a link is not the copy
    assert not copy.present()
    path.unlink()
    assert not copy.present()


def test_a_file_is_fingerprinted_whole_and_never_through_a_link(
    vault: Vault, tmp_path: Path
) -> None:
    data = os.urandom(copies.READ_CHUNK * 2 + 12345)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    expected = vault.fingerprinter()
    expected.update(data)
    assert copies.fingerprint_file(vault, path) == (expected.hexdigest(), len(data))
    link = tmp_path / "link.bin"
    link.symlink_to(path)
    with pytest.raises(OSError, match=os.strerror(errno.ELOOP)):
        copies.fingerprint_file(vault, link)


def test_a_tracked_copy_is_counted_among_the_files_looked_at(vault: Vault, tmp_path: Path) -> None:
    """The summary never says it read more files than it looked at."""
    case_id = add_case(vault)
    kept = folder(tmp_path / "in") / SECRET_NAME
    kept.write_bytes(PAPER)
    add(vault, case_id, kept, "match_paper", keep=True)

    result = scan(vault, [kept.parent])

    assert [found.path for found in result.tracked] == [kept]
    assert (result.files_seen, result.files_read) == (1, 1)
