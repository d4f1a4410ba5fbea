"""Who a conversation or mail is with: the case's phone numbers and e-mail addresses,
compared the way people write them.

Phone numbers are compared in E.164 form under Danish numbering (libphonenumber):
``+45 12 34 56 78``, ``0045 12345678``, ``tel:+45-12-34-56-78`` and ``12345678`` are one
number, while ``+46 70 123 45 67`` stays Swedish. Text that is no phone number (a
sender name like "Netto") matches nothing. E-mail addresses are compared without case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import phonenumbers

DEFAULT_REGION: Final = "DK"
_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=4096)
def phone_key(number: str) -> str | None:
    """One spelling per phone number, or ``None`` for text with no digits."""
    if not _DIGIT.search(number):
        return None
    try:
        parsed = phonenumbers.parse(number, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        # Short codes and oddities: compare their digits (and a leading plus) as written.
        plus = "+" if number.lstrip().startswith("+") else ""
        return plus + "".join(_DIGIT.findall(number))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def email_key(address: str) -> str | None:
    """An address without case, surrounding space or a ``mailto:``; ``None`` if it is
    not an address."""
    key = re.sub(r"^mailto:", "", address.strip(), flags=re.IGNORECASE).casefold()
    return key if "@" in key else None


@dataclass(frozen=True)
class Addresses:
    """The phone numbers and e-mail addresses of a case's contacts, in compared form."""

    phones: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()

    @classmethod
    def of(cls, phones: Iterable[str] = (), emails: Iterable[str] = ()) -> Addresses:
        return cls(
            phones=frozenset(k for k in map(phone_key, phones) if k),
            emails=frozenset(k for k in map(email_key, emails) if k),
        )

    def has_phone(self, number: str) -> bool:
        key = phone_key(number)
        return key is not None and key in self.phones

    def has_email(self, address: str) -> bool:
        key = email_key(address)
        return key is not None and key in self.emails

    def __bool__(self) -> bool:
        return bool(self.phones or self.emails)
