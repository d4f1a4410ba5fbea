"""``retention verify``: everything the vault holds, checked end to end.

Every blob is decrypted to nowhere (bounded memory), every wrapped key unwrapped and
every sealed value opened under the current KEK, every row MAC and case digest checked
(``rows``), the receipt chain followed, the index compared with the blob files (missing
and orphaned files), the permissions of the vault's files and folders looked at, and
the journal and the backup markers checked. Each problem is reported with what it is
about (an item, a case, the vault) and a code; the CLI says what to do about each.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass, field

from retention_agent.vault import backups, crypto, receipts, rows
from retention_agent.vault.records import item_key_id
from retention_agent.vault.recovery import problems as index_problems
from retention_agent.vault.vault import Vault


@dataclass(frozen=True)
class Finding:
    subject: str  # an item id, a case id, a record number, "vault" or a file in the vault
    code: str  # what is wrong (the CLI has a sentence and a remedy for each)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    blobs: int = 0
    bytes: int = 0
    keys: int = 0
    sealed: int = 0
    rows: int = 0
    receipts: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, subject: str, code: str) -> None:
        finding = Finding(subject, code)
        if finding not in self.findings:
            self.findings.append(finding)


def verify(vault: Vault) -> Report:
    report = Report()
    for subject, code in index_problems(vault):
        report.add(subject, code)
    report.rows = sum(
        vault.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
        for table in rows.AUTHENTICATED
    )
    _keys(vault, report)
    _sealed_values(vault, report)
    _blobs(vault, report)
    broken = receipts.first_broken(vault.db)
    if broken is not None:
        report.add(str(broken), "receipts_broken")
    report.receipts = vault.db.execute("SELECT COUNT(*) FROM receipts").fetchone()[0]
    if vault.db.execute("SELECT COUNT(*) FROM journal").fetchone()[0]:
        report.add("vault", "journal_unfinished")
    for name in _too_open(vault):
        report.add(name, "permissions")
    if not backups.excluded(vault.home):
        report.add("vault", "not_excluded_from_backups")
    return report


def _keys(vault: Vault, report: Report) -> None:
    for row in vault.db.execute("SELECT id FROM keys").fetchall():
        report.keys += 1
        if not vault.key_opens(row["id"]):
            prefix, _, rest = row["id"].partition(":")
            report.add(rest if prefix in ("item", "case", "sealed") else "vault", "key_damaged")


def _sealed_values(vault: Vault, report: Report) -> None:
    """Every sealed column opens under its own key (a damaged key is reported above)."""
    checks: list[tuple[str, str, str, bytes]] = []
    for row in vault.db.execute("SELECT id, sealed FROM items"):
        checks.append((row["id"], item_key_id(row["id"]), "item_sealed_damaged", row["sealed"]))
    for row in vault.db.execute("SELECT id, sealed FROM cases WHERE sealed IS NOT NULL"):
        checks.append((row["id"], f"case:{row['id']}", "case_sealed_damaged", row["sealed"]))
    for row in vault.db.execute("SELECT case_id, sealed FROM holds WHERE sealed IS NOT NULL"):
        key = f"case:{row['case_id']}"
        checks.append((row["case_id"], key, "hold_sealed_damaged", row["sealed"]))
    for row in vault.db.execute("SELECT id, sealed FROM sealed"):
        key = f"sealed:{row['id']}"
        checks.append((str(row["id"]), key, "record_sealed_damaged", row["sealed"]))
    for subject, key_id, code, value in checks:
        report.sealed += 1
        try:
            crypto.unseal(vault.unwrap(key_id), vault.id, key_id, value)
        except crypto.TamperedError:
            report.add(subject, code)


def _blobs(vault: Vault, report: Report) -> None:
    known: set[str] = set()
    work: list[tuple[str, str, bytes, str]] = []  # (item id, blob path, data key, vault id)
    for row in vault.db.execute("SELECT id, blob FROM items").fetchall():
        known.add(row["blob"])
        path = vault.blob_path(row["blob"])
        if not path.exists():
            continue  # reported by the index check as blob_missing
        try:
            data_key = vault.unwrap(item_key_id(row["id"]))
        except crypto.TamperedError:
            report.add(row["id"], "blob_damaged")
            continue
        work.append((row["id"], str(path), data_key, vault.id))
    for item_id, size in map(_decrypt, work):
        report.blobs += 1
        if size is None:
            report.add(item_id, "blob_damaged")
        else:
            report.bytes += size
    for path in vault.blobs.iterdir():
        if path.name not in known:
            report.add(f"blobs/{path.name}", "orphan_blob")


def _decrypt(job: tuple[str, str, bytes, str]) -> tuple[str, int | None]:
    """Decrypt one blob to nowhere: (item id, plaintext size, or None if it is damaged)."""
    item_id, path, data_key, vault_id = job
    size = 0
    try:
        with open(path, "rb") as handle:
            for chunk in crypto.decrypt_stream(handle, data_key, vault_id, item_id):
                size += len(chunk)
    except (crypto.TamperedError, OSError):
        return item_id, None
    return item_id, size


def _too_open(vault: Vault) -> Iterator[str]:
    """Files and folders of the vault that the group or others may read or enter."""
    for path in [vault.home, vault.blobs, vault.tmp, *vault.home.iterdir(), *vault.blobs.iterdir()]:
        if path.name in backups.MARKERS:
            continue  # the markers hold nothing private and are meant to be found
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        if stat.S_IMODE(mode) & 0o077:
            yield "." if path == vault.home else str(path.relative_to(vault.home))
