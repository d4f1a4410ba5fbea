"""The vault index: one SQLite file, ``index.db``.

Nothing identifying is stored in clear: aliases, notes, file names, original paths,
contact fields and fingerprints live in ``sealed`` columns (see ``crypto``). What stays
readable is what the policy engine needs without keys: kinds, sizes and dates.

``secure_delete`` makes SQLite overwrite deleted content in the database file; after a
deletion the WAL is checkpointed and truncated, and the KEK is rotated so that wrapped
keys surviving anywhere else are useless.

Every row of the tables that decide what is deleted when carries a ``mac``, and each
case has a digest over its rows in ``digests`` (see ``rows``).

Schema version 3 (``meta.schema``); older versions are upgraded by the first command
that opens the vault with its key (``migrate``): version 1 had no MACs and no ``sealed``,
version 2 no closing of a continued case (``cases.closed_on``, ``offer_on_close``).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from retention_agent.errors import IndexUnavailable, RetentionError, VaultUnreadable
from retention_agent.vault import files

SCHEMA_VERSION = "3"

SCHEMA = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Wrapped data keys: 'item:<id>', 'case:<id>', 'vault:fingerprint'.
CREATE TABLE keys (
    id TEXT PRIMARY KEY,
    wrapped BLOB NOT NULL,
    epoch INTEGER NOT NULL
) STRICT;

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    start TEXT NOT NULL,
    created TEXT NOT NULL,
    policy_id TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    policy_text TEXT NOT NULL,      -- the exact policy the case was created under
    decision TEXT CHECK (decision IN ('continue', 'end')),
    decided_on TEXT,
    ended_on TEXT,
    initiated_by TEXT CHECK (initiated_by IN ('volunteers', 'child-family', 'other')),
    export_outcome TEXT CHECK (export_outcome IN ('done', 'declined')),
    export_outcome_on TEXT,
    closed_on TEXT,                 -- a continued case the family closed after the year
    offer_on_close INTEGER CHECK (offer_on_close IN (0, 1)),
    sealed BLOB,                    -- {alias, notes}, NULL once the case is anonymised
    mac BLOB NOT NULL DEFAULT x''
) STRICT;

-- 'unverified' rows are written before the read-back check; recovery settles them.
CREATE TABLE items (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL CHECK (kind IN ('match_paper', 'contact', 'message', 'photo')),
    blob TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    added TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('unverified', 'live')),
    sealed BLOB NOT NULL,           -- {name, original, fingerprint, contacts?, ...}
    mac BLOB NOT NULL DEFAULT x''
) STRICT;

-- C2 holds; the reason is sealed under the case key.
CREATE TABLE holds (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    placed_on TEXT NOT NULL,
    until TEXT NOT NULL,
    released_on TEXT,
    sealed BLOB,
    mac BLOB NOT NULL DEFAULT x''
) STRICT;

-- A deletion in progress: what recovery needs to finish it (no personal data).
CREATE TABLE journal (
    id INTEGER PRIMARY KEY,
    body TEXT NOT NULL,             -- JSON: case, rules, policy, items [{kind, size, blob}]
    step TEXT NOT NULL CHECK (step IN ('keys_destroyed', 'blobs_removed', 'rotating')),
    old_epoch INTEGER NOT NULL,
    new_epoch INTEGER NOT NULL,
    mac BLOB NOT NULL DEFAULT x''
) STRICT;

-- Append-only, hash-chained: each receipt's hash covers its body and the previous hash.
CREATE TABLE receipts (
    seq INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    mac BLOB NOT NULL DEFAULT x''
) STRICT;

-- Places outside the vault the rules also cover, ticked off per case.
CREATE TABLE checklist (
    case_id TEXT NOT NULL REFERENCES cases(id),
    place TEXT NOT NULL,
    done_on TEXT NOT NULL,
    mac BLOB NOT NULL DEFAULT x'',
    PRIMARY KEY (case_id, place)
) STRICT;

-- Small encrypted facts that are not items (see ``sealed``): photo exports, copies
-- left outside the vault, tombstones, the contact person. Each has its own data key
-- ('sealed:<id>'), so it can be destroyed on its own.
CREATE TABLE sealed (
    id INTEGER PRIMARY KEY,
    topic TEXT NOT NULL,
    case_id TEXT REFERENCES cases(id),
    created TEXT NOT NULL,
    sealed BLOB NOT NULL,
    mac BLOB NOT NULL DEFAULT x''
) STRICT;

-- Per scope (a case id, or '' for the vault's own rows): HMAC over its rows' MACs.
CREATE TABLE digests (
    scope TEXT PRIMARY KEY,
    digest BLOB NOT NULL
) STRICT;
"""

