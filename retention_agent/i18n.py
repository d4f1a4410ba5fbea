"""Danish and English for everything a person reads.

Messages are marked with ``_()`` (translate now) or ``N_()`` (mark for extraction,
translate later, e.g. class attributes). The msgids are English; both catalogs live as
``.po`` files in ``locale/`` and are compiled in memory by Babel on first use, so there
is no generated binary to keep in sync with its source.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import locale
import os
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from struct import error as struct_error
from typing import Literal

Language = Literal["da", "en"]
LANGUAGES: tuple[Language, ...] = ("da", "en")
DOMAIN = "retention"

# Babel locale used for each language's date formats ("27. november 2026").
_BABEL_LOCALE: dict[Language, str] = {"da": "da_DK", "en": "en_GB"}

_language: Language | None = None


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet."""
    return message


def ngettext_noop(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural pair for extraction without translating it."""
    return singular, plural


def detect_language() -> Language:
    """Danish under a Danish locale, English otherwise."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var)
        if value:
            return "da" if value.lower().startswith("da") else "en"
    system = locale.getlocale()[0] or ""
    return "da" if system.lower().startswith("da") else "en"


def set_language(language: Language | None) -> None:
    """Use ``language`` from now on; ``None`` means detect it from the locale."""
    global _language
    _language = language


def current_language() -> Language:
    return _language or detect_language()


@cache
def translations(language: Language) -> gettext.NullTranslations:
    po = resources.files("retention_agent") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    cache_file = _compiled_cache(po, language)
    if cache_file is not None:
        try:
            return gettext.GNUTranslations(io.BytesIO(cache_file.read_bytes()))
        except (OSError, ValueError, IndexError, struct_error):
            pass  # not there yet, or damaged: compile it again
    compiled = _compile(po, language)
    if cache_file is not None:
        _store(cache_file, compiled)
    return gettext.GNUTranslations(io.BytesIO(compiled))


def _compile(po: Traversable, language: Language) -> bytes:
    """The ``.po`` catalog as ``.mo`` bytes (Babel's parser: the slow part of start-up)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    return compiled.getvalue()


def _compiled_cache(po: Traversable, language: Language) -> Path | None:
    """Where the compiled catalog of this very ``.po`` file is cached: the user's cache
    folder, named after the file's size and modification time, so an edited or upgraded
    catalog is never read stale. None where the catalog is not a plain file."""
    if not isinstance(po, Path):
        return None
    try:
        info = po.stat()
    except OSError:
        return None
    from platformdirs import user_cache_path

    name = f"{DOMAIN}-{language}-{info.st_size}-{info.st_mtime_ns}.mo"
    return user_cache_path("retention-agent", appauthor=False) / "catalogs" / name


def _store(target: Path, compiled: bytes) -> None:
    """Best effort: a cache that cannot be written only costs the next start some time."""
    import contextlib
    import tempfile

    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        for stale in target.parent.glob(f"{target.name.rsplit('-', 2)[0]}-*.mo"):
            stale.unlink()
        fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(compiled)
        os.replace(temporary, target)


def _(message: str) -> str:
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


def format_date(value: dt.date, style: Literal["long", "short"] = "long") -> str:
    """A date the way the reader's language writes it: ``27. november 2026``."""
    from retention_agent import datefmt

    if isinstance(value, dt.datetime):
        value = value.date()
    return datefmt.format_date(value, style, _BABEL_LOCALE[current_language()])


def format_size(size: int) -> str:
    """A byte count for people, in the decimal units file managers show: ``566 byte`` and
    ``1,2 MB`` in Danish, ``566 bytes`` and ``1.2 MB`` in English."""
    from babel.units import format_unit

    if size < 1000:
        return ngettext("{n} byte", "{n} bytes", size).format(n=size)
    units = ("kilobyte", "megabyte", "gigabyte", "terabyte")
    value, step = size / 1000, 0
    while round(value, 1) >= 1000 and step < len(units) - 1:  # "1 MB", not "1.000 kB"
        value, step = value / 1000, step + 1
    return format_unit(
        value,
        f"digital-{units[step]}",
        length="short",
        format="#,##0.#",
        locale=_BABEL_LOCALE[current_language()],
    )


# click's own texts (usage errors, help headings) that a person may see. click looks them
# up through the stdlib's global gettext, which knows nothing of our in-memory catalogs,
# so its modules' ``_``/``ngettext`` are pointed at ours.
CLICK_MESSAGES = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Show this message and exit."),
    N_("required"),
    N_("Missing option"),
    N_("Missing argument"),
    N_("Missing parameter: {param_name}"),
    N_("Missing command."),
    N_("No such command {name!r}."),
    N_("No such option {name!r}."),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("Option {name!r} does not take a value."),
    N_("Aborted!"),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("default: {default}"),
    N_("Repeat for confirmation"),
    N_("Error: The two entered values do not match."),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("file"),
    N_("directory"),
    N_("path"),
)
CLICK_PLURALS = (
    ngettext_noop("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
    ngettext_noop(
        "Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"
    ),
    ngettext_noop(
        "Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."
    ),
    ngettext_noop("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
)


def translate_click() -> None:
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.termui
    import click.types

    for module in (
        click.core,
        click.decorators,
        click.exceptions,
        click.formatting,
        click.parser,
        click.termui,
        click.types,
    ):
        if hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
