"""The tamper matrix: every column of every table of the index, flipped, swapped with
another row's, deleted with its row, and rolled back to an older version, one at a time,
on a copy of a vault that has lived through a part of a Hjem til Os year.

For each change, the next open and everything a family runs afterwards (status, list,
plan, apply's dry run, verify) must end in one of the project's own errors or in a
report, never in a traceback; no deletion may move to a later date; and damage to the
rows that decide dates must be reported (by ``vault.damage`` or ``verify``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from retention_agent import lifecycle
from retention_agent.enforce import apply_due, assess, due_deletions
from retention_agent.errors import RetentionError
from retention_agent.formats.vcard import Contact
from retention_agent.report import build_status
from retention_agent.vault import catalog, sealed
from retention_agent.vault.adding import add_files, ingest_contact
from retention_agent.vault.cases import list_cases
from retention_agent.vault.deletion import delete_items
from retention_agent.vault.records import DeletionRequest
from retention_agent.vault.vault import Vault
from retention_agent.verify import verify
from tests.support.memory_keyring import MemoryKeyring
from tests.support.vaults import PASSPHRASE, add_case

pytestmark = pytest.mark.slow

START = dt.date(2026, 3, 1)
TODAY = dt.date(2026, 6, 2)
# Tables whose damage must be noticed; meta and keys have checks of their own (a wrong
# epoch or check key is found past, a damaged wrapped key is reported by verify).
DECIDING = ("cases", "items", "holds", "checklist", "sealed", "journal", "receipts", "digests")


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)


class Interrupted(Exception):
    """Stops a deletion right after its keys are destroyed, leaving its journal row."""


@dataclass
class World:
    home: Path  # the vault as it was left (with a deletion's journal row pending)
    older: dict[str, dict[Any, dict[str, Any]]]  # every row as it was months before
    secrets: dict[tuple[str, str], str]  # the keyring then


def rows_by_key(db: sqlite3.Connection) -> dict[str, dict[Any, dict[str, Any]]]:
    tables: dict[str, dict[Any, dict[str, Any]]] = {}
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        found = db.execute(f"SELECT rowid AS row_id, * FROM {table}").fetchall()
        tables[table] = {row["row_id"]: dict(row) for row in found}
    return tables


def snapshot(home: Path) -> dict[str, dict[Any, dict[str, Any]]]:
    db = sqlite3.connect(home / "index.db")
    db.row_factory = sqlite3.Row
    try:
        return rows_by_key(db)
    finally:
        db.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    import keyring

    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    # As in every test (conftest): keyring's own variable, so the keyring set here is used
    # rather than a new instance of the backend recorded at init.
    saved = os.environ.get("PYTHON_KEYRING_BACKEND")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    root = tmp_path_factory.mktemp("tamper")
    home, inbox = root / "vault", root / "inbox"
    inbox.mkdir()
    try:
        with Vault.init(home, PASSPHRASE, at(START)) as vault:
            a, b, c = (add_case(vault, alias, START) for alias in ("Barn A", "Barn B", "Barn C"))
            for case, kinds in (
                (a, ("match_paper", "photo", "message")),
                (b, ("photo", "message")),
                (c, ("message", "photo")),
            ):
                for kind in kinds:
                    source = inbox / f"{case}-{kind}.bin"
                    source.write_bytes(f"{case} {kind} ".encode() * 200)
                    add_files(vault, case_id=case, kind=kind, paths=[source], now=at(START))  # type: ignore[arg-type]
            ingest_contact(vault, case_id=a, contact=Contact(name="Forælder A"), now=at(START))
            sealed.add(vault, "test-note", {"note": "x"}, at(START), case_id=a)
        older = snapshot(home)
        with Vault.open(home, PASSPHRASE) as vault:
            lifecycle.place_hold(vault, a, dt.date(2026, 4, 1), dt.date(2026, 5, 1), "Bekymring")
            lifecycle.release_hold(vault, a, dt.date(2026, 4, 10))
            lifecycle.record_continue(vault, b, dt.date(2026, 5, 20))
            lifecycle.record_end(vault, c, dt.date(2026, 5, 1), dt.date(2026, 5, 1), "child-family")
            apply_due(vault, at(dt.date(2026, 5, 2)))  # C's message goes (R2a): a receipt
            lifecycle.mark_checklist(vault, c, dt.date(2026, 5, 2), ["phone-contacts"])
            photo = next(i for i in catalog.list_items(vault, case_id=c))

            def stop(step: str) -> None:
                if step == "keys_destroyed":
                    raise Interrupted

            request = DeletionRequest(c, (photo.id,), ("R2a",), "hjem-til-os", "2024-05")
            with pytest.raises(Interrupted):
                delete_items(vault, request, at(dt.date(2026, 5, 3)), on_step=stop)
        yield World(home, older, dict(memory.secrets))
    finally:
        keyring.set_keyring(previous)
        if saved is None:
            del os.environ["PYTHON_KEYRING_BACKEND"]
        else:
            os.environ["PYTHON_KEYRING_BACKEND"] = saved


@dataclass(frozen=True)
class Change:
    table: str
    column: str | None  # None: the whole row
    how: str  # flip | swap | delete | rollback
    row_id: Any

    def __str__(self) -> str:
        return f"{self.how} {self.table}.{self.column or '*'} row {self.row_id}"


def flipped(value: Any) -> list[Any]:
    """Other values for a column, most plausible first (CHECK constraints decide)."""
    if isinstance(value, bytes):
        return [bytes([value[0] ^ 1]) + value[1:]] if value else [b"\x01"]
    if isinstance(value, int):
        return [value + 1, value - 1]
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
        else:
            return [(day + dt.timedelta(days=3650)).isoformat() + value[10:]]
        return [
            value[:-1] + ("b" if value[-1:] != "b" else "c") if value else "x",
            "end",
            "continue",
            "photo",
        ]
    return ["2099-01-01", "continue", "end", "done", "declined", "volunteers", 1]


def changes(world: World) -> Iterator[Change]:
    now = snapshot(world.home)
    for table, found in sorted(now.items()):
        ids = sorted(found, key=str)
        if not ids:
            continue
        columns = [c for c in found[ids[0]] if c not in ("row_id",)]
        for column in columns:
            yield Change(table, column, "flip", ids[0])
            if len(ids) > 1:
                yield Change(table, column, "swap", ids[0])
        yield Change(table, None, "delete", ids[0])
        for row_id, row in found.items():
            old = world.older.get(table, {}).get(row_id)
            if old is not None and old != row:
                yield Change(table, None, "rollback", row_id)


def apply_change(home: Path, change: Change, world: World) -> bool:
    """Make ``change`` in the copy's index; False if SQLite refuses every candidate."""
    db = sqlite3.connect(home / "index.db")
    db.row_factory = sqlite3.Row
    try:
        found = rows_by_key(db)[change.table]
        ids = sorted(found, key=str)
        row = found[change.row_id]
        if change.how == "delete":
            db.execute(f"DELETE FROM {change.table} WHERE rowid = ?", (change.row_id,))
        elif change.how == "rollback":
            old = world.older[change.table][change.row_id]
            assignments = ", ".join(f"{k} = ?" for k in old if k != "row_id")
            values = [v for k, v in old.items() if k != "row_id"]
            db.execute(
                f"UPDATE {change.table} SET {assignments} WHERE rowid = ?", (*values, change.row_id)
            )
        elif change.how == "swap":
            other = found[ids[1]]
            column = str(change.column)
            db.execute(
                f"UPDATE {change.table} SET {column} = ? WHERE rowid = ?", (None, change.row_id)
            )
            db.execute(
                f"UPDATE {change.table} SET {column} = ? WHERE rowid = ?", (row[column], ids[1])
            )
            db.execute(
                f"UPDATE {change.table} SET {column} = ? WHERE rowid = ?",
                (other[column], change.row_id),
            )
        else:
            for candidate in flipped(row[str(change.column)]):
                try:
                    db.execute(
                        f"UPDATE {change.table} SET {change.column} = ? WHERE rowid = ?",
                        (candidate, change.row_id),
                    )
                    break
                except sqlite3.IntegrityError:
                    continue
            else:
                return False
        db.commit()
        return True
    except sqlite3.IntegrityError:
        return False  # SQLite itself refused the change (a constraint)
    finally:
        db.close()


