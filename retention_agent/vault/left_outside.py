"""After a batch went into the vault: the file managers' thumbnails of every original go
(``thumbnails``), and an original that stays where it was (kept on request, changed
meanwhile, or not removable) is tracked as a copy outside the vault (``copies``), for
``status``, ``apply`` and ``retention scan``. Called by ``ingest`` once the batch is in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import TYPE_CHECKING

from retention_agent import thumbnails
from retention_agent.vault import copies, originals
from retention_agent.vault.vault import Vault

if TYPE_CHECKING:
    from retention_agent.vault.ingest import Batch

_ORIGINS: dict[originals.Kept, copies.Origin] = {
    originals.Kept.ASKED: "kept-original",
    originals.Kept.CHANGED: "changed-original",
    originals.Kept.FAILED: "unremovable-original",
    originals.Kept.PARTLY_READ: "import-partial",
}


def record(
    vault: Vault, case_id: str, written: Collection[str], batch: Batch, now: dt.datetime
) -> None:
    """``written``: the ids of the items the batch made (skipped duplicates made none)."""
    paths = []
    left: list[copies.Left] = []
    for part in batch.parts:
        removal = part.removal
        if removal is None:
            continue
        paths.append(removal.path)
        origin = _ORIGINS.get(removal.kept) if removal.kept is not None else None
        if origin is None or part.item_id not in written:
            continue  # removed, or already gone, or the content of another item
        # Kept as asked, it is still exactly what went in; otherwise read it again.
        known = part.fingerprint if removal.kept is originals.Kept.ASKED else None
        left.append(copies.Left(part.item_id, removal.path, origin, known))
    thumbnails.remove(paths)
    copies.track_many(vault, case_id, left, now)
