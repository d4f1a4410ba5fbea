"""The KEK stores: one contract suite run against the in-memory keyring, the key file and
a real Secret Service; then the keyring rule, the key file format and the passphrase."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService, fail, null
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

from retention_agent.errors import RetentionError, VaultUnreadable
from retention_agent.vault import scrubbed
from retention_agent.vault.keyfile import (
    DEFAULT_SCRYPT,
    MAGIC,
    KeyFileForeign,
    KeyFileStore,
    ScryptParams,
)
from retention_agent.vault.keyring_store import SERVICE, KeyringStore
from retention_agent.vault.keystore import (
    KEY_FILE_NAME,
    PASSPHRASE_ENV,
    KekStore,
    KeyFileCorrupt,
    KeyMissing,
    KeyringEntryCorrupt,
    KeyringUnavailable,
    PassphraseEmpty,
    PassphraseMismatch,
    PassphraseNeeded,
    PassphraseSource,
    PassphraseTooWeak,
    WrongPassphrase,
    new_store,
    open_store,
)
from tests.conftest import TEST_PASSPHRASE
from tests.support.memory_keyring import MemoryKeyring
from tests.support.secret_service import secret_service, unavailable_reason

VAULT_ID = "0123456789abcdef0123456789abcdef"
# Cheap scrypt for tests that open hundreds of damaged files; the file records its own
# parameters, so production code reads these files exactly like real ones.
FAST = ScryptParams(log2_n=10, r=8, p=1)
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and links")


def kek(fill: int) -> bytes:
    return bytes([fill]) * 32


def assert_one_line(error: RetentionError) -> None:
    text = error.user_text()
    assert text
    assert "\n" not in text


# --- the contract -----------------------------------------------------------------------


class KekStoreContract:
    """What the vault relies on from any KEK store. Subclasses provide ``store`` (made the
    way ``retention init`` makes it) and ``reopen`` (a fresh object over the same keys, the
    way every later command gets one)."""

    kind: str

    @pytest.fixture
    def store(self) -> KekStore:
        raise NotImplementedError

    @pytest.fixture
    def reopen(self) -> Callable[[], KekStore]:
        raise NotImplementedError

    def test_kind(self, store: KekStore) -> None:
        assert store.kind == self.kind

    def test_round_trip(self, store: KekStore) -> None:
        store.store(1, kek(1))
        assert store.load(1) == kek(1)

    def test_durable_across_store_objects(
        self, store: KekStore, reopen: Callable[[], KekStore]
    ) -> None:
        store.store(1, kek(1))
        assert reopen().load(1) == kek(1)

    def test_epochs_are_independent(self, store: KekStore, reopen: Callable[[], KekStore]) -> None:
        store.store(1, kek(1))
        store.store(2, kek(2))
        assert (store.load(1), store.load(2)) == (kek(1), kek(2))
        store.destroy(1)
        assert store.load(2) == kek(2)
        assert reopen().load(2) == kek(2)

    def test_storing_an_epoch_again_replaces_it(
        self, store: KekStore, reopen: Callable[[], KekStore]
    ) -> None:
        store.store(1, kek(1))
        store.store(1, kek(9))
        assert reopen().load(1) == kek(9)

    def test_destroy_is_final(self, store: KekStore, reopen: Callable[[], KekStore]) -> None:
        store.store(1, kek(1))
        store.destroy(1)
        with pytest.raises(KeyMissing):
            store.load(1)
        with pytest.raises(KeyMissing):
            reopen().load(1)

    def test_destroy_is_idempotent(self, store: KekStore, reopen: Callable[[], KekStore]) -> None:
        store.destroy(7)
        store.store(1, kek(1))
        store.destroy(1)
        store.destroy(1)
        reopen().destroy(1)
        assert reopen().epochs_present([1, 7]) == set()

    def test_epochs_present(self, store: KekStore, reopen: Callable[[], KekStore]) -> None:
        assert store.epochs_present([1, 2]) == set()
        store.store(1, kek(1))
        store.store(3, kek(3))
        assert store.epochs_present([1, 2, 3, 4]) == {1, 3}
        assert reopen().epochs_present(range(1, 5)) == {1, 3}
        store.destroy(3)
        assert store.epochs_present([3, 1]) == {1}
        assert store.epochs_present([]) == set()

    def test_missing_epoch(self, store: KekStore) -> None:
        store.store(1, kek(1))
        with pytest.raises(KeyMissing) as raised:
            store.load(2)
        assert raised.value.fields == {"epoch": 2}
        assert_one_line(raised.value)

    def test_rejects_a_kek_of_the_wrong_size(self, store: KekStore) -> None:
        with pytest.raises(ValueError, match="32 bytes"):
            store.store(1, b"short")

    def test_describes_itself(self, store: KekStore) -> None:
        text = store.describe()
        assert text
        assert "\n" not in text


class TestMemoryKeyringStore(KekStoreContract):
    kind = "keyring"

    @pytest.fixture
    def store(self, vault_home: Path) -> KekStore:
        # No passphrase at all: the keyring path must never ask for one.
        return new_store(vault_home, VAULT_ID, PassphraseSource())

    @pytest.fixture
    def reopen(self, vault_home: Path) -> Callable[[], KekStore]:
        return lambda: open_store(vault_home, VAULT_ID, "keyring", PassphraseSource())


class TestKeyFileStore(KekStoreContract):
    kind = "keyfile"

    @pytest.fixture
    def store(self, vault_home: Path, monkeypatch: pytest.MonkeyPatch) -> KekStore:
        keyring.set_keyring(fail.Keyring())
        monkeypatch.setenv(PASSPHRASE_ENV, TEST_PASSPHRASE)
        return new_store(vault_home, VAULT_ID, PassphraseSource())

    @pytest.fixture
    def reopen(self, vault_home: Path) -> Callable[[], KekStore]:
        return lambda: open_store(vault_home, VAULT_ID, "keyfile", PassphraseSource())

    def test_default_format_and_parameters(self, store: KekStore, vault_home: Path) -> None:
        data = (vault_home / KEY_FILE_NAME).read_bytes()
        assert data[:8] == MAGIC + bytes([2, *DEFAULT_SCRYPT])
        assert data[24:40] == bytes.fromhex(VAULT_ID)  # the file names its vault
        assert store.describe() == (
            f"key file protected by a passphrase ({vault_home / KEY_FILE_NAME})"
        )


@pytest.fixture
def secret_service_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    with secret_service(tmp_path / "ss") as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address


class TestSecretServiceStore(KekStoreContract):
    kind = "keyring"

    @pytest.fixture
    def store(self, secret_service_bus: str, vault_home: Path) -> KekStore:
        keyring.set_keyring(SecretService.Keyring())
        return new_store(vault_home, VAULT_ID, PassphraseSource())

    @pytest.fixture
    def reopen(self, vault_home: Path) -> Callable[[], KekStore]:
        return lambda: open_store(vault_home, VAULT_ID, "keyring", PassphraseSource())

    def test_describes_the_secret_service(self, store: KekStore) -> None:
        assert store.describe() == "OS keyring (Secret Service)"

    def test_the_kek_is_in_the_default_collection(self, store: KekStore) -> None:
        import secretstorage

        store.store(1, kek(1))
        connection = secretstorage.dbus_init()
        try:
            collection = secretstorage.get_default_collection(connection)
            attributes = {"service": SERVICE, "username": f"{VAULT_ID}/kek/1"}
            [item] = collection.search_items(attributes)
            assert base64.b64decode(item.get_secret()) == kek(1)
        finally:
            connection.close()

    def test_a_bus_that_stops_answering_is_reported(
        self,
        store: KekStore,
        vault_home: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        store.store(1, kek(1))
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
        with pytest.raises(KeyringUnavailable) as raised:
            store.load(1)
        assert_one_line(raised.value)
        with pytest.raises(KeyringUnavailable):
            open_store(vault_home, VAULT_ID, "keyring", PassphraseSource())


def lock_default_collection() -> None:
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        secretstorage.get_default_collection(connection).lock()
    finally:
        connection.close()


def test_a_locked_secret_service(
    secret_service_bus: str, vault_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Locked with no one to type the password (no prompter here): in use, the store says
    so; at init, the key file is used instead."""
    keyring.set_keyring(SecretService.Keyring())
    store = new_store(vault_home, VAULT_ID, PassphraseSource())
    store.store(1, kek(1))
    lock_default_collection()
    with pytest.raises(KeyringUnavailable):
        store.load(1)
    monkeypatch.setenv(PASSPHRASE_ENV, TEST_PASSPHRASE)
    assert new_store(vault_home / "second", "f" * 32, PassphraseSource()).kind == "keyfile"


