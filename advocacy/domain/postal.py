"""Canadian postal codes: normalise, validate, and say why a code is wrong."""

from __future__ import annotations

import re

from .errors import InvalidPostalCode
from .text import _l

# Canada Post never uses D F I O Q U; W and Z never start a code.
_FIRST = "ABCEGHJKLMNPRSTVXY"
_OTHER = "ABCEGHJKLMNPRSTVWXYZ"
_PATTERN = re.compile(rf"^[{_FIRST}]\d[{_OTHER}]\d[{_OTHER}]\d$")
_SPACES = re.compile(r"[\s\-]+")


def normalise_postal_code(raw: str) -> str:
    """Return the code as ``A1A1A1`` (upper case, no space) or raise ``InvalidPostalCode``."""
    code = _SPACES.sub("", (raw or "").upper())
    if not code:
        raise InvalidPostalCode(_l("Enter your postal code, like K1P 5J2"))
    if len(code) != 6:
        raise InvalidPostalCode(_l("A postal code has 6 characters, like K1P 5J2"))
    if _PATTERN.match(code):
        if code == "H0H0H0":
            raise InvalidPostalCode(_l("H0H 0H0 is Santa's postal code: enter your own"))
        return code
    for position, char in enumerate(code):
        wants_letter = position % 2 == 0
        if wants_letter and not char.isalpha():
            raise InvalidPostalCode(_l("Character %(position)s of a postal code must be a letter, like K1P 5J2",
                                       position=position + 1))
        if not wants_letter and not char.isdigit():
            raise InvalidPostalCode(_l("Character %(position)s of a postal code must be a digit, like K1P 5J2",
                                       position=position + 1))
        if wants_letter and char not in (_FIRST if position == 0 else _OTHER):
            raise InvalidPostalCode(_l("Canadian postal codes never use the letter %(letter)s there", letter=char))
    raise InvalidPostalCode(_l("Enter a postal code like K1P 5J2"))  # pragma: no cover - unreachable


def format_postal_code(code: str) -> str:
    """``K1P5J2`` -> ``K1P 5J2`` for display."""
    return f"{code[:3]} {code[3:]}" if len(code) == 6 else code


def postal_area(code: str) -> str:
    """The forward sortation area: the first three characters."""
    return code[:3]
