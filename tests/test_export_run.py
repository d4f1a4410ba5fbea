"""Exporting a case's photos: neutral names in a new folder or zip files within the size
limit, never overwriting, never outside the destination, recorded sealed with keyed
fingerprints of the exported files, checked, and removed again when anything fails."""

from __future__ import annotations

import hashlib
import hmac
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from retention_agent.errors import TargetNotDirectory
from retention_agent.export import check, offer, records, run
from retention_agent.export.errors import (
    BadLongEdge,
    BadPartSize,
    ExportCancelled,
    NoPhotos,
    NotAPhotoOfCase,
    NothingExportable,
)
from retention_agent.export.records import Answers
from retention_agent.vault.vault import Vault
from tests.support.exports import NOW, TODAY, ended_case_with_photos
from tests.support.photos import SECRETS, laden_jpeg, noisy_jpeg
from tests.support.vaults import NOW as CREATED
from tests.support.vaults import PASSPHRASE, add_case
from tests.support.videos import phone_video

pytestmark = pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO")

# Names a phone, a chat app or an attacker may give a file: none may reach the export.
ODD_NAMES = ("IMG_0001.jpg", "..\\..\\Windows\\evil.jpg", "Barn A på stranden.jpg", "..jpg")


@pytest.fixture
def vault(vault_home: Path) -> Iterator[Vault]:
    with Vault.init(vault_home, PASSPHRASE, CREATED) as opened:
        yield opened


@pytest.fixture
def case(vault: Vault, tmp_path: Path) -> tuple[str, list[str]]:
    photos = [
        (name, laden_jpeg(size=(320, 240), orientation=1 + n)) for n, name in enumerate(ODD_NAMES)
    ]
    return ended_case_with_photos(vault, tmp_path / "inbox", photos)


@pytest.fixture
def destination(tmp_path: Path) -> Path:
    folder = tmp_path / "Skrivebord"
    folder.mkdir()
    return folder


def _all_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def test_folder_export_writes_neutral_clean_copies(
    vault: Vault, case: tuple[str, list[str]], destination: Path
) -> None:
    case_id, items = case
    result = run.export_photos(vault, case_id, run.ExportOptions(destination), NOW)
    assert result.folder == destination / "Hjem-til-Os-billeder"
    names = [path.name for path in _all_files(destination)]
    assert names == [f"Hjem-til-Os-00{n}.jpg" for n in range(1, 5)]
    assert list(result.items) == items
    for path in _all_files(destination):
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret not in data
        for name in ODD_NAMES:
            assert name.encode() not in data
    assert check.check_export(vault, records.get_export(vault, result.record_id)).ok


def test_the_record_holds_exactly_the_agreed_fields(
    vault: Vault, case: tuple[str, list[str]], destination: Path
) -> None:
    case_id, items = case
    answers = Answers("yes", "no", "Sendt med mail til mor")
    result = run.export_photos(vault, case_id, run.ExportOptions(destination, answers=answers), NOW)
    from retention_agent.vault import sealed

    (record,) = sealed.find(vault, "photo-export", case_id=case_id)
    value = record.value
    assert set(value) == {
        "at",
        "destination",
        "zip",
        "count",
        "files",
        "items",
        "family_consent",
        "child_consent",
        "note",
    }
    assert value["at"] == NOW.isoformat()
    assert value["destination"] == str(result.folder)
    assert (value["zip"], value["count"], value["items"]) == (False, 4, items)
    assert (value["family_consent"], value["child_consent"]) == ("yes", "no")
    assert value["note"] == "Sendt med mail til mor"
    key = vault.fingerprinter()
    for entry, path in zip(value["files"], _all_files(destination), strict=True):
        data = path.read_bytes()
        assert entry["path"] == str(path)
        assert entry["size"] == len(data)
        keyed = key.copy()
        keyed.update(data)
        assert entry["fingerprint"] == keyed.hexdigest()
        assert entry["fingerprint"] != hashlib.sha256(data).hexdigest()  # keyed, not plain


def test_zip_parts_stay_under_the_limit_and_open_on_their_own(
    vault: Vault, tmp_path: Path, destination: Path
) -> None:
    photos = [(f"{n}.jpg", noisy_jpeg((400, 300), seed=n)) for n in range(12)]
    case_id, items = ended_case_with_photos(vault, tmp_path / "inbox", photos)
    options = run.ExportOptions(destination, as_zip=True, part_mb=1)
    result = run.export_photos(vault, case_id, options, NOW)
    assert len(result.files) > 1
    assert not result.oversized
    seen = []
    for file in result.files:
        assert file.path.stat().st_size <= run.MB
        with zipfile.ZipFile(file.path) as archive:
            assert archive.testzip() is None
            for member in archive.infolist():
                assert member.flag_bits == 0  # no data descriptor, encryption or UTF-8 names
                assert member.compress_type == zipfile.ZIP_STORED
                assert "/" not in member.filename
                assert "\\" not in member.filename
                assert member.file_size < zipfile.ZIP64_LIMIT
                seen.append(member.filename)
    expected = [f"Hjem-til-Os-{n}.zip" for n in range(1, len(result.files) + 1)]
    assert [file.path.name for file in result.files] == expected
    assert seen == [f"Hjem-til-Os-{n:03d}.jpg" for n in range(1, 13)]
    assert list(result.items) == items
    assert check.check_export(vault, records.get_export(vault, result.record_id)).ok
    assert not list(result.folder.glob(".*"))  # no temporary parts left


