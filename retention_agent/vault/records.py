"""What the vault hands out: plain, decrypted, immutable records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from retention_agent.policy.model import KINDS, Kind

__all__ = ["KINDS", "CaseRecord", "DeletionRequest", "ItemRecord", "Kind", "item_key_id"]


def item_key_id(item_id: str) -> str:
    """The id of an item's wrapped data key in the ``keys`` table."""
    return f"item:{item_id}"


@dataclass(frozen=True)
class CaseRecord:
    id: str
    start: dt.date
    created: dt.datetime
    policy_id: str
    policy_version: str
    policy_text: str
    alias: str | None  # None once the case has been anonymised after its last deletion
    notes: str | None = None
    damaged: bool = False  # its rows or its sealed alias failed authentication


@dataclass(frozen=True)
class ItemRecord:
    id: str
    case_id: str
    kind: Kind
    name: str
    size: int
    added: dt.datetime
    original: str | None = None
    fingerprint: str | None = None
    contacts: tuple[dict[str, Any], ...] = field(default=())
    origin: dict[str, Any] | None = None  # the export an imported item came from
    unreadable_cards: tuple[int, ...] = ()  # of a .vcf read only in part
    perceptual: dict[str, str] | None = None  # photos: see ``perceptual``
    # Its row or its sealed metadata failed authentication: the name is unknown (""),
    # and the kind, size and date shown may not be true.
    damaged: bool = False


@dataclass(frozen=True)
class DeletionRequest:
    case_id: str
    item_ids: tuple[str, ...]
    rules: tuple[str, ...]
    policy_id: str
    policy_version: str
    # Why, when it is not a policy rule: e.g. the index rows of the items were damaged.
    reason: str | None = None