def due_dates(vault: Vault) -> dict[str, dt.date]:
    """Every item's deletion date on the timeline (earliest if several)."""
    dates: dict[str, dt.date] = {}
    for case in list_cases(vault):
        for decision in assess(vault, case, TODAY).decisions:
            if decision.action == "delete":
                for item in decision.items:
                    dates[item] = min(decision.due, dates.get(item, decision.due))
    return dates


def look(
    home: Path, secrets: dict[tuple[str, str], str], memory: MemoryKeyring
) -> tuple[str, dict[str, dt.date], bool]:
    """Open the copy and do what a family would; ('error', {}, True) for our own errors."""
    memory.secrets = dict(secrets)
    try:
        with Vault.open(home, PASSPHRASE) as vault:
            dates = due_dates(vault)
            build_status(vault, at(TODAY))
            catalog.list_items(vault)
            due_deletions(vault, TODAY)
            report = verify(vault)
            noticed = vault.damage.any or not report.ok
            return "opened", dates, noticed
    except (RetentionError, sqlite3.DatabaseError):
        # SQLite's own errors (a malformed page) reach the CLI and the agent, which say
        # them in one line by their result code (index.translate).
        return "error", {}, True


def test_every_change_to_the_index_is_caught_or_harmless(
    world: World, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    baseline_home = tmp_path / "baseline"
    shutil.copytree(world.home, baseline_home)
    outcome, baseline, noticed = look(baseline_home, world.secrets, memory_keyring)
    assert outcome == "opened"
    assert not noticed
    tried = refused = 0
    failures: list[str] = []
    for change in changes(world):
        copy = tmp_path / f"copy-{tried}"
        shutil.copytree(world.home, copy)
        tried += 1
        if not apply_change(copy, change, world):
            refused += 1
            continue
        try:
            outcome, dates, noticed = look(copy, world.secrets, memory_keyring)
        except Exception as error:  # anything but our own errors is a bug
            where = traceback.extract_tb(error.__traceback__)[-3:]
            failures.append(f"{change}: {type(error).__name__}: {error} at {where}")
            continue
        later = [i for i, day in dates.items() if i in baseline and day > baseline[i]]
        if later:
            failures.append(f"{change}: postponed {later}")
        if change.table in DECIDING and not noticed and _changes_anything(change, world):
            failures.append(f"{change}: not noticed")
        shutil.rmtree(copy)
    print(f"tamper matrix: {tried} changes, {refused} refused by SQLite itself")
    assert tried > 120
    assert failures == [], "\n".join(failures)


def _changes_anything(change: Change, world: World) -> bool:
    """A swap of two equal values, or a roll-back to identical bytes, changes nothing."""
    if change.how != "swap":
        return True
    found = snapshot(world.home)[change.table]
    ids = sorted(found, key=str)
    column = str(change.column)
    return bool(found[ids[0]][column] != found[ids[1]][column])


def test_flipped_bytes_anywhere_in_the_index_file(
    world: World, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    """Below SQL: a failing disk or a hex editor flips bytes of the file itself. Every
    outcome is a report or one of our errors; no deletion moves later."""
    baseline_home = tmp_path / "baseline"
    shutil.copytree(world.home, baseline_home)
    _, baseline, _ = look(baseline_home, world.secrets, memory_keyring)
    size = (world.home / "index.db").stat().st_size
    failures = []
    for offset in range(100, size, 997):
        copy = tmp_path / f"flip-{offset}"
        shutil.copytree(world.home, copy)
        with (copy / "index.db").open("r+b") as handle:
            handle.seek(offset)
            byte = handle.read(1)
            handle.seek(offset)
            handle.write(bytes([byte[0] ^ 0x5A]))
        try:
            _, dates, _ = look(copy, world.secrets, memory_keyring)
        except Exception as error:
            failures.append(f"byte {offset}: {type(error).__name__}: {error}")
            continue
        later = [i for i, day in dates.items() if i in baseline and day > baseline[i]]
        if later:
            failures.append(f"byte {offset}: postponed {later}")
        shutil.rmtree(copy)
    assert failures == [], "\n".join(failures)