# --- which keyring is used --------------------------------------------------------------


class LockedKeyring(KeyringBackend):
    """A keyring the person has not unlocked (and the unlock prompt was dismissed)."""

    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")


class AltFileKeyring(MemoryKeyring):
    """Stands for keyrings.alt's file backends (not installed here): judged by module."""

    __module__ = "keyrings.alt.file"


class ZeroPriorityKeyring(MemoryKeyring):
    priority = 0


class EmptyChain(ChainerBackend):
    """What keyring's chainer is when no backend is viable."""

    backends = ()


class ChainWithMemory(ChainerBackend):
    backends = (null.Keyring(), MemoryKeyring())


class StickyKeyring(MemoryKeyring):
    """A keyring that refuses to delete."""

    def delete_password(self, service: str, username: str) -> None:
        raise PasswordDeleteError("not allowed")


@pytest.mark.parametrize(
    "backend",
    [
        fail.Keyring(),
        null.Keyring(),
        EmptyChain(),
        LockedKeyring(),
        AltFileKeyring(),
        ZeroPriorityKeyring(),
    ],
    ids=lambda backend: type(backend).__name__,
)
def test_unusable_keyrings_fall_back_to_the_key_file(
    backend: KeyringBackend, vault_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring.set_keyring(backend)
    monkeypatch.setenv(PASSPHRASE_ENV, TEST_PASSPHRASE)
    store = new_store(vault_home, VAULT_ID, PassphraseSource())
    assert store.kind == "keyfile"
    store.store(1, kek(1))
    assert (vault_home / KEY_FILE_NAME).exists()


def test_a_secret_service_without_a_bus_falls_back_to_the_key_file(
    vault_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    monkeypatch.setenv(PASSPHRASE_ENV, TEST_PASSPHRASE)
    keyring.set_keyring(SecretService.Keyring())
    assert new_store(vault_home, VAULT_ID, PassphraseSource()).kind == "keyfile"


def test_a_chain_uses_its_best_real_member(vault_home: Path) -> None:
    chain = ChainWithMemory()
    keyring.set_keyring(chain)
    store = new_store(vault_home, VAULT_ID, PassphraseSource())
    store.store(1, kek(1))
    member = chain.backends[1]
    assert member.get_password(SERVICE, f"{VAULT_ID}/kek/1") == base64.b64encode(kek(1)).decode()


def test_keyring_entry_layout(vault_home: Path, memory_keyring: MemoryKeyring) -> None:
    new_store(vault_home, VAULT_ID, PassphraseSource()).store(3, kek(3))
    assert memory_keyring.secrets == {
        (SERVICE, f"{VAULT_ID}/kek/3"): base64.b64encode(kek(3)).decode()
    }


def test_vaults_sharing_a_keyring_are_separate(vault_home: Path) -> None:
    first = new_store(vault_home, VAULT_ID, PassphraseSource())
    second = new_store(vault_home, "f" * 32, PassphraseSource())
    first.store(1, kek(1))
    second.store(1, kek(2))
    second.destroy(1)
    assert first.load(1) == kek(1)


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(bytes(16)).decode()])
def test_damaged_keyring_entry(vault_home: Path, memory_keyring: MemoryKeyring, value: str) -> None:
    store = new_store(vault_home, VAULT_ID, PassphraseSource())
    memory_keyring.set_password(SERVICE, f"{VAULT_ID}/kek/1", value)
    with pytest.raises(KeyringEntryCorrupt) as raised:
        store.load(1)
    assert_one_line(raised.value)