# What version 2 added to version 1: the MAC column of each authenticated table, and two
# tables. (A development build made ``sealed`` before the version changed: IF NOT EXISTS.)
MAC_TABLES = ("cases", "items", "holds", "journal", "checklist", "receipts")
# Version 2 had no closing of a continued case: the columns version 3 adds to ``cases``.
CLOSING_COLUMNS = {
    "closed_on": "TEXT",
    "offer_on_close": "INTEGER CHECK (offer_on_close IN (0, 1))",
}
MIGRATE_FROM_1_TABLES = (
    """CREATE TABLE IF NOT EXISTS sealed (
    id INTEGER PRIMARY KEY,
    topic TEXT NOT NULL,
    case_id TEXT REFERENCES cases(id),
    created TEXT NOT NULL,
    sealed BLOB NOT NULL,
    mac BLOB NOT NULL DEFAULT x''
) STRICT""",
    "CREATE TABLE IF NOT EXISTS digests (scope TEXT PRIMARY KEY, digest BLOB NOT NULL) STRICT",
)


def connect(path: Path) -> sqlite3.Connection:
    """Open the index with the pragmas every connection needs."""
    try:
        connection = sqlite3.connect(path, isolation_level=None, timeout=10)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA secure_delete=ON")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
    except sqlite3.DatabaseError as error:
        raise translate(error) from None
    return connection


def connect_reader(path: Path, *, immutable: bool) -> sqlite3.Connection:
    """A connection that can only read. ``immutable``: the disk itself is read-only, so
    SQLite may not even create its shared-memory file and needs no locks."""
    mode = "immutable=1" if immutable else "mode=ro"
    try:
        connection = sqlite3.connect(
            f"{path.absolute().as_uri()}?{mode}", uri=True, isolation_level=None, timeout=10
        )
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA query_only=ON")
    except sqlite3.DatabaseError as error:
        raise translate(error) from None
    return connection


def translate(error: sqlite3.DatabaseError) -> RetentionError:
    """SQLite's error to ours, by its result code: a full or failing disk (the
    transaction was rolled back, nothing is damaged) is not a damaged index."""
    name = getattr(error, "sqlite_errorname", "")
    if name.startswith(("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN")):
        return IndexUnavailable()
    return VaultUnreadable()


def create(connection: sqlite3.Connection) -> None:
    # executescript() would commit on its own; run the statements in one transaction.
    with transaction(connection):
        for statement in SCHEMA.split(";\n"):
            if statement.strip():
                connection.execute(statement)
        set_meta(connection, "schema", SCHEMA_VERSION)


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def scrub(connection: sqlite3.Connection) -> None:
    """Push deleted pages out of the WAL into the (secure-deleted) main file and empty it.

    Truncating the WAL frees its blocks without overwriting them, and its frames hold
    copies of pages as they were, with rows since deleted: so once a checkpoint has
    copied every frame into the database file and no reader is using the log (SQLite
    then reads only the database file), the log is overwritten with zeros first. On a
    disk that writes in place, nothing of a deleted row is left in freed blocks.
    """
    busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
    if busy == 0 and frames == copied:
        database = connection.execute("PRAGMA database_list").fetchone()["file"]
        if database:
            _zero(Path(f"{database}-wal"))
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _zero(path: Path) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return  # no log, or a read-only disk: nothing to scrub
    try:
        files.zero_open_file(fd)
    finally:
        os.close(fd)


def get_meta(connection: sqlite3.Connection, key: str) -> str | None:
    row = connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row["value"])


def set_meta(connection: sqlite3.Connection, key: str, value: str) -> None:
    connection.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
