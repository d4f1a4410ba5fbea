"""Keeps the Danish and English catalogs complete.

    python -m tools.catalog update   # add new msgids (English pre-filled, Danish empty)
    python -m tools.catalog check    # list what is missing; exit 1 if anything is

Messages come from two places: ``_()``, ``N_()`` and ``ngettext()`` calls in the code and
in the wizard's templates (Babel's Python and Jinja2 extractors), and the help texts of
the click commands (walked at run time, because click takes them from docstrings and
``help=`` arguments).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "retention_agent"
LANGUAGES = ("da", "en")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "ngettext_noop": (1, 2)}
PLACEHOLDER = re.compile(r"\{[a-z_]*(?:![rsa])?(?::[^}]*)?\}")


def po_path(language: str) -> Path:
    return PACKAGE / "locale" / language / "LC_MESSAGES" / "retention.po"


def code_messages() -> Iterator[str | tuple[str, ...]]:
    # The wizard's Jinja2 templates call the same _() and ngettext() as the code.
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    for _file, _line, message, _comments, _context in extract_from_dir(
        PACKAGE, method_map=method_map, keywords=KEYWORDS
    ):
        yield message


def help_messages() -> Iterator[str]:
    from retention_agent.cli import cli

    def walk(command: click.Command) -> Iterator[str]:
        if command.help:
            yield command.help
        for param in command.params:
            help_text = getattr(param, "help", None)
            if help_text:
                yield help_text
        if isinstance(command, click.Group):
            context = click.Context(command)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                if sub is not None:
                    yield from walk(sub)

    yield from walk(cli)


def all_messages() -> set[str | tuple[str, ...]]:
    return set(code_messages()) | set(help_messages())


def load(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def problems() -> list[str]:
    """Every message lacking a translation, or whose placeholders differ from the msgid."""
    found = []
    for language in LANGUAGES:
        catalog = load(language)
        for message in sorted(all_messages(), key=str):
            entry = catalog.get(message)
            msgid = message if isinstance(message, str) else message[0]
            if entry is None or not entry.string or not all(entry.string):
                found.append(f"{language}: untranslated: {msgid!r}")
                continue
            translations = [entry.string] if isinstance(entry.string, str) else entry.string
            ids = [message] if isinstance(message, str) else list(message)
            # Plural forms: the singular translation matches the singular msgid, every
            # other form the plural one (their placeholders may differ).
            for form, text in enumerate(translations):
                source = ids[min(form, len(ids) - 1)]
                if set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(source)):
                    found.append(f"{language}: placeholders differ: {msgid!r}")
    return found


def update() -> None:
    """Add new msgids, drop unused ones, and take translations from ``i18n-pending/``
    (where parallel work leaves ``<topic>.<language>.po`` files to merge)."""
    messages = all_messages()
    for language in LANGUAGES:
        catalog = load(language)
        for pending in sorted((ROOT / "i18n-pending").glob(f"*.{language}.po")):
            with pending.open("rb") as handle:
                for entry in read_po(handle, locale=language):
                    if entry.id and entry.string:
                        existing = catalog.get(entry.id)
                        if existing is None:
                            catalog.add(entry.id, entry.string)
                        elif not existing.string or not all(existing.string):
                            # Babel's add() keeps an existing entry's (empty) string.
                            existing.string = entry.string
        for message in messages:
            if catalog.get(message) is None:
                if language == "en":
                    catalog.add(message, message)
                else:
                    catalog.add(message, "" if isinstance(message, str) else ("", ""))
        for entry in list(catalog):
            if entry.id and entry.id not in messages:
                catalog.delete(entry.id)
        with po_path(language).open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True)


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update()
    missing = problems()
    for line in missing:
        print(line)
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
