"""A vault with an ended case holding photos (and a contact), ready to be exported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from retention_agent.formats.vcard import Contact
from retention_agent.lifecycle import record_end
from retention_agent.vault.adding import ingest_contact, ingest_file
from retention_agent.vault.vault import Vault
from tests.support.vaults import add_case

START = dt.date(2026, 3, 1)
ENDED = dt.date(2027, 3, 1)
TODAY = dt.date(2027, 3, 5)
NOW = dt.datetime(2027, 3, 5, 10, 0, tzinfo=dt.UTC)


def ended_case_with_photos(
    vault: Vault, inbox: Path, photos: Sequence[tuple[str, bytes]], alias: str = "Barn A"
) -> tuple[str, list[str]]:
    """(case id, photo item ids in the order added); the relationship ended on ENDED."""
    case_id = add_case(vault, alias=alias, start=START)
    inbox.mkdir(parents=True, exist_ok=True)
    added = dt.datetime.combine(START, dt.time(12), tzinfo=dt.UTC)
    items = []
    for position, (name, data) in enumerate(photos, start=1):
        folder = inbox / str(position)  # the same name may come twice
        folder.mkdir()
        source = folder / name  # any name a file can have, e.g. "..\\..\\x.jpg"
        source.write_bytes(data)
        ingested = ingest_file(
            vault,
            case_id=case_id,
            kind="photo",
            source=source,
            now=added,
            keep_original=False,
            duplicates="allow",  # several tests add the same crafted photo more than once
        )
        items.append(ingested.item_id)
    ingest_contact(
        vault,
        case_id=case_id,
        contact=Contact(name="Forælder 1", phone="+45 00 00 00 01", relation="parent"),
        now=added,
    )
    record_end(vault, case_id, ENDED, ENDED, "child-family")
    return case_id, items
