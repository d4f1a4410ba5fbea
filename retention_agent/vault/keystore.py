"""Where the key-encryption key (KEK) lives: the OS keyring, or a passphrase-protected
key file when no OS keyring is usable.

The vault asks for a store once, at ``retention init`` (:func:`new_store`), records its
``kind`` in the index and from then on opens that same kind (:func:`open_store`): a vault
set up with the keyring never quietly moves to a key file, nor the other way round.
KEKs are numbered by epoch. The vault rotates the KEK after every deletion (store the
new one, re-wrap every data key, destroy the old one), so a store holds one epoch, or
two while a rotation is under way; :meth:`KekStore.epochs_present` lets crash recovery
find out which.

Which keyring counts as usable (``keyring_store.usable_keyring``):

* only a real OS keyring: Secret Service (GNOME Keyring, KWallet through libsecret or
  D-Bus), the macOS Keychain, the Windows Credential Manager, or another proper
  ``KeyringBackend`` with a priority above zero (the tests use an in-memory one);
* never ``keyring.backends.fail`` or ``null``, nothing from the ``keyrings.*`` plugin
  namespace (``keyrings.alt`` and ``keyrings.cryptfile`` keep secrets in plain or
  weakly protected files, others are network credential helpers), and never a chain
  as such: from a ``ChainerBackend`` we take its best acceptable member, or nothing;
* at init the keyring must also answer a harmless read: a headless Linux session
  (``NoKeyringError``), a locked keyring (``KeyringLocked``) or a D-Bus failure on first
  use all mean "use the key file instead".

Modules: this one holds the errors, the passphrase source, the store contract and the two
factories; ``keyring_store`` the OS keyring store; ``keyfile`` the key file format and its
atomic writes. Both are imported only when a store is made, so that commands which never
open the vault do not pay for importing ``keyring`` and its backends.
"""

from __future__ import annotations

import hmac
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from retention_agent.errors import ExitCode, RetentionError, VaultUnreadable
from retention_agent.i18n import N_, _

PASSPHRASE_ENV = "RETENTION_PASSPHRASE"  # noqa: S105 - a variable name
NEW_PASSPHRASE_ENV = "RETENTION_NEW_PASSPHRASE"  # noqa: S105 - a variable name
MIN_PASSPHRASE_LENGTH = 12
MIN_WORDS = 4
KEY_FILE_NAME = "kek.key"
KEK_SIZE = 32
KEYRING = "keyring"
KEYFILE = "keyfile"

Prompt = Callable[[str], str]
"""Asks the person for a secret without echoing it; the CLI passes something like
``lambda text: click.prompt(text, hide_input=True)`` (the core never imports click)."""


class WrongPassphrase(RetentionError):
    message = N_("That passphrase does not open the vault's key file. Check it and try again.")
    exit_code = ExitCode.KEY


class PassphraseNeeded(RetentionError):
    message = N_(
        "The vault's key file needs its passphrase: set RETENTION_PASSPHRASE "
        "or run the command in a terminal."
    )
    exit_code = ExitCode.KEY


class PassphraseEmpty(RetentionError):
    message = N_("The passphrase cannot be empty. Run the command again and choose one.")
    exit_code = ExitCode.INPUT


class PassphraseTooWeak(RetentionError):
    message = N_(
        "That passphrase is too short: use at least 12 characters, or four words such as "
        "'hest kage lampe sommer'. It alone protects the vault's key if the laptop is "
        "stolen. Nothing was set up or changed."
    )
    exit_code = ExitCode.INPUT


class PassphraseMismatch(RetentionError):
    message = N_(
        "The two passphrases were not the same. Nothing was set up; run the command again."
    )
    exit_code = ExitCode.INPUT


class KeyringUnavailable(RetentionError):
    message = N_(
        "The vault's key is kept in this computer's keyring, which cannot be used right now. "
        "Log in to your desktop or unlock the keyring, then try again."
    )
    exit_code = ExitCode.KEY


class KeyMissing(RetentionError):
    message = N_(
        "Vault key number {epoch} cannot be found, so the vault cannot be opened. "
        "Nothing was changed; ask for help."
    )
    exit_code = ExitCode.KEY


class KeyringEntryCorrupt(RetentionError):
    message = N_(
        "Vault key number {epoch} in this computer's keyring is damaged. "
        "Nothing was changed; ask for help."
    )
    exit_code = ExitCode.KEY


class KeyFileCorrupt(RetentionError):
    message = N_(
        "The vault's key file (kek.key) is damaged and cannot be read. "
        "Nothing was changed; restore it from a backup or ask for help."
    )
    exit_code = ExitCode.KEY