def test_keyring_gone_since_init(vault_home: Path) -> None:
    new_store(vault_home, VAULT_ID, PassphraseSource()).store(1, kek(1))
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(KeyringUnavailable) as raised:
        open_store(vault_home, VAULT_ID, "keyring", PassphraseSource())
    assert_one_line(raised.value)


def test_keyring_locked_since_init() -> None:
    store = KeyringStore(VAULT_ID, LockedKeyring())
    for operation in (
        lambda: store.load(1),
        lambda: store.store(1, kek(1)),
        lambda: store.destroy(1),
        lambda: store.epochs_present([1]),
    ):
        with pytest.raises(KeyringUnavailable):
            operation()


def test_a_key_the_keyring_will_not_delete_is_reported() -> None:
    store = KeyringStore(VAULT_ID, StickyKeyring())
    store.store(1, kek(1))
    with pytest.raises(KeyringUnavailable):
        store.destroy(1)
    store.destroy(2)  # absent: still fine


def test_new_keyring_store_removes_a_stale_key_file(vault_home: Path) -> None:
    vault_home.mkdir()
    stale = vault_home / KEY_FILE_NAME
    stale.write_bytes(b"left by a crashed init")
    assert new_store(vault_home, VAULT_ID, PassphraseSource()).kind == "keyring"
    assert not stale.exists()