def test_info_zip_tests_every_part(vault: Vault, tmp_path: Path, destination: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("unzip") is None:
        pytest.skip("Info-ZIP's unzip is not installed (.ci/apt-packages-wizard.txt has it)")
    photos = [(f"{n}.jpg", laden_jpeg(size=(600, 400))) for n in range(4)]
    case_id, _ = ended_case_with_photos(vault, tmp_path / "inbox", photos)
    result = run.export_photos(vault, case_id, run.ExportOptions(destination, as_zip=True), NOW)
    for file in result.files:
        tested = subprocess.run(["unzip", "-t", str(file.path)], capture_output=True, text=True)
        assert tested.returncode == 0, tested.stdout


def test_a_photo_larger_than_the_limit_gets_a_zip_of_its_own(
    vault: Vault, tmp_path: Path, destination: Path
) -> None:
    big = laden_jpeg(size=(2400, 1800), orientation=1)
    large = noisy_jpeg((1400, 1000), seed=1, quality=95)
    assert len(large) > run.MB
    photos = [("a.jpg", big), ("b.jpg", large), ("c.jpg", big)]
    case_id, _ = ended_case_with_photos(vault, tmp_path / "inbox", photos)
    result = run.export_photos(vault, case_id, run.ExportOptions(destination, True, 1), NOW)
    assert [path.name for path in result.oversized] == ["Hjem-til-Os-2.zip"]
    with zipfile.ZipFile(result.oversized[0]) as archive:
        assert archive.namelist() == ["Hjem-til-Os-002.jpg"]


def test_downscaled_export(vault: Vault, tmp_path: Path, destination: Path) -> None:
    photos = [("big.jpg", laden_jpeg(size=(3000, 2000), orientation=6))]
    case_id, _ = ended_case_with_photos(vault, tmp_path / "inbox", photos)
    result = run.export_photos(vault, case_id, run.ExportOptions(destination, long_edge=1024), NOW)
    with Image.open(result.files[0].path) as image:
        assert image.size == (683, 1024)
        assert not image.getexif()


def test_chosen_items_only_and_videos_without_location(
    vault: Vault, tmp_path: Path, destination: Path
) -> None:
    photos = [("a.jpg", laden_jpeg()), ("clip.mov", phone_video()), ("c.jpg", laden_jpeg())]
    case_id, items = ended_case_with_photos(vault, tmp_path / "inbox", photos)
    options = run.ExportOptions(destination, items=(items[1], items[2]))
    result = run.export_photos(vault, case_id, options, NOW)
    assert [p.name for p in _all_files(destination)] == [
        "Hjem-til-Os-001.mov",
        "Hjem-til-Os-002.jpg",
    ]
    assert b"+55.6761" not in (result.folder / "Hjem-til-Os-001.mov").read_bytes()
    with pytest.raises(NotAPhotoOfCase):
        run.export_photos(vault, case_id, run.ExportOptions(destination, items=("nope",)), NOW)


def test_left_out_items_are_reported_and_not_recorded(
    vault: Vault, tmp_path: Path, destination: Path
) -> None:
    photos = [("a.jpg", laden_jpeg()), ("b.jpg", b"not a photo at all")]
    case_id, items = ended_case_with_photos(vault, tmp_path / "inbox", photos)
    result = run.export_photos(vault, case_id, run.ExportOptions(destination), NOW)
    assert result.items == (items[0],)
    assert result.left_out == (run.LeftOutItem(items[1], "unreadable"),)
    assert records.get_export(vault, result.record_id).count == 1


def test_nothing_exportable_leaves_nothing(vault: Vault, tmp_path: Path, destination: Path) -> None:
    case_id, _ = ended_case_with_photos(vault, tmp_path / "inbox", [("b.jpg", b"junk")])
    with pytest.raises(NothingExportable):
        run.export_photos(vault, case_id, run.ExportOptions(destination), NOW)
    assert list(destination.iterdir()) == []
    assert records.exports(vault, case_id) == []


def test_never_overwrites_and_never_writes_outside(
    vault: Vault, case: tuple[str, list[str]], destination: Path, tmp_path: Path
) -> None:
    case_id, _ = case
    squatter = destination / "Hjem-til-Os-billeder"
    squatter.mkdir()
    (squatter / "Hjem-til-Os-001.jpg").write_bytes(b"someone else's file")
    outside_vault = [p for p in tmp_path.rglob("*") if "vault" not in p.parts and p.is_file()]
    before = {p: p.read_bytes() for p in outside_vault}
    first = run.export_photos(vault, case_id, run.ExportOptions(destination), NOW)
    second = run.export_photos(vault, case_id, run.ExportOptions(destination, as_zip=True), NOW)
    assert first.folder.name == "Hjem-til-Os-billeder-2"
    assert second.folder.name == "Hjem-til-Os-billeder-3"
    for path, data in before.items():
        assert path.read_bytes() == data
    new = {p for p in tmp_path.rglob("*") if "vault" not in p.parts and p.is_file()} - set(before)
    assert all(first.folder in p.parents or second.folder in p.parents for p in new)


def test_a_symlink_planted_as_the_export_folder_is_not_followed(
    vault: Vault, case: tuple[str, list[str]], destination: Path, tmp_path: Path
) -> None:
    case_id, _ = case
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (destination / "Hjem-til-Os-billeder").symlink_to(elsewhere)
    result = run.export_photos(vault, case_id, run.ExportOptions(destination), NOW)
    assert result.folder.name == "Hjem-til-Os-billeder-2"
    assert list(elsewhere.iterdir()) == []


def test_bad_options_are_refused(vault: Vault, case: tuple[str, list[str]], tmp_path: Path) -> None:
    case_id, _ = case
    with pytest.raises(TargetNotDirectory):
        run.export_photos(vault, case_id, run.ExportOptions(tmp_path / "missing"), NOW)
    with pytest.raises(BadPartSize):
        run.export_photos(vault, case_id, run.ExportOptions(tmp_path, True, 0), NOW)
    with pytest.raises(BadLongEdge):
        run.export_photos(vault, case_id, run.ExportOptions(tmp_path, long_edge=10), NOW)
    empty = add_case(vault, alias="Barn B")
    with pytest.raises(NoPhotos):
        run.export_photos(vault, empty, run.ExportOptions(tmp_path), NOW)


def test_a_cancelled_export_removes_its_files(
    vault: Vault, case: tuple[str, list[str]], destination: Path
) -> None:
    case_id, _ = case

    def cancel(done: int, total: int) -> None:
        if done == 2:
            raise ExportCancelled()

    for as_zip in (False, True):
        with pytest.raises(ExportCancelled):
            run.export_photos(vault, case_id, run.ExportOptions(destination, as_zip), NOW, cancel)
        assert list(destination.iterdir()) == []
    assert records.exports(vault, case_id) == []


def test_the_check_finds_changed_and_missing_files(
    vault: Vault, case: tuple[str, list[str]], destination: Path
) -> None:
    case_id, _ = case
    result = run.export_photos(vault, case_id, run.ExportOptions(destination), NOW)
    record = records.get_export(vault, result.record_id)
    result.files[0].path.write_bytes(laden_jpeg())
    result.files[1].path.unlink()
    found = check.check_export(vault, record)
    assert not found.ok
    assert [problem for _, problem in found.problems] == ["changed", "missing"]


def test_a_zip_with_metadata_inside_fails_the_check(
    vault: Vault, case: tuple[str, list[str]], destination: Path
) -> None:
    case_id, _ = case
    result = run.export_photos(vault, case_id, run.ExportOptions(destination, True), NOW)
    part = result.files[0].path
    with zipfile.ZipFile(part, "w") as archive:
        archive.writestr("Hjem-til-Os-001.jpg", laden_jpeg())
    record = records.get_export(vault, result.record_id)
    forged = records.ExportedFile(part, part.stat().st_size, _keyed(vault, part.read_bytes()))
    found = check.check_export(vault, record.__class__(**{**record.__dict__, "files": (forged,)}))
    assert [problem for _, problem in found.problems] == ["not-clean"]


def _keyed(vault: Vault, data: bytes) -> str:
    key = vault.fingerprinter()
    assert isinstance(key, hmac.HMAC)
    key.update(data)
    return key.hexdigest()


def test_unsent_exports_until_the_family_confirms(
    vault: Vault, case: tuple[str, list[str]], destination: Path
) -> None:
    case_id, _ = case
    assert records.unsent_exports(vault, case_id) == []
    result = run.export_photos(vault, case_id, run.ExportOptions(destination), NOW)
    assert [r.id for r in records.unsent_exports(vault, case_id)] == [result.record_id]
    assert offer.photo_offer(vault, case_id, TODAY).state == "open"
    offer.confirm_sent(vault, case_id, TODAY)
    assert records.unsent_exports(vault, case_id) == []
    assert [r.id for r in records.exports(vault, case_id)] == [result.record_id]
    assert offer.photo_offer(vault, case_id, TODAY).state == "sent"