class PassphraseSource:
    """The key file's passphrase: ``RETENTION_PASSPHRASE`` if set, else the person at the
    terminal through ``prompt``, else :class:`PassphraseNeeded`."""

    def __init__(self, prompt: Prompt | None = None) -> None:
        self._prompt = prompt

    @classmethod
    def from_terminal(cls, prompt: Prompt) -> PassphraseSource:
        """Use ``prompt`` only when standard input is a terminal: under a service manager
        or a pipe, waiting for an answer nobody can give would hang the agent."""
        interactive = sys.stdin is not None and sys.stdin.isatty()
        return cls(prompt if interactive else None)

    def get(self, *, creating: bool) -> str:
        """The passphrase; when ``creating`` it must be strong enough, and a typed one is
        asked twice, as a typo would lock the family out of the vault for good."""
        return self._read(PASSPHRASE_ENV, creating=creating)

    def new(self) -> str:
        """A new passphrase for ``retention passphrase change``: from
        ``RETENTION_NEW_PASSPHRASE`` (scripts) or typed twice."""
        return self._read(NEW_PASSPHRASE_ENV, creating=True)

    def asking_new(self) -> PassphraseSource:
        """This source, asking for a *new* passphrase whenever a key file wants one: for
        a key file made because the old passphrase was forgotten (``recovery use``)."""
        return _NewPassphrase(self._prompt)

    def _read(self, variable: str, *, creating: bool) -> str:
        from_env = os.environ.get(variable)
        if from_env:
            return check_strength(from_env) if creating else from_env
        if self._prompt is None:
            raise PassphraseNeeded()
        if not creating:
            return self._prompt(_("Passphrase for the vault's key file"))
        first = self._prompt(
            _(
                "Choose a passphrase for the vault's key file (at least 12 characters or "
                "four words: it alone protects the key to everything in the vault)"
            )
        )
        check_strength(first)
        again = self._prompt(_("Type the same passphrase again"))
        if not hmac.compare_digest(first.encode(), again.encode()):
            raise PassphraseMismatch()
        return first


class _NewPassphrase(PassphraseSource):
    def get(self, *, creating: bool) -> str:
        return self.new()


def check_strength(passphrase: str) -> str:
    """At least 12 characters or four words: the key file can be copied and guessed at
    offline, so the passphrase is all that stands between a stolen laptop and the data."""
    if not passphrase.strip():
        raise PassphraseEmpty()
    if len(passphrase) < MIN_PASSPHRASE_LENGTH and len(passphrase.split()) < MIN_WORDS:
        raise PassphraseTooWeak()
    return passphrase


class KekStore(Protocol):
    """Keeps one 32-byte KEK per epoch. Implementations: ``KeyringStore``, ``KeyFileStore``;
    ``tests/test_keystore.py`` holds the contract suite both pass."""

    @property
    def kind(self) -> str:
        """``"keyring"`` or ``"keyfile"``: what the vault records at init."""
        ...

    def describe(self) -> str:
        """Where the key is, for people, translated (no secrets)."""
        ...

    def load(self, epoch: int) -> bytes:
        """The KEK of ``epoch``; :class:`KeyMissing` if there is none."""
        ...

    def store(self, epoch: int, kek: bytes) -> None:
        """Keep ``kek`` as the key of ``epoch`` (replacing one already there); durable
        before it returns."""
        ...

    def destroy(self, epoch: int) -> None:
        """Remove the KEK of ``epoch`` for good; nothing to do if it is already gone."""
        ...

    def epochs_present(self, candidates: Iterable[int]) -> set[int]:
        """Those ``candidates`` that still have a KEK (a keyring cannot list its entries)."""
        ...


def new_store(home: Path, vault_id: str, passphrase: PassphraseSource) -> KekStore:
    """The store for a new vault: the OS keyring if one is usable, else a new key file
    (asking for a new passphrase now). ``passphrase`` is only used for the key file."""
    from retention_agent.vault.keyfile import KeyFileStore, discard_key_file
    from retention_agent.vault.keyring_store import KeyringStore, usable_keyring

    backend = usable_keyring(vault_id)
    if backend is not None:
        # A key file left by a crashed init belongs to no vault; its keys must not linger.
        discard_key_file(home / KEY_FILE_NAME)
        return KeyringStore(vault_id, backend)
    return KeyFileStore.create(home / KEY_FILE_NAME, vault_id, passphrase)


def open_store(
    home: Path,
    vault_id: str,
    kind: str,
    passphrase: PassphraseSource,
    backend_name: str | None = None,
) -> KekStore:
    """The store of an existing vault, of the ``kind`` recorded at init (and, for the
    keyring, the backend recorded then), mirrored into the vault's recovery file if it
    has one (``recovery_file``): every KEK it stores or destroys is stored or destroyed
    there too."""
    from retention_agent.vault.recovery_file import mirrored

    store: KekStore
    if kind == KEYRING:
        from retention_agent.vault.keyring_store import KeyringStore

        store = KeyringStore.open(vault_id, backend_name)
    elif kind == KEYFILE:
        from retention_agent.vault.keyfile import KeyFileStore

        store = KeyFileStore(home / KEY_FILE_NAME, vault_id, passphrase)
    else:
        # Neither kind this version writes: a damaged index, or one from a newer version.
        raise VaultUnreadable()
    return mirrored(home, vault_id, store)
