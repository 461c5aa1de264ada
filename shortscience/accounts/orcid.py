"""ORCID iDs: parsing and the ISO 7064 MOD 11-2 check digit. No Django imports."""

from __future__ import annotations

import re

_ORCID = re.compile(r"^(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])$")
_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "orcid.org/")


def check_digit(base: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 15 digits of an ORCID iD."""
    total = 0
    for digit in base:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def normalize_orcid(text: str) -> str:
    """'https://orcid.org/0000-0002-1825-0097' or '0000000218250097' -> '0000-0002-1825-0097'.

    Raises ValueError with a message fit for a form when the text is not a valid iD.
    """
    text = text.strip()
    for prefix in _PREFIXES:
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    m = _ORCID.match(text.upper())
    if not m:
        raise ValueError("An ORCID iD has 16 digits, like 0000-0002-1825-0097.")
    digits = "".join(m.groups())
    if check_digit(digits[:15]) != digits[15]:
        raise ValueError("This ORCID iD's check digit is wrong; please copy it again.")
    return "-".join(m.groups())
