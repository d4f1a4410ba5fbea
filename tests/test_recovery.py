"""The recovery code: printed once at init, kept in step through every KEK rotation by
the mirroring store, opens the vault when the passphrase or the keyring is lost, and
stops working when replaced."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from retention_agent.cli import cli
from retention_agent.vault import rescue
from retention_agent.vault.adding import ingest_file
from retention_agent.vault.deletion import delete_items
from retention_agent.vault.keystore import KeyMissing, PassphraseSource
from retention_agent.vault.records import DeletionRequest
from retention_agent.vault.recovery_code import ALPHABET, RecoveryCode, RecoveryCodeMistyped
from retention_agent.vault.recovery_file import (
    FILE_NAME,
    MirroredStore,
    RecoveryFile,
    RecoveryFileCorrupt,
    WrongRecoveryCode,
    parse,
    primary,
)
from retention_agent.vault.vault import Vault
from tests.support.memory_keyring import MemoryKeyring
from tests.support.processes import key_file_env, python_module
from tests.support.vaults import NOW, PASSPHRASE, add_case

CODE_LINE = re.compile(r"^    ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){6})$", re.MULTILINE)


@pytest.fixture
def vault(vault_home: Path) -> Iterator[Vault]:
    with Vault.init(vault_home, PASSPHRASE, NOW) as opened:
        yield opened


def _add_and_delete(vault: Vault, tmp_path: Path) -> None:
    case_id = add_case(vault)
    source = tmp_path / "paper.pdf"
    source.write_bytes(b"SYNTHETIC paper")
    item = ingest_file(
        vault, case_id=case_id, kind="match_paper", source=source, now=NOW, keep_original=False
    ).item_id
    request = DeletionRequest(case_id, (item,), ("R3",), "hjem-til-os", "2024-05")
    delete_items(vault, request, NOW + dt.timedelta(days=365))


# --- the code ----------------------------------------------------------------------------


def test_a_code_is_seven_groups_of_four_and_reads_back_forgivingly() -> None:
    code = RecoveryCode.generate()
    printed = code.printed()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){6}", printed)
    assert not set(printed.replace("-", "")) & set("ILOU")
    assert RecoveryCode.parse(printed.lower().replace("-", " ")) == code
    sloppy = printed.replace("0", "o").replace("1", "l")
    assert RecoveryCode.parse(sloppy) == code
    assert "".join(code.symbols) not in repr(code)


def test_codes_differ_and_carry_at_least_128_bits() -> None:
    codes = {RecoveryCode.generate().symbols for _ in range(200)}
    assert len(codes) == 200
    assert len(next(iter(codes))) * 5 >= 128


@given(st.text(max_size=40))
def test_any_typed_text_is_a_code_or_a_typo(typed: str) -> None:
    with contextlib.suppress(RecoveryCodeMistyped):
        RecoveryCode.parse(typed)


def test_most_typos_are_caught_by_the_check_symbols() -> None:
    printed = RecoveryCode.generate().printed()
    caught = 0
    for position in [i for i, char in enumerate(printed) if char != "-"]:
        wrong = next(c for c in ALPHABET if c != printed[position])
        typo = printed[:position] + wrong + printed[position + 1 :]
        try:
            RecoveryCode.parse(typo)
        except RecoveryCodeMistyped:
            caught += 1
    assert caught >= 26  # of 28; each typo passes with odds of 1 in 1024


# --- the recovery file follows the vault's key ----------------------------------------


def test_rotation_keeps_the_recovery_copy_in_step(vault: Vault, tmp_path: Path) -> None:
    code = rescue.issue_code(vault)
    recovery = RecoveryFile(vault.home / FILE_NAME, vault.id)
    assert recovery.open(code) == {1: vault.store.load(1)}
    _add_and_delete(vault, tmp_path)
    assert vault.epoch == 2
    # The old KEK is gone from both places; the new one is in both.
    assert recovery.open(code) == {2: vault.store.load(2)}
    with pytest.raises(KeyMissing):
        vault.store.load(1)


def test_a_reopened_vault_mirrors_too(vault_home: Path, tmp_path: Path) -> None:
    with Vault.init(vault_home, PASSPHRASE, NOW) as vault:
        code = rescue.issue_code(vault)
    with Vault.open(vault_home, PASSPHRASE) as vault:
        assert isinstance(vault.store, MirroredStore)
        _add_and_delete(vault, tmp_path)
        current = vault.store.load(vault.epoch)
        vault_id = vault.id
    assert RecoveryFile(vault_home / FILE_NAME, vault_id).open(code) == {2: current}


def test_the_code_opens_the_vault_after_the_keyring_is_lost(
    vault: Vault, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    code = rescue.issue_code(vault)
    _add_and_delete(vault, tmp_path)
    home, epoch = vault.home, vault.epoch
    vault.close()
    memory_keyring.secrets.clear()  # a reinstall: the keyring is empty
    with pytest.raises(KeyMissing):
        Vault.open(home, PASSPHRASE)
    rescue.use_code(home, code, PASSPHRASE)
    with Vault.open(home, PASSPHRASE) as reopened:
        assert reopened.epoch == epoch
        assert isinstance(reopened.store, MirroredStore)


def test_a_new_code_replaces_the_old_one(vault: Vault) -> None:
    old = rescue.issue_code(vault)
    old_bytes = (vault.home / FILE_NAME).read_bytes()
    new = rescue.issue_code(vault)
    recovery = RecoveryFile(vault.home / FILE_NAME, vault.id)
    with pytest.raises(WrongRecoveryCode):
        recovery.open(old)
    assert recovery.open(new) == {1: primary(vault.store).load(1)}
    assert (vault.home / FILE_NAME).read_bytes() != old_bytes


def test_a_damaged_recovery_file_never_stops_a_deletion(vault: Vault, tmp_path: Path) -> None:
    rescue.issue_code(vault)
    (vault.home / FILE_NAME).write_bytes(b"RARK damaged")
    _add_and_delete(vault, tmp_path)
    assert vault.epoch == 2
    assert not rescue.has_code(vault.home)  # discarded: status then says so


@given(st.binary(max_size=300))
def test_any_bytes_are_a_recovery_file_or_corrupt(data: bytes) -> None:
    with contextlib.suppress(RecoveryFileCorrupt):
        parse(data)


# --- from the command line (key file, no keyring) -------------------------------------


def test_init_prints_the_code_and_recovery_use_sets_a_new_passphrase(vault_home: Path) -> None:
    init = python_module("retention_agent", "init", env=key_file_env())
    assert init.returncode == 0, init.stderr
    match = CODE_LINE.search(init.stdout)
    assert match is not None, init.stdout
    forgotten = key_file_env(RETENTION_PASSPHRASE="not what it was at all")
    assert python_module("retention_agent", "status", env=forgotten).returncode == 5
    used = python_module(
        "retention_agent",
        "recovery",
        "use",
        env=key_file_env(
            RETENTION_RECOVERY_CODE=match.group(1),
            RETENTION_NEW_PASSPHRASE="a brand new passphrase",
        ),
    )
    assert used.returncode == 0, used.stderr
    status = python_module(
        "retention_agent",
        "status",
        env=key_file_env(RETENTION_PASSPHRASE="a brand new passphrase"),
    )
    assert status.returncode == 0, status.stderr
    assert "no recovery code" not in status.stdout
    wrong = python_module(
        "retention_agent",
        "recovery",
        "use",
        env=key_file_env(RETENTION_RECOVERY_CODE=RecoveryCode.generate().printed()),
    )
    assert wrong.returncode == WrongRecoveryCode.exit_code
    assert wrong.stderr.count("\n") == 1


def test_without_a_code_status_says_how_to_make_one(vault_home: Path) -> None:
    with Vault.init(vault_home, PassphraseSource(), NOW):
        pass  # as made before recovery codes existed
    shown = CliRunner().invoke(cli, ["status"])
    assert "retention recovery new" in shown.stdout
    made = CliRunner().invoke(cli, ["recovery", "new"])
    assert made.exit_code == 0, made.stderr
    assert CODE_LINE.search(made.stdout)
    assert "retention recovery new" not in CliRunner().invoke(cli, ["status"]).stdout
