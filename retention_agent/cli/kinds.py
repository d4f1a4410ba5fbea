"""The ``--kind`` value wherever a kind is typed: the English values the vault stores, or
the words a Danish family uses (``matchpapir``, ``kontakt``, ``beskeder``, ``billede``…)."""

from __future__ import annotations

from typing import Any

import click

from retention_agent.i18n import _, current_language
from retention_agent.policy.model import KINDS, Kind

# Every word typed for a kind, lower case. The first Danish word of each is the one help
# texts show under --lang da.
_DANISH: dict[Kind, tuple[str, ...]] = {
    "match_paper": ("matchpapir", "matchpapiret", "matchpapirer"),
    "contact": ("kontakt", "kontakter", "kontaktoplysninger", "kontaktoplysning"),
    "message": ("besked", "beskeder"),
    "photo": ("billede", "billeder", "foto", "fotos", "fotoer"),
}
_ENGLISH: dict[Kind, tuple[str, ...]] = {
    "match_paper": ("match_paper", "match-paper", "matchpaper"),
    "contact": ("contact", "contacts"),
    "message": ("message", "messages"),
    "photo": ("photo", "photos"),
}
WORDS: dict[str, Kind] = {
    word: kind for table in (_ENGLISH, _DANISH) for kind in KINDS for word in table[kind]
}


def shown_words() -> tuple[str, ...]:
    """One word per kind, in the reader's language, for help texts and errors."""
    table = _DANISH if current_language() == "da" else _ENGLISH
    return tuple(table[kind][0] for kind in KINDS)


# ParamType became generic in recent click; subscripting it would break older releases.
class KindType(click.ParamType):  # type: ignore[type-arg]
    name = "kind"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return f"[{'|'.join(shown_words())}]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Kind:
        kind = WORDS.get(str(value).strip().lower())
        if kind is None:
            self.fail(
                _("'{value}' is not a kind of item; use one of: {kinds}.").format(
                    value=value, kinds=", ".join(shown_words())
                ),
                param,
                ctx,
            )
        return kind


KIND = KindType()
