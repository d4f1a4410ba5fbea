"""The KEK in the OS keyring, through the ``keyring`` package.

One keyring entry per epoch: service ``retention-agent``, user name
``<vault id>/kek/<epoch>``, secret the KEK in base64. Which backends are accepted is
described in ``keystore``; :func:`usable_keyring` applies that rule.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable

import keyring
import keyring.core
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend
from keyring.errors import PasswordDeleteError

from retention_agent.i18n import N_, _
from retention_agent.vault.keystore import (
    KEK_SIZE,
    KEYRING,
    KeyMissing,
    KeyringEntryCorrupt,
    KeyringUnavailable,
)

SERVICE = "retention-agent"
BACKEND_ENV = "PYTHON_KEYRING_BACKEND"

# Display names of the OS keyrings, by the module of their keyring backend.
_OS_KEYRING_NAMES = {
    "keyring.backends.SecretService": N_("Secret Service"),
    "keyring.backends.libsecret": N_("Secret Service"),
    "keyring.backends.kwallet": N_("KWallet"),
    "keyring.backends.macOS": N_("macOS Keychain"),
    "keyring.backends.Windows": N_("Windows Credential Manager"),
}


def _acceptable(backend: KeyringBackend) -> bool:
    """A real keyring of its own (not a chain, not a placeholder, not a file)."""
    if isinstance(backend, fail.Keyring | null.Keyring | ChainerBackend):
        return False
    if type(backend).__module__.startswith("keyrings."):
        return False
    try:
        priority = float(type(backend).priority)
    except Exception:
        # A backend's priority raises when it cannot run here (e.g. no D-Bus session).
        return False
    return priority > 0


def os_keyring() -> KeyringBackend | None:
    """The process's keyring backend if the rule in ``keystore`` accepts it."""
    backend = keyring.get_keyring()
    if isinstance(backend, ChainerBackend):
        # Chained writes go to whichever member takes them, maybe a file; pick ourselves.
        members: Iterable[KeyringBackend] = backend.backends
        return next((member for member in members if _acceptable(member)), None)
    return backend if _acceptable(backend) else None


def _load(name: str) -> KeyringBackend | None:
    """The backend class ``name`` (module.Class), if it loads and is acceptable here."""
    try:
        backend = keyring.core.load_keyring(name)
    except Exception:
        # Gone after an upgrade, or it cannot run now: fall back to discovery.
        return None
    return backend if _acceptable(backend) else None


def usable_keyring(vault_id: str) -> KeyringBackend | None:
    """:func:`os_keyring`, if it also answers a harmless read right now."""
    backend = os_keyring()
    if backend is None:
        return None
    try:
        backend.get_password(SERVICE, f"{vault_id}/probe")
    except Exception:
        # NoKeyringError, KeyringLocked, InitError and the backends' own D-Bus, COM or
        # Security-framework errors all mean the same here: fall back to the key file.
        return None
    return backend


class KeyringStore:
    kind = KEYRING

    def __init__(self, vault_id: str, backend: KeyringBackend) -> None:
        self._vault_id = vault_id
        self._backend = backend

    @classmethod
    def open(cls, vault_id: str, backend_name: str | None = None) -> KeyringStore:
        """The store of an existing vault. ``backend_name`` is the backend recorded at
        init: loading it directly skips keyring's discovery, which imports every
        backend there is (the macOS one alone costs tens of milliseconds on Linux) on
        every command. ``PYTHON_KEYRING_BACKEND`` or a keyring set by the program still
        wins, as keyring documents."""
        backend = None
        if backend_name and BACKEND_ENV not in os.environ:
            backend = _load(backend_name)
        if backend is None:
            backend = os_keyring()
        if backend is None:
            raise KeyringUnavailable()
        return cls(vault_id, backend)

    @property
    def backend_name(self) -> str:
        """What :meth:`open` needs to load this store's backend again."""
        return f"{type(self._backend).__module__}.{type(self._backend).__qualname__}"

    def describe(self) -> str:
        module = type(self._backend).__module__
        name = _OS_KEYRING_NAMES.get(module)
        return _("OS keyring ({name})").format(name=_(name) if name else self._backend.name)

    def load(self, epoch: int) -> bytes:
        value = self._get(epoch)
        if value is None:
            raise KeyMissing(epoch=epoch)
        try:
            kek = base64.b64decode(value, validate=True)
        except binascii.Error:
            raise KeyringEntryCorrupt(epoch=epoch) from None
        if len(kek) != KEK_SIZE:
            raise KeyringEntryCorrupt(epoch=epoch)
        return kek

    def store(self, epoch: int, kek: bytes) -> None:
        if len(kek) != KEK_SIZE:
            raise ValueError("a KEK is 32 bytes")
        value = base64.b64encode(kek).decode("ascii")
        try:
            self._backend.set_password(SERVICE, self._username(epoch), value)
        except Exception as error:
            raise KeyringUnavailable() from error
        # The old KEK is destroyed right after this: be sure the new one reads back.
        if self._get(epoch) != value:
            raise KeyringUnavailable()

    def destroy(self, epoch: int) -> None:
        try:
            self._backend.delete_password(SERVICE, self._username(epoch))
        except PasswordDeleteError:
            pass  # Already gone, or not deletable: the check below tells which.
        except Exception as error:
            raise KeyringUnavailable() from error
        # Deletion is the whole point of the product: never report it without proof.
        if self._get(epoch) is not None:
            raise KeyringUnavailable()

    def epochs_present(self, candidates: Iterable[int]) -> set[int]:
        return {epoch for epoch in candidates if self._get(epoch) is not None}

    def _username(self, epoch: int) -> str:
        return f"{self._vault_id}/kek/{epoch}"

    def _get(self, epoch: int) -> str | None:
        try:
            return self._backend.get_password(SERVICE, self._username(epoch))
        except Exception as error:
            # Whatever the backend's own exception type, to a person it means one thing.
            raise KeyringUnavailable() from error
