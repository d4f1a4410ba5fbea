"""What the scan looks for: every live item and every item in a tombstone, each with its
size, keyed fingerprint and (photos) perceptual hash, indexed by size so that a folder
of thousands of files is read only where a size matches."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from retention_agent.vault import catalog, tombstones
from retention_agent.vault.perceptual import PerceptualHash
from retention_agent.vault.vault import Vault


@dataclass(frozen=True)
class Target:
    item_id: str
    case_id: str
    kind: str
    size: int
    fingerprint: str | None
    perceptual: PerceptualHash | None
    deleted: bool  # known from a tombstone: the item itself is gone


@dataclass
class Targets:
    by_size: dict[int, list[Target]] = field(default_factory=lambda: defaultdict(list))
    photos: list[Target] = field(default_factory=list)  # those with a perceptual hash
    by_item: dict[str, Target] = field(default_factory=dict)

    def add(self, target: Target) -> None:
        self.by_item[target.item_id] = target
        if target.fingerprint is not None:
            self.by_size[target.size].append(target)
        if target.perceptual is not None:
            self.photos.append(target)

    def exact(self, size: int, fingerprint: str) -> Target | None:
        """The target with this size and fingerprint; a live item before a deleted one."""
        matches = [t for t in self.by_size.get(size, ()) if t.fingerprint == fingerprint]
        return min(matches, key=lambda t: t.deleted, default=None)

    def likely(self, found: PerceptualHash) -> tuple[Target, float] | None:
        """The most similar photo, if any is similar enough to be a likely copy."""
        best: tuple[Target, float] | None = None
        for target in self.photos:
            assert target.perceptual is not None
            similarity = target.perceptual.similarity(found)
            if similarity is not None and (best is None or similarity > best[1]):
                best = (target, similarity)
        return best


def load_targets(vault: Vault) -> Targets:
    targets = Targets()
    for item in catalog.list_items(vault):
        targets.add(
            Target(
                item_id=item.id,
                case_id=item.case_id,
                kind=item.kind,
                size=item.size,
                fingerprint=item.fingerprint,
                perceptual=PerceptualHash.from_json(item.perceptual),
                deleted=False,
            )
        )
    for tombstone in tombstones.all_tombstones(vault):
        for entry in tombstone.items:
            targets.add(
                Target(
                    item_id=entry.item_id,
                    case_id=tombstone.case_id,
                    kind=entry.kind,
                    size=entry.size,
                    fingerprint=entry.fingerprint,
                    perceptual=PerceptualHash.from_json(entry.perceptual),
                    deleted=True,
                )
            )
    return targets
