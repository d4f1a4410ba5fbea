"""Every test runs in its own world: HOME, XDG folders, the vault and the keyring all
live under ``tmp_path``, and no RETENTION_* variable leaks in from the developer's shell."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from retention_agent import i18n
from tests.support.memory_keyring import MemoryKeyring

# Subprocesses cannot share the in-memory keyring, so they see "no keyring" and use the
# passphrase-protected key file, exactly as on a headless Linux laptop.
SUBPROCESS_KEYRING = "keyring.backends.fail.Keyring"
TEST_PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in list(os.environ):
        if name.startswith("RETENTION_") or name.startswith("XDG_") or name.startswith("LC_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    # The system's folders too: a machine with the package installed has its login item
    # in /etc/xdg/autostart, which `retention agent install` would otherwise find.
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(home / "etc-xdg"))
    for var, sub in [
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_RUNTIME_DIR", "run"),
    ]:
        (home / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("RETENTION_HOME", str(tmp_path / "vault"))
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", SUBPROCESS_KEYRING)
    i18n.set_language(None)
    yield home
    i18n.set_language(None)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous: KeyringBackend = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def vault_home(tmp_path: Path) -> Path:
    return tmp_path / "vault"
