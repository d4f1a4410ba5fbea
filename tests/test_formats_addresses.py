"""Phone numbers compared the way people write them; e-mail addresses without case."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retention_agent.formats.addresses import Addresses, email_key, phone_key


@pytest.mark.parametrize(
    "written",
    [
        "+45 12 34 56 78",
        "12345678",
        "12 34 56 78",
        "0045 12345678",
        "tel:+45-12-34-56-78",
        "+45 (12) 34 56 78",
        " +4512345678 ",
    ],
)
def test_one_danish_number_however_written(written: str) -> None:
    assert phone_key(written) == "+4512345678"


def test_a_foreign_number_stays_foreign() -> None:
    assert phone_key("+46 70 123 45 67") != phone_key("70 12 34 56")
    assert phone_key("+46 70 123 45 67") == phone_key("0046701234567")


@pytest.mark.parametrize("text", ["Netto", "", "   ", "(Unknown)", "null"])
def test_text_without_digits_is_no_number(text: str) -> None:
    assert phone_key(text) is None
    assert not Addresses.of(phones=["12345678"]).has_phone(text)


def test_short_codes_compare_by_their_digits() -> None:
    assert phone_key("1234") == phone_key("1 2 3 4")


def test_addresses_match_without_case_or_mailto() -> None:
    case = Addresses.of(emails=["Forælder.B@Example.org", "not an address"])
    assert case.emails == frozenset({"forælder.b@example.org"})
    assert case.has_email("mailto:FORÆLDER.B@example.ORG")
    assert not case.has_email("forælder.c@example.org")
    assert email_key("ingen snabel-a") is None


def test_no_addresses_is_false() -> None:
    assert not Addresses()
    assert Addresses.of(phones=["12345678"])


@settings(max_examples=200)
@given(
    st.integers(20_000_000, 99_999_999),
    st.sampled_from(["", "+45", "+45 ", "0045", "0045 ", "tel:+45-"]),
    st.lists(st.sampled_from(["", " ", "-"]), min_size=7, max_size=7),
)
def test_any_spelling_of_a_danish_number_has_one_key(
    number: int, prefix: str, separators: list[str]
) -> None:
    digits = str(number)
    written = (
        prefix + digits[0] + "".join(s + d for s, d in zip(separators, digits[1:], strict=True))
    )
    assert phone_key(written) == f"+45{digits}"


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_any_text_gives_a_key_or_none(text: str) -> None:
    key = phone_key(text)
    assert key is None or isinstance(key, str)
    assert email_key(text) is None or "@" in text