def test_unknown_kind(vault_home: Path) -> None:
    with pytest.raises(VaultUnreadable):
        open_store(vault_home, VAULT_ID, "floppy", PassphraseSource())


# --- the key file -----------------------------------------------------------------------


@pytest.fixture
def key_path(vault_home: Path) -> Path:
    return vault_home / KEY_FILE_NAME


@pytest.fixture
def with_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, TEST_PASSPHRASE)


def make_key_file(path: Path, *epochs: int) -> bytes:
    store = KeyFileStore.create(path, VAULT_ID, PassphraseSource(), scrypt=FAST)
    for epoch in epochs:
        store.store(epoch, kek(epoch))
    return path.read_bytes()


def reopened(path: Path, source: PassphraseSource | None = None) -> KeyFileStore:
    return KeyFileStore(path, VAULT_ID, source or PassphraseSource())


class ScriptedPrompt:
    """Plays the person at the terminal."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def __call__(self, text: str) -> str:
        self.asked.append(text)
        return self.answers.pop(0)


@pytest.mark.usefixtures("with_passphrase")
def test_wrong_passphrase(key_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_key_file(key_path, 1)
    monkeypatch.setenv(PASSPHRASE_ENV, "not the passphrase")
    with pytest.raises(WrongPassphrase) as raised:
        reopened(key_path).load(1)
    assert_one_line(raised.value)
    store = reopened(key_path)
    with pytest.raises(WrongPassphrase):
        store.epochs_present([1])
    # A wrong passphrase is not remembered: the right one still opens the same object.
    monkeypatch.setenv(PASSPHRASE_ENV, TEST_PASSPHRASE)
    assert store.load(1) == kek(1)


@pytest.mark.usefixtures("with_passphrase")
def test_key_file_of_another_vault(key_path: Path) -> None:
    make_key_file(key_path, 1)
    with pytest.raises(KeyFileForeign) as raised:
        KeyFileStore(key_path, "f" * 32, PassphraseSource()).load(1)
    assert raised.value.user_text().startswith("This key file belongs to another vault")


def test_passphrase_needed(key_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(PassphraseNeeded) as raised:
        KeyFileStore.create(key_path, VAULT_ID, PassphraseSource(), scrypt=FAST)
    assert_one_line(raised.value)
    assert not key_path.exists()
    monkeypatch.setenv(PASSPHRASE_ENV, TEST_PASSPHRASE)
    make_key_file(key_path, 1)
    monkeypatch.delenv(PASSPHRASE_ENV)
    with pytest.raises(PassphraseNeeded):
        reopened(key_path).load(1)


def test_passphrase_needed_without_a_terminal(vault_home: Path) -> None:
    """``retention init`` under a service manager: no variable, no terminal, no keyring."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from retention_agent.errors import RetentionError\n"
        "from retention_agent.vault.keystore import PassphraseSource, new_store\n"
        "try:\n"
        "    new_store(Path(sys.argv[1]), 'v', PassphraseSource.from_terminal(input))\n"
        "except RetentionError as error:\n"
        "    print(error.user_text())\n"
        "    sys.exit(error.exit_code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(vault_home)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == PassphraseNeeded().user_text()
    assert result.returncode == PassphraseNeeded.exit_code
    assert result.stderr == ""
    assert not (vault_home / KEY_FILE_NAME).exists()


