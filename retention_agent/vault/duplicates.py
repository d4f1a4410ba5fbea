"""Finding parts whose content a case already holds, by the vault's keyed fingerprint.

Only parts whose size equals that of an item in the case (or of another part of the
same batch) are read for this; the sizes are readable in the index, the fingerprints
are sealed in the items' metadata. So a photo dump into a new case reads nothing twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from retention_agent.errors import DuplicateContent, DuplicateInCommand, RetentionError
from retention_agent.vault.vault import Vault

if TYPE_CHECKING:
    from retention_agent.vault.ingest import Part

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Holder:
    """Who already holds a part's content: an item of the case, or an earlier part of
    the same batch (``position``) that will become item ``item_id``."""

    item_id: str
    position: int | None = None


def find(
    vault: Vault, case_id: str, parts: Sequence[Part], item_ids: Sequence[str]
) -> dict[int, Holder]:
    """Positions of duplicate parts, each with the holder of its content."""
    existing = vault.db.execute(
        "SELECT id, size FROM items WHERE case_id = ? AND state = 'live'", (case_id,)
    ).fetchall()
    part_sizes = Counter(part.size for part in parts)
    existing_sizes = {row["size"] for row in existing}
    candidates = [
        position
        for position, part in enumerate(parts)
        if part.size in existing_sizes or part_sizes[part.size] > 1
    ]
    if not candidates:
        return {}
    from retention_agent.vault.catalog import fingerprint_of

    known: dict[str, Holder] = {}
    for row in existing:
        if part_sizes[row["size"]]:
            fingerprint = fingerprint_of(vault, row["id"])
            if fingerprint is not None:
                known.setdefault(fingerprint, Holder(row["id"]))
    found: dict[int, Holder] = {}
    for position in candidates:
        digest = _fingerprint(vault, parts[position])
        if digest in known:
            found[position] = known[digest]
        else:
            known[digest] = Holder(item_ids[position], position)
    return found


def refusal(parts: Sequence[Part], position: int, holder: Holder, case_id: str) -> RetentionError:
    name = _shown(parts[position])
    if holder.position is not None:
        return DuplicateInCommand(name=name, other=_shown(parts[holder.position]))
    return DuplicateContent(name=name, case=case_id, item=holder.item_id)


def _shown(part: Part) -> str:
    """The file as the user named it on the command line, else the part's own name."""
    return str(part.original.path) if part.original is not None else part.name


def _fingerprint(vault: Vault, part: Part) -> str:
    fingerprint = vault.fingerprinter()
    with part.open() as source:
        while chunk := source.read(_CHUNK):
            fingerprint.update(chunk)
    return fingerprint.hexdigest()
