"""Everything a person reads exists in Danish and English."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retention_agent import i18n
from retention_agent.errors import RetentionError
from tools import catalog


def test_every_message_has_both_translations() -> None:
    assert catalog.problems() == []


def test_extraction_finds_code_and_help_texts() -> None:
    messages = catalog.all_messages()
    assert "Error: {message}" in messages  # from _() in the CLI
    assert any(
        isinstance(m, str) and m.startswith("Encrypt files into the vault") for m in messages
    )
    assert "Leave the original files where they are (by default they are removed)." in messages


def _all_error_classes() -> list[type[RetentionError]]:
    found: list[type[RetentionError]] = []
    pending = [RetentionError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_error_text_is_translated(language: i18n.Language) -> None:
    i18n.set_language(language)
    for cls in _all_error_classes():
        translated = i18n.translations(language).gettext(cls.message)
        assert translated, cls
        if language == "da":
            assert translated != cls.message, f"{cls.__name__} has no Danish text"


def test_danish_is_default_under_a_danish_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "da_DK.UTF-8")
    assert i18n.current_language() == "da"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert i18n.current_language() == "en"


def test_dates_are_written_the_danish_way() -> None:
    i18n.set_language("da")
    assert i18n.format_date(dt.date(2027, 3, 1)) == "1. marts 2027"
    assert i18n.format_date(dt.date(2027, 3, 1), "short") == "01.03.2027"
    i18n.set_language("en")
    assert i18n.format_date(dt.date(2027, 3, 1)) == "1 March 2027"


def test_sizes_read_as_file_managers_show_them() -> None:
    i18n.set_language("da")
    assert [i18n.format_size(n) for n in (1, 566, 1500, 1_234_567, 999_960)] == [
        "1 byte",
        "566 byte",
        "1,5 kB",
        "1,2 MB",
        "1 MB",
    ]
    i18n.set_language("en")
    assert [i18n.format_size(n) for n in (1, 566, 1500, 3 * 10**9)] == [
        "1 byte",
        "566 bytes",
        "1.5 kB",
        "3 GB",
    ]


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
@settings(max_examples=200, deadline=None)
def test_dates_are_written_exactly_as_babel_writes_them(day: dt.date) -> None:
    """The cached patterns and month names (``datefmt``) give Babel's own result."""
    from babel.dates import format_date as babel_format_date

    from retention_agent import datefmt

    for locale in ("da_DK", "en_GB"):
        for style in ("long", "short"):
            assert datefmt.format_date(day, style, locale) == babel_format_date(
                day, style, locale=locale
            )
