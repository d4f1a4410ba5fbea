"""The vault: a folder with the index, encrypted blobs and (without an OS keyring) the
passphrase-protected key file.  This class owns opening, locking and the key hierarchy;
``cases``, ``ingest`` and ``catalog`` build the rest on top of it.

Layout of ``RETENTION_HOME`` (all folders 0700, files 0600)::

    index.db, index.db-wal   the index (see ``index``)
    blobs/<32 hex>           one encrypted file per item (see ``crypto``)
    tmp/                     ciphertext being written; emptied on every open
    kek.key                  only when no OS keyring is usable (see ``keystore``)
    vault.lock               held by the command working on the vault
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from retention_agent.errors import (
    VaultAlreadyInitialised,
    VaultBusy,
    VaultNotInitialised,
    VaultReadOnly,
    VaultUnreadable,
)
from retention_agent.vault import (
    backups,
    crypto,
    files,
    filesystems,
    index,
    migrate,
    rows,
    unlock,
)
from retention_agent.vault.keystore import (
    KekStore,
    KeyMissing,
    PassphraseSource,
    new_store,
    open_store,
)
from retention_agent.vault.locking import FileLock, LockTimeout

INDEX = "index.db"
CHECK_KEY_ID = unlock.CHECK_KEY_ID
FINGERPRINT_KEY_ID = "vault:fingerprint"
LOCK_TIMEOUT_SECONDS = 10
# Snapshots a reader may take while a writer rotates the key under it.
_READER_ATTEMPTS = 3


class Vault:
    """An open, unlocked vault. Use as a context manager; ``close()`` releases the lock."""

    def __init__(
        self, home: Path, db: sqlite3.Connection, lock: FileLock | None, store: KekStore
    ) -> None:
        self.home = home
        self.db = db
        self.blobs = home / "blobs"
        self.tmp = home / "tmp"
        self._lock = lock
        self.store = store
        self._fingerprint_key: bytes | None = None
        self._row_key: tuple[int, bytes] | None = None
        self._damage: rows.Damage | None = None
        self.touched: set[str] = set()  # scopes written in the current transaction
        self.id = _required_meta(db, "vault_id")
        self.epoch, self._kek = unlock.kek(db, store, self.id)
        self.schema = index.get_meta(db, "schema") or "1"

    # --- opening -------------------------------------------------------------------

    @classmethod
    def init(cls, home: Path, passphrase: PassphraseSource, now: dt.datetime) -> Vault:
        if _is_initialised(home):
            raise VaultAlreadyInitialised()
        files.make_private_dir(home)
        lock = acquire_lock(home)
        try:
            # A crash during an earlier init can leave an index without a vault in it.
            for leftover in (home / INDEX, home / f"{INDEX}-wal", home / f"{INDEX}-shm"):
                files.remove_quietly(leftover)
            for folder in ("blobs", "tmp"):
                files.make_private_dir(home / folder)
            backups.exclude(home)
            vault_id = secrets.token_hex(16)
            store = new_store(home, vault_id, passphrase)
            kek = crypto.new_key()
            store.store(1, kek)
            db = index.connect(home / INDEX)
            files.make_private_file(home / INDEX)
            index.create(db)
            with index.transaction(db):
                index.set_meta(db, "vault_id", vault_id)
                index.set_meta(db, "kek_kind", store.kind)
                from retention_agent.vault.keyring_store import KeyringStore

                if isinstance(store, KeyringStore):
                    index.set_meta(db, "keyring_backend", store.backend_name)
                index.set_meta(db, "kek_epoch", "1")
                index.set_meta(db, "created", now.isoformat())
                for key_id in (CHECK_KEY_ID, FINGERPRINT_KEY_ID):
                    wrapped = crypto.wrap_key(kek, crypto.new_key(), vault_id, key_id, 1)
                    db.execute(
                        "INSERT INTO keys (id, wrapped, epoch) VALUES (?, ?, 1)", (key_id, wrapped)
                    )
            vault = cls(home, db, lock, store)
            vault.assume_undamaged()  # a new vault: nothing to check yet
            with vault.transaction():
                rows.reseal_scopes(vault, {rows.VAULT_SCOPE})
        except BaseException:
            lock.release()
            raise
        return vault

    @classmethod
    def open(
        cls,
        home: Path,
        passphrase: PassphraseSource,
        *,
        store: KekStore | None = None,
        read_only: bool = False,
        untouched: bool = False,
    ) -> Vault:
        """Open the vault, locked for this process, repairing what an interrupted command
        left behind.

        ``read_only`` is for commands that only look (status, list, plan, receipts):
        they never wait behind another command that is writing, and they work on a
        read-only disk. If the vault is free and writable they open it as usual (and
        repair it); otherwise they read the last committed state without the lock.

        ``untouched`` (``retention verify``): read the vault exactly as it is, without the
        lock and without repairing anything.

        A long-running process passes the ``store`` it got from an earlier open
        (``vault.store``), so a key file's passphrase is asked for and stretched once,
        and only the derived key stays in memory.
        """
        disk_read_only = filesystems.detect(home).read_only
        if not _is_initialised(home, disk_read_only):
            raise VaultNotInitialised()
        if disk_read_only and not read_only:
            raise VaultReadOnly()
        lock: FileLock | None = None
        if not (disk_read_only or untouched):
            lock = _try_lock(home) if read_only else acquire_lock(home)
        if lock is None:
            return cls._open_reader(home, passphrase, store, immutable=disk_read_only)
        try:
            db = index.connect(home / INDEX)
            vault = cls(home, db, lock, _store(home, db, passphrase, store))
        except BaseException:
            lock.release()
            raise
        from retention_agent.vault.recovery import recover

        try:
            migrate.upgrade(vault)
            recover(vault)
        except BaseException:
            vault.close()
            raise
        return vault

    @classmethod
    def _open_reader(
        cls, home: Path, passphrase: PassphraseSource, store: KekStore | None, *, immutable: bool
    ) -> Vault:
        """The last committed state, in one read transaction (a snapshot), without the
        lock. A writer may rotate the key meanwhile: then the snapshot's key can be gone
        by the time it is loaded, and a fresh snapshot is taken."""
        for _attempt in range(_READER_ATTEMPTS):
            db = index.connect_reader(home / INDEX, immutable=immutable)
            try:
                db.execute("BEGIN")
                kek_store = _store(home, db, passphrase, store)
                return cls(home, db, None, kek_store)
            except KeyMissing:
                db.close()
            except BaseException:
                db.close()
                raise
        raise VaultBusy()

    @property
    def read_only(self) -> bool:
        """Opened without the lock: nothing may be written through this vault."""
        return self._lock is None

    def close(self) -> None:
        self.db.close()
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> Vault:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- keys ----------------------------------------------------------------------

    def wrap(self, key_id: str, data_key: bytes) -> bytes:
        return crypto.wrap_key(self._kek, data_key, self.id, key_id, self.epoch)

    def unwrap(self, key_id: str) -> bytes:
        row = self.db.execute("SELECT wrapped, epoch FROM keys WHERE id = ?", (key_id,)).fetchone()
        if row is None:
            raise crypto.TamperedError
        return crypto.unwrap_key(self._kek, row["wrapped"], self.id, key_id, row["epoch"])

    def insert_key(self, key_id: str, data_key: bytes) -> None:
        self.db.execute(
            "INSERT INTO keys (id, wrapped, epoch) VALUES (?, ?, ?)",
            (key_id, self.wrap(key_id, data_key), self.epoch),
        )

    def use_kek(self, epoch: int, kek: bytes) -> None:
        """Switch to a rotated KEK once every wrapped key has been re-wrapped under it."""
        self.epoch, self._kek = epoch, kek

    # --- authenticated rows ---------------------------------------------------------

    @property
    def row_key(self) -> bytes:
        """The key of the rows' MACs, derived from the current KEK (see ``rows``)."""
        if self._row_key is None or self._row_key[0] != self.epoch:
            self._row_key = (self.epoch, rows.row_key(self._kek, self.id))
        return self._row_key[1]

    @property
    def damage(self) -> rows.Damage:
        """What failed authentication, checked once per open (before any write of ours,
        so that our writes never bless damage)."""
        if self._damage is None:
            current = self.schema == index.SCHEMA_VERSION
            self._damage = rows.verify(self.db, self.row_key) if current else rows.Damage()
        return self._damage

    def keep_damage(self, damage: rows.Damage) -> None:
        """For a vault upgraded from an authenticated version: what failed under its old
        columns stays damaged under the new ones (``migrate``)."""
        self._damage = damage

    def assume_undamaged(self) -> None:
        """For a vault just made, or upgraded from a version without MACs: whatever it
        holds is taken as it is, since nothing was authenticated before."""
        self._damage = rows.Damage()

    def key_opens(self, key_id: str) -> bool:
        try:
            self.unwrap(key_id)
        except crypto.TamperedError:
            return False
        return True

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE … COMMIT`` that reseals the scopes it wrote (``rows``)."""
        _ = self.damage
        try:
            with index.transaction(self.db):
                yield
                rows.reseal_scopes(self, self.touched)
        finally:
            self.touched.clear()

    def fingerprinter(self) -> hmac.HMAC:
        if self._fingerprint_key is None:  # unwrapped once: a batch asks for it per file
            self._fingerprint_key = self.unwrap(FINGERPRINT_KEY_ID)
        return crypto.fingerprinter(self._fingerprint_key)

    def new_id(self, table: str, length: int) -> str:
        """A short random id (typed by people), unique in ``table``."""
        while True:
            candidate = secrets.token_hex(length // 2)
            # The table name is one of our own constants, never user input.
            query = f"SELECT 1 FROM {table} WHERE id = ?"  # noqa: S608
            if self.db.execute(query, (candidate,)).fetchone() is None:
                return candidate

    def blob_path(self, blob: str) -> Path:
        return self.blobs / blob


def _is_initialised(home: Path, disk_read_only: bool = False) -> bool:
    """Whether ``home`` holds a vault. An index that is missing or empty while encrypted
    files remain is damage, never a reason to start afresh over them."""
    database = home / INDEX
    # A key file alone may be left by a crashed init; encrypted files never are.
    leftovers = (home / "blobs").is_dir() and any((home / "blobs").iterdir())
    if not database.exists():
        if leftovers:
            raise VaultUnreadable()
        return False
    connection = index.connect_reader(database, immutable=disk_read_only)
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
    except sqlite3.OperationalError as error:
        # An index left by a crashed init has no tables yet: not a vault.
        if "no such table" in str(error) and not leftovers:
            return False
        raise index.translate(error) from None
    except sqlite3.DatabaseError as error:
        raise index.translate(error) from None
    finally:
        connection.close()
    return row is not None


def _store(
    home: Path, db: sqlite3.Connection, passphrase: PassphraseSource, store: KekStore | None
) -> KekStore:
    try:
        kind = _required_meta(db, "kek_kind")
        vault_id = _required_meta(db, "vault_id")
    except sqlite3.DatabaseError:
        raise VaultUnreadable() from None
    if store is not None and store.kind == kind:
        return store
    return open_store(home, vault_id, kind, passphrase, index.get_meta(db, "keyring_backend"))


def _required_meta(db: sqlite3.Connection, key: str) -> str:
    value = index.get_meta(db, key)
    if value is None:
        raise VaultUnreadable()
    return value


def acquire_lock(home: Path) -> FileLock:
    """The vault's lock; if another command holds it, wait a while, then VaultBusy."""
    lock = FileLock(home / "vault.lock", mode=files.PRIVATE_FILE)
    try:
        lock.acquire(timeout=LOCK_TIMEOUT_SECONDS)
    except LockTimeout:
        raise VaultBusy() from None
    return lock


def _try_lock(home: Path) -> FileLock | None:
    """The vault's lock if it is free right now, else None."""
    lock = FileLock(home / "vault.lock", mode=files.PRIVATE_FILE)
    try:
        lock.acquire(timeout=0)
    except (LockTimeout, PermissionError):
        return None  # busy, or a folder this user may read but not write
    return lock