def test_new_passphrase_is_asked_twice(key_path: Path) -> None:
    prompt = ScriptedPrompt("blue whale swims far", "blue whale swims far")
    store = KeyFileStore.create(key_path, VAULT_ID, PassphraseSource(prompt), scrypt=FAST)
    store.store(1, kek(1))
    assert len(prompt.asked) == 2
    assert "at least 12 characters or four words" in prompt.asked[0]
    again = PassphraseSource(ScriptedPrompt("blue whale swims far"))
    assert reopened(key_path, again).load(1) == kek(1)


@pytest.mark.parametrize(
    ("answers", "error"),
    [
        (("blue whale swims far", "blue wahle swims far"), PassphraseMismatch),
        (("",), PassphraseEmpty),
        (("blue whale",), PassphraseTooWeak),  # 10 characters, two words
        (("a" * 11,), PassphraseTooWeak),
    ],
)
def test_bad_new_passphrase(
    key_path: Path, answers: tuple[str, ...], error: type[RetentionError]
) -> None:
    with pytest.raises(error) as raised:
        KeyFileStore.create(key_path, VAULT_ID, PassphraseSource(ScriptedPrompt(*answers)))
    assert_one_line(raised.value)
    assert not key_path.exists()


@pytest.mark.usefixtures("with_passphrase")
def test_environment_wins_over_the_prompt(key_path: Path) -> None:
    prompt = ScriptedPrompt()
    KeyFileStore.create(key_path, VAULT_ID, PassphraseSource(prompt), scrypt=FAST).store(1, kek(1))
    assert reopened(key_path, PassphraseSource(prompt)).load(1) == kek(1)
    assert prompt.asked == []


@pytest.mark.usefixtures("with_passphrase")
def test_passphrase_is_asked_once_per_store(
    key_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_key_file(key_path, 1)
    monkeypatch.delenv(PASSPHRASE_ENV)
    prompt = ScriptedPrompt(TEST_PASSPHRASE)
    store = reopened(key_path, PassphraseSource(prompt))
    # A whole rotation: load, store the next KEK, destroy the old, check.
    store.load(1)
    store.store(2, kek(2))
    store.destroy(1)
    assert store.epochs_present([1, 2]) == {2}
    assert len(prompt.asked) == 1


def test_passphrase_is_unicode_normalised(key_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, unicodedata.normalize("NFC", "rødgrød med fløde på"))
    make_key_file(key_path, 1)
    monkeypatch.setenv(PASSPHRASE_ENV, unicodedata.normalize("NFD", "rødgrød med fløde på"))
    assert reopened(key_path).load(1) == kek(1)


@pytest.mark.usefixtures("with_passphrase")
def test_every_flipped_byte_is_caught(key_path: Path) -> None:
    original = make_key_file(key_path, 1, 2)
    vault_id, check_end = range(24, 40), 68
    for offset in range(len(original)):
        for mask in (0x01, 0x80):
            damaged = bytearray(original)
            damaged[offset] ^= mask
            key_path.write_bytes(damaged)
            expected: tuple[type[RetentionError], ...] = (KeyFileCorrupt,)
            if offset in vault_id:
                expected = (KeyFileForeign,)
            elif offset < check_end:
                expected = (WrongPassphrase, KeyFileCorrupt)
            with pytest.raises(expected):
                reopened(key_path).load(1)


@pytest.mark.usefixtures("with_passphrase")
def test_every_truncation_is_caught(key_path: Path) -> None:
    original = make_key_file(key_path, 1, 2)
    for length in [*range(len(original)), len(original) + 1]:
        key_path.write_bytes((original + b"\0")[:length])
        with pytest.raises(KeyFileCorrupt) as raised:
            reopened(key_path).load(1)
    assert_one_line(raised.value)


@pytest.mark.usefixtures("with_passphrase")
def test_expensive_parameters_are_refused_unread(key_path: Path) -> None:
    damaged = bytearray(make_key_file(key_path, 1))
    damaged[5] = 30  # n = 2**30: 1 TiB of scrypt memory
    key_path.write_bytes(damaged)
    with pytest.raises(KeyFileCorrupt):
        reopened(key_path).load(1)


@pytest.mark.usefixtures("with_passphrase")
def test_missing_key_file(key_path: Path) -> None:
    store = reopened(key_path)
    with pytest.raises(KeyMissing):
        store.load(1)
    assert store.epochs_present([1]) == set()
    store.destroy(1)
    assert not key_path.exists()


@pytest.mark.usefixtures("with_passphrase")
def test_create_replaces_a_stale_file(key_path: Path) -> None:
    key_path.parent.mkdir()
    key_path.write_bytes(b"garbage from a crashed init")
    assert make_key_file(key_path, 1)[:4] == MAGIC


@POSIX_ONLY
@pytest.mark.usefixtures("with_passphrase")
def test_permissions(key_path: Path) -> None:
    key_path.parent.mkdir(mode=0o755)
    make_key_file(key_path, 1)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.parent.stat().st_mode) == 0o700


