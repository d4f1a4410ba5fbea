"""``retention import``: exports recognised and split, all or nothing; media the case holds
skipped; each item remembers its export; a source removed only when it held nothing else;
every refusal one line, with nothing written outside the vault and nothing lost."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from retention_agent.cli import cli
from retention_agent.demo import exports
from retention_agent.demo.exports import Thread
from retention_agent.importing import import_exports
from retention_agent.vault import catalog, copies
from retention_agent.vault.vault import Vault
from tests.support.vaults import NOW, PASSPHRASE

CONTACTS = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\nTEL;CELL:12 34 56 78\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Forælder Ærø\r\nTEL:+45 12 34 56 79\r\n"
    "EMAIL:Foraelder@Example.org\r\nEND:VCARD\r\n"
).encode()


def retention(*args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def refused(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stderr


@pytest.fixture
def case(tmp_path: Path) -> str:
    CliRunner().invoke(cli, ["init"])
    case_id: str = retention("case", "new", "--child", "Barn A", "--start", "2026-03-01")["id"]
    (tmp_path / "kontakter.vcf").write_bytes(CONTACTS)
    retention("add", str(tmp_path / "kontakter.vcf"), "--case", case_id, "--kind", "contact")
    return case_id


def items(case_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = retention("list", "--case", case_id)
    return [item for item in found if item["kind"] != "contact"]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file outside the vault, with its content."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "vault" not in path.relative_to(folder).parts
    }


@pytest.mark.parametrize("variant", ["android", "ios"])
def test_a_whatsapp_export_becomes_chat_photos_and_files(
    tmp_path: Path, case: str, variant: exports.Variant
) -> None:
    path = exports.whatsapp_zip(
        tmp_path / "WhatsApp Chat.zip", variant, 500, exports.media(21, variant=variant)
    )
    [result] = retention("import", str(path), "--case", case)
    assert result["format"] == "whatsapp"
    assert result["facts"] == {"variant": variant, "messages": 500}
    assert result["added"] == {"message": 3, "photo": 19}  # chat, a voice note, a sticker
    assert result["removals"][0]["removal"] in ("overwritten", "deleted")
    assert not path.exists()
    listed = items(case)
    assert {item["origin"]["source"] for item in listed} == {"WhatsApp Chat.zip"}
    assert listed[0]["name"] == "whatsapp-chat.txt"
    places = CliRunner().invoke(cli, ["checklist", "--case", case]).stdout
    assert "whatsapp-chat" in places


def test_a_later_export_skips_the_media_the_case_holds(tmp_path: Path, case: str) -> None:
    media = exports.media(8, variant="android")
    first = exports.whatsapp_zip(tmp_path / "first.zip", "android", 50, media[:5])
    retention("import", str(first), "--case", case)
    later = exports.whatsapp_zip(tmp_path / "later.zip", "android", 80, media)
    [result] = retention("import", str(later), "--case", case)
    assert result["skipped"] == 5
    assert result["added"] == {"message": 1, "photo": 3}
    assert not later.exists()


def test_sms_only_the_cases_conversations_and_the_backup_stays(tmp_path: Path, case: str) -> None:
    path = exports.sms_backup(
        tmp_path / "sms.xml",
        [Thread("+4512345678", 4, photos=1), Thread("12345679", 2), Thread("+4519999999", 6)],
    )
    before = path.read_bytes()
    [result] = retention("import", str(path), "--case", case)
    assert result["added"] == {"message": 2, "photo": 1}
    assert (result["left_out"], result["left_out_messages"]) == (1, 6)
    assert result["source_holds_other"]
    assert result["removals"] == []
    assert path.read_bytes() == before
    text = CliRunner().invoke(cli, ["checklist", "--case", case]).stdout
    assert "sms-thread" in text


def test_mail_and_a_mailbox(tmp_path: Path, case: str) -> None:
    eml = tmp_path / "mail.eml"
    eml.write_bytes(exports.mail("Forælder <FORAELDER@example.org>", "os@example.org", photos=1))
    mbox = exports.mbox(
        tmp_path / "Inbox",
        [
            exports.mail("nabo@example.org", "os@example.org"),
            exports.mail("os@example.org", "foraelder@example.org"),
        ],
    )
    mail_result, mbox_result = retention("import", str(eml), str(mbox), "--case", case)
    assert mail_result["added"] == {"message": 1, "photo": 1}
    assert not eml.exists()
    assert mbox_result["added"] == {"message": 1}
    assert mbox_result["left_out"] == 1
    assert mbox.exists()


def test_nothing_of_the_case_is_refused(tmp_path: Path, case: str) -> None:
    path = exports.sms_backup(tmp_path / "sms.xml", [Thread("+4519999999", 3)])
    code, stderr = refused("import", str(path), "--case", case)
    assert code == 9
    assert len(stderr.strip().splitlines()) == 1
    assert "contacts of case" in stderr
    assert items(case) == []


def zip_of(*entries: tuple[zipfile.ZipInfo | str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return out.getvalue()


def evil_entry(name: str, **attributes: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 3, 1, 9, 30, 0))
    for key, value in attributes.items():
        setattr(info, key, value)
    return info


CHAT = exports.chat_text("ios", 5)
SMS = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"2\">\n"
    + '<sms address="12345678" date="1" type="1" body="Hej æøå 😊 שלום" />\n' * 2
    + "</smses>\n"
).encode()
EVIL = {
    "traversal": zip_of(("_chat.txt", CHAT), (evil_entry("../../x"), b"x")),
    "absolute": zip_of(("_chat.txt", CHAT), (evil_entry("/tmp/x"), b"x")),
    "symlink": zip_of(
        ("_chat.txt", CHAT),
        (evil_entry("IMG.jpg", external_attr=(stat.S_IFLNK | 0o777) << 16), b"/etc/passwd"),
    ),
    "bomb": zip_of(("_chat.txt", CHAT), ("zeros.jpg", bytes(8 << 20))),
    "truncated": zip_of(("_chat.txt", CHAT), ("IMG.jpg", exports.jpeg(1)))[:-30],
    "no-chat": zip_of(("IMG.jpg", exports.jpeg(1))),
    "not-an-export": b"%PDF-1.7\n",
    "sms-truncated": SMS[: len(SMS) // 2],
    "sms-entities": (
        b'<?xml version="1.0"?>\n<!DOCTYPE smses [<!ENTITY a "aaaaaaaaaa">]>\n'
        b'<smses count="1"><sms address="12345678" body="&a;&a;" /></smses>'
    ),
    "chat-not-utf8-zip": zip_of(("_chat.txt", b"\xff\xfe not a chat")),
}
CODES = {"traversal": 10, "absolute": 10, "symlink": 10, "bomb": 10, "sms-entities": 10}


@pytest.mark.parametrize("kind", list(EVIL))
def test_bad_exports_are_refused_in_one_line_and_change_nothing(
    tmp_path: Path, case: str, kind: str
) -> None:
    good = exports.whatsapp_zip(
        tmp_path / "good.zip", "android", 10, exports.media(2, variant="android")
    )
    (tmp_path / "bad.zip").write_bytes(EVIL[kind])
    before = snapshot(tmp_path)
    code, stderr = refused("import", str(good), str(tmp_path / "bad.zip"), "--case", case)
    assert code == CODES.get(kind, 9)
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert str(tmp_path / "bad.zip") in stderr
    assert "Traceback" not in stderr
    assert snapshot(tmp_path) == before  # nothing written outside the vault, nothing lost
    assert not (tmp_path.parent / "x").exists()
    assert items(case) == []


def test_refusals_are_danish_under_a_danish_locale(tmp_path: Path, case: str) -> None:
    (tmp_path / "bad.zip").write_bytes(EVIL["traversal"])
    _code, stderr = refused("import", str(tmp_path / "bad.zip"), "--case", case, "--lang", "da")
    assert "peger uden for den" in stderr


def test_an_unzipped_folder_keeps_what_is_not_the_export(tmp_path: Path, case: str) -> None:
    folder = exports.whatsapp_folder(
        tmp_path / "eksport", "ios", 20, exports.media(3, variant="ios")
    )
    (folder / "egne noter.txt").write_text("ikke en del af eksporten")
    [result] = retention("import", str(folder), "--case", case)
    assert result["source_holds_other"]
    assert sorted(p.name for p in folder.iterdir()) == ["egne noter.txt"]
    assert result["added"] == {"photo": 3, "message": 1}


def test_keep_original_keeps_the_export(tmp_path: Path, case: str) -> None:
    path = exports.whatsapp_zip(tmp_path / "chat.zip", "android", 10)
    [result] = retention("import", str(path), "--case", case, "--keep-original")
    assert result["removals"] == []
    assert path.exists()


def test_the_text_report_says_what_happened(tmp_path: Path, case: str) -> None:
    path = exports.sms_backup(
        tmp_path / "sms.xml", [Thread("12345678", 3), Thread("+4519999999", 2)]
    )
    output = CliRunner().invoke(cli, ["import", str(path), "--case", case]).stdout
    assert "SMS backup: 1 conversation with the case's contacts." in output
    assert "Left out (not with the case's contacts): 1 conversation, 2 messages." in output
    assert "The file was kept" in output
    assert "Added to the checklist" in output


@pytest.fixture
def vault(case: str) -> Iterator[Vault]:
    with Vault.open(Path(os.environ["RETENTION_HOME"]), PASSPHRASE) as opened:
        yield opened


@pytest.mark.parametrize("step", ["written", "committed"])
def test_a_failure_halfway_leaves_no_partial_import(
    tmp_path: Path, case: str, vault: Vault, step: str
) -> None:
    path = exports.whatsapp_zip(
        tmp_path / "chat.zip", "android", 30, exports.media(4, variant="android")
    )

    def fail(reached: str) -> None:
        if reached == step:
            raise OSError("simulated failure")

    with pytest.raises(OSError, match="simulated"):
        import_exports(
            vault, case_id=case, paths=[path], now=NOW + dt.timedelta(days=1), on_step=fail
        )
    assert [i for i in catalog.list_items(vault, case_id=case) if i.kind != "contact"] == []
    assert path.exists()


def test_every_item_remembers_its_export(tmp_path: Path, case: str, vault: Vault) -> None:
    path = exports.sms_backup(tmp_path / "sms.xml", [Thread("12345678", 2, photos=1)])
    import_exports(vault, case_id=case, paths=[path], now=NOW)
    imported = [i for i in catalog.list_items(vault, case_id=case) if i.kind != "contact"]
    assert [(i.kind, i.origin and i.origin["format"]) for i in imported] == [
        ("message", "sms"),
        ("photo", "sms"),
    ]
    assert all(i.origin and i.origin["source"] == "sms.xml" for i in imported)


def test_a_partly_read_vcf_is_added_whole_and_its_original_kept_and_tracked(
    tmp_path: Path, case: str
) -> None:
    path = tmp_path / "telefon.vcf"
    path.write_bytes(CONTACTS + b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN Broken\r\nEND:VCARD\r\n")
    result = CliRunner().invoke(cli, ["add", str(path), "--case", case, "--kind", "contact"])
    assert result.exit_code == 0, result.stderr
    assert "Cards that could not be read: 3." in result.stdout
    assert "the original was kept" in result.stdout
    assert path.exists()
    [added] = retention("list", "--case", case, "--kind", "contact")[1:]
    with Vault.open(Path(os.environ["RETENTION_HOME"]), PASSPHRASE) as vault:
        assert catalog.read_item(vault, added["id"]) == path.read_bytes()
        tracked = copies.all_copies(vault, case_id=case)
    assert [(c.origin, c.path) for c in tracked] == [("import-partial", path.absolute())]
