"""The end on this laptop: ``retention finish`` and the move to a new one
(``retention transfer export|import|done``). Real processes with key files: the two
laptops must not share one keyring."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from retention_agent.cli import cli
from retention_agent.vault import teardown
from retention_agent.vault.transfer import DamagedBundle, WrongTransferSecret
from tests.support.memory_keyring import MemoryKeyring
from tests.support.processes import key_file_env, python_module
from tests.support.vaults import all_bytes_under

ALIAS = "Solsikke Hvalfanger"
CODE_LINE = re.compile(r"^    ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){6})$", re.MULTILINE)
CONFIRMATION = re.compile(r"--code ([0-9A-Z]{4}-[0-9A-Z]{4})")
NEW_PASSPHRASE = "the new laptop's passphrase"


def retention(*args: str, **env: str) -> tuple[int, str, str]:
    done = python_module("retention_agent", *args, "--lang", "en", env=key_file_env(**env))
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def old_laptop(vault_home: Path, tmp_path: Path) -> tuple[str, str]:
    """A key-file vault with one case holding a photo; (case id, recovery code)."""
    code, out, err = retention("init")
    assert code == 0, err
    found = CODE_LINE.search(out)
    assert found is not None
    code, case_id, err = retention("case", "new", "--child", ALIAS, "--start", "2026-03-01")
    assert code == 0, err
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(b"SYNTHETIC photo of " + ALIAS.encode())
    assert retention("add", str(photo), "--case", case_id.strip(), "--kind", "photo")[0] == 0
    assert retention("contact-person", "set", "--name", "Mette Kontaktsen")[0] == 0
    return case_id.strip(), found.group(1)


def test_finish_deletes_everything_and_prints_a_summary_without_names(
    old_laptop: tuple[str, str], vault_home: Path
) -> None:
    case_id, _code = old_laptop
    refused = retention("finish")
    assert refused[0] == 10  # no terminal to answer, no --yes: nothing is deleted
    assert "Case " + case_id in refused[1]
    assert vault_home.is_dir()
    code, out, err = retention("finish", "--yes", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["deleted_items"] == {"photo": 1}
    assert summary["chain_intact"] is True
    assert [r["reason"] for r in summary["receipts"]] == ["family-finished"]
    assert ALIAS not in out
    assert "Kontaktsen" not in out
    assert "IMG_0001" not in out
    assert not vault_home.exists()
    assert retention("status")[0] == 7  # no vault here any more


def test_finish_is_refused_under_a_hold(old_laptop: tuple[str, str], vault_home: Path) -> None:
    case_id, _code = old_laptop
    env = {"RETENTION_NOW": "2026-06-01"}
    assert (
        retention("hold", "--case", case_id, "--until", "2026-08-01", "--reason", "C2", **env)[0]
        == 0
    )
    code, _out, err = retention("finish", "--yes", **env)
    assert code == 10
    assert "hold" in err
    assert "Kontaktsen" in err
    assert (vault_home / "index.db").exists()


def test_a_finish_cut_short_is_finished_without_a_key(vault_home: Path) -> None:
    vault_home.mkdir()
    (vault_home / "blobs").mkdir()
    (vault_home / "blobs" / ("a" * 32)).write_bytes(b"ciphertext")
    (vault_home / "index.db").write_bytes(b"index")
    summary: dict[str, object] = {"reason": "family-finished", "date": "2027-03-01"}
    summary |= {"receipts": [], "deleted_items": {}, "chain_head": "0" * 64, "chain_intact": True}
    (vault_home / teardown.MARKER).write_text(json.dumps(summary))
    done = CliRunner().invoke(cli, ["finish"])
    assert done.exit_code == 0, done.stderr
    assert "Last summary" in done.stdout
    assert not vault_home.exists()


def test_transfer_moves_the_vault_and_then_deletes_the_old_copy(
    old_laptop: tuple[str, str], vault_home: Path, tmp_path: Path
) -> None:
    case_id, recovery = old_laptop
    usb = tmp_path / "usb"
    usb.mkdir()
    code, out, err = retention(
        "transfer", "export", "--to", str(usb), RETENTION_RECOVERY_CODE=recovery
    )
    assert code == 0, err
    (bundle,) = usb.iterdir()
    assert ALIAS.encode() not in bundle.read_bytes()
    assert vault_home.is_dir()  # nothing changes here until the new laptop confirms

    new_home = tmp_path / "new-laptop-vault"
    wrong = retention(
        "transfer",
        "import",
        str(bundle),
        RETENTION_HOME=str(new_home),
        RETENTION_RECOVERY_CODE="0000-0000-0000-0000-0000-0000-0000",
    )
    assert wrong[0] != 0
    assert not new_home.exists()
    new = {"RETENTION_HOME": str(new_home), "RETENTION_PASSPHRASE": NEW_PASSPHRASE}
    code, out, err = retention(
        "transfer", "import", str(bundle), RETENTION_RECOVERY_CODE=recovery, **new
    )
    assert code == 0, err
    assert not bundle.exists()  # overwritten and removed
    confirmation = CONFIRMATION.search(out)
    assert confirmation is not None
    listed = retention("list", "--case", case_id, "--json", **new)
    assert [item["name"] for item in json.loads(listed[1])] == ["IMG_0001.jpg"]
    assert "Kontaktsen" in retention("contact-person", "show", **new)[1]
    assert "moved here" in retention("receipts", **new)[1]
    # The same recovery code opens the vault on the new laptop.
    assert (
        retention(
            "recovery",
            "use",
            RETENTION_RECOVERY_CODE=recovery,
            RETENTION_NEW_PASSPHRASE="yet another passphrase",
            **new,
        )[0]
        == 0
    )

    assert retention("transfer", "done", "--code", "AAAA-AAAA", "--yes")[0] == 9
    assert vault_home.is_dir()
    code, out, err = retention("transfer", "done", "--code", confirmation.group(1), "--yes")
    assert code == 0, err
    assert "lives on on the new laptop" in out
    assert not vault_home.exists()


def test_a_passphrase_bundle_damaged_in_transit_imports_nothing(
    old_laptop: tuple[str, str], tmp_path: Path
) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    secret = {"RETENTION_TRANSFER_PASSPHRASE": "a passphrase for the stick"}
    assert retention("transfer", "export", "--to", str(usb), "--passphrase", **secret)[0] == 0
    (bundle,) = usb.iterdir()
    data = bytearray(bundle.read_bytes())
    new_home = tmp_path / "new"
    new = {"RETENTION_HOME": str(new_home), "RETENTION_PASSPHRASE": NEW_PASSPHRASE}
    wrong = retention(
        "transfer", "import", str(bundle), RETENTION_TRANSFER_PASSPHRASE="not the one at all", **new
    )
    assert wrong[0] == WrongTransferSecret.exit_code
    for cut in (len(data) // 2, len(data) - 10):
        damaged = tmp_path / f"damaged-{cut}.bundle"
        damaged.write_bytes(data[:cut])
        outcome = retention("transfer", "import", str(damaged), **secret, **new)
        assert outcome[0] == DamagedBundle.exit_code, outcome[2]
        assert not new_home.exists()
        assert not list(tmp_path.glob(".new.importing-*"))
    data[len(data) // 2] ^= 1
    flipped = tmp_path / "flipped.bundle"
    flipped.write_bytes(data)
    assert retention("transfer", "import", str(flipped), **secret, **new)[0] == 4
    assert not new_home.exists()


def test_import_refuses_a_keyring_that_already_holds_the_vault(
    memory_keyring: MemoryKeyring, tmp_path: Path, vault_home: Path
) -> None:
    runner = CliRunner()
    init = runner.invoke(cli, ["init"])
    recovery = CODE_LINE.search(init.stdout)
    assert recovery is not None
    usb = tmp_path / "usb"
    usb.mkdir()
    env = {"RETENTION_RECOVERY_CODE": recovery.group(1)}
    assert runner.invoke(cli, ["transfer", "export", "--to", str(usb)], env=env).exit_code == 0
    (bundle,) = usb.iterdir()
    env["RETENTION_HOME"] = str(tmp_path / "same-laptop")
    before = dict(memory_keyring.secrets)
    refused = runner.invoke(cli, ["transfer", "import", str(bundle)], env=env)
    assert refused.exit_code == 7, refused.stderr
    assert memory_keyring.secrets == before
    assert not (tmp_path / "same-laptop").exists()
    assert b"Solsikke" not in all_bytes_under(tmp_path)


@pytest.mark.parametrize("step", ["keys_destroyed", "rewrapped", "receipted"])
def test_a_finish_killed_between_its_deletions_reads_well_and_finishes_again(
    old_laptop: tuple[str, str], vault_home: Path, tmp_path: Path, step: str
) -> None:
    first, _code = old_laptop
    code, second, err = retention("case", "new", "--child", "Barn B", "--start", "2026-04-01")
    assert code == 0, err
    second = second.strip()
    paper = tmp_path / "matchpapir.pdf"
    paper.write_bytes(b"%PDF SYNTHETIC paper of Barn B")
    assert retention("add", str(paper), "--case", second, "--kind", "match_paper")[0] == 0
    killed = python_module("tests.support.crash_finish", step, "2", env=key_file_env())
    assert killed.returncode == -9, killed.stderr
    # The first case's deletion is done and receipted; the second is journaled: the next
    # command that opens the vault carries it out (or has it already done).
    code, out, err = retention("receipts")
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.startswith("#")]
    assert lines[0].startswith("#1 1 April 2027: case " + first + ": deleted 1 photo (")
    assert "because you finished with the program ('retention finish')" in lines[0]
    assert len(lines) == 2
    assert lines[1].startswith("#2 1 April 2027: case " + second + ": deleted 1 match paper (")
    assert "Barn B" not in out
    assert ALIAS not in out
    code, out, err = retention("finish", "--yes", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert [r["case"] for r in summary["receipts"]] == [first, second]
    assert summary["deleted_items"] == {"match_paper": 1, "photo": 1}
    assert summary["chain_intact"] is True
    assert not vault_home.exists()