@pytest.mark.usefixtures("with_passphrase")
def test_writes_leave_no_temporary_files(key_path: Path) -> None:
    make_key_file(key_path, 1, 2)
    leftover = key_path.parent / f".{KEY_FILE_NAME}-crash{scrubbed.TEMP_SUFFIX}"
    leftover.write_bytes(b"an interrupted write")
    reopened(key_path).destroy(1)
    assert sorted(path.name for path in key_path.parent.iterdir()) == [KEY_FILE_NAME]


@POSIX_ONLY
@pytest.mark.usefixtures("with_passphrase")
def test_replaced_contents_are_overwritten(key_path: Path, tmp_path: Path) -> None:
    before = make_key_file(key_path, 1, 2)
    snapshot = tmp_path / "old-inode"
    os.link(key_path, snapshot)  # a second name for the bytes the next write replaces
    reopened(key_path).destroy(1)
    assert snapshot.read_bytes() == bytes(len(before))
    assert reopened(key_path).epochs_present([1, 2]) == {2}


@pytest.mark.usefixtures("with_passphrase")
def test_a_version_1_key_file_still_opens_and_is_upgraded(key_path: Path) -> None:
    """Written by the previous version (no vault id in the header): read as it is, then
    written as version 2 the next time the file changes."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    salt = os.urandom(16)
    header = MAGIC + bytes([1, *FAST]) + salt
    key = Scrypt(salt=salt, length=32, n=1 << FAST.log2_n, r=FAST.r, p=FAST.p).derive(
        TEST_PASSPHRASE.encode()
    )
    check_nonce, entry_nonce = os.urandom(12), os.urandom(12)
    check = AESGCM(key).encrypt(
        check_nonce, b"", b"retention-agent/v1/kek-file-check|" + VAULT_ID.encode() + b"|" + header
    )
    entry = AESGCM(key).encrypt(
        entry_nonce,
        kek(1),
        b"retention-agent/v1/kek-file-entry|" + VAULT_ID.encode() + b"|" + (1).to_bytes(8),
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(
        header + check_nonce + check + (1).to_bytes(4) + (1).to_bytes(8) + entry_nonce + entry
    )
    store = reopened(key_path)
    assert store.load(1) == kek(1)
    store.store(2, kek(2))
    data = key_path.read_bytes()
    assert data[4] == 2
    assert data[8:24] == salt  # the same passphrase and KDF still open it
    assert data[24:40] == bytes.fromhex(VAULT_ID)
    assert reopened(key_path).load(1) == kek(1)


@pytest.mark.usefixtures("with_passphrase")
def test_passphrase_change(key_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = make_key_file(key_path, 1, 2)
    store = reopened(key_path)
    monkeypatch.setenv("RETENTION_NEW_PASSPHRASE", "tre nye ord til boksen")
    store.change_passphrase(PassphraseSource().new())
    new = key_path.read_bytes()
    assert new[8:24] != old[8:24]  # a new salt
    with pytest.raises(WrongPassphrase):
        reopened(key_path).load(1)
    monkeypatch.setenv(PASSPHRASE_ENV, "tre nye ord til boksen")
    assert reopened(key_path).load(2) == kek(2)


def test_a_weak_passphrase_from_the_environment_is_refused(
    key_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "a")
    with pytest.raises(PassphraseTooWeak) as raised:
        KeyFileStore.create(key_path, VAULT_ID, PassphraseSource(), scrypt=FAST)
    assert_one_line(raised.value)
    assert not key_path.exists()
