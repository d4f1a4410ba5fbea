"""The agent's hold on the vault key: it opens (and locks) the vault for one file or one
deletion at a time, and keeps the key store of its first open, so a key file's
passphrase is asked once per login and only the key derived from it stays in memory.

Where the passphrase comes from: ``RETENTION_PASSPHRASE`` as for every command, else a
small dialog in its own process (``retention agent ask-passphrase``) whose answer comes
back through a pipe and is handed straight to the key store. After a cancelled or wrong
answer the agent does not ask again by itself for ``ASK_AGAIN_AFTER``; the family can
ask for it from the tray at any time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from retention_agent.vault.keystore import (
    KekStore,
    PassphraseNeeded,
    PassphraseSource,
    WrongPassphrase,
)
from retention_agent.vault.vault import Vault

ASK_AGAIN_AFTER = 3600.0  # seconds

Asker = Callable[[], str | None]


def dialog_in_own_process() -> str | None:
    """The passphrase from the dialog in its own process, or None (cancelled, none)."""
    from retention_agent.desktop import passphrase

    try:
        return passphrase.in_own_process()
    except passphrase.NoDialog:
        return None


class KeyHolder:
    def __init__(
        self,
        home: Path,
        ask: Asker = dialog_in_own_process,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._home = home
        self._ask = ask
        self._clock = clock
        self._store: KekStore | None = None
        self._declined_at: float | None = None
        self._may_ask = True

    @contextmanager
    def vault(
        self, *, ask_now: bool = False, ask: bool = True, read_only: bool = False
    ) -> Iterator[Vault]:
        """The vault, open and locked for the ``with`` block. ``ask_now`` (the family
        chose something in the tray) asks for a passphrase even soon after a refusal;
        without ``ask`` (a sweep nobody asked for) it never asks: PassphraseNeeded.
        ``read_only`` never waits behind a command that holds the vault."""
        self._may_ask = ask and (
            ask_now
            or self._declined_at is None
            or (self._clock() - self._declined_at >= ASK_AGAIN_AFTER)
        )
        source = PassphraseSource(self._prompt)
        try:
            opened = Vault.open(self._home, source, store=self._store, read_only=read_only)
        except WrongPassphrase:
            self._declined_at = self._clock()
            raise
        try:
            self._store = opened.store
            self._declined_at = None
            yield opened
        finally:
            opened.close()

    def forget(self) -> None:
        """Drop the key store (the key it loaded goes with it)."""
        self._store = None

    def _prompt(self, _text: str) -> str:
        if not self._may_ask:
            raise PassphraseNeeded()
        self._may_ask = False
        answer = self._ask()
        if answer is None:
            self._declined_at = self._clock()
            raise PassphraseNeeded()
        return answer
