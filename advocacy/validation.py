"""What a supporter's details must look like, wherever they arrive: the web forms and the JSON API.

Each rule cleans a value or raises ``InvalidField`` with the message the supporter (or the ally's
form) should show. The web forms wrap these rules as WTForms validators; the API calls them directly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from babel.support import LazyProxy
from email_validator import EmailNotValidError, validate_email

from .domain.errors import InvalidPostalCode
from .domain.postal import normalise_postal_code
from .domain.text import _l, format_count
from .mail import unsafe_reason

_URLISH = re.compile(r"(https?:|www\.|://)", re.IGNORECASE)
SUBJECT_MAX = 200


class InvalidField(ValueError):
    """A value a supporter typed cannot be used; the message says what to do instead."""


def check_name(value: str) -> str:
    if unsafe_reason(value):
        raise InvalidField(str(_l("Names can only contain letters, spaces and punctuation")))
    # Links and spreadsheet formulas in a name are spam or CSV injection, never a real signature.
    if _URLISH.search(value) or value[:1] in {"=", "+", "-", "@"}:
        raise InvalidField(str(_l("Enter your name as you would sign it")))
    if not any(unicodedata.category(ch).startswith("L") for ch in value):
        raise InvalidField(str(_l("Enter your name as you would sign it")))
    return value


def check_email(value: str) -> str:
    """The address in normalised form (domain lower-cased, IDNA-checked)."""
    try:
        # No SMTPUTF8 local parts: offices' mail servers and ours must be able to reply to every address.
        result = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise InvalidField(str(_l("Enter an email address like name@example.com (%(reason)s)", reason=exc))) from exc
    if unsafe_reason(result.normalized) or "=?" in result.normalized:
        raise InvalidField(str(_l("Enter an email address like name@example.com")))
    return result.normalized


def check_postal_code(value: str) -> str:
    """``A1A1A1``: upper case, no space."""
    try:
        return normalise_postal_code(value)
    except InvalidPostalCode as exc:
        raise InvalidField(str(exc)) from exc


@dataclass(frozen=True)
class TextRule:
    """One supporter field: required, at most ``max_length`` characters once trimmed, then ``check``."""

    required: LazyProxy  # the message when it is empty
    max_length: int
    too_long: LazyProxy
    check: Callable[[str], str]

    def clean(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise InvalidField(str(self.required))
        if len(value) > self.max_length:
            raise InvalidField(str(self.too_long))
        return self.check(value)


FIRST_NAME = TextRule(_l("Enter your first name"), 100, _l("Keep your first name under 100 characters"), check_name)
LAST_NAME = TextRule(_l("Enter your last name"), 100, _l("Keep your last name under 100 characters"), check_name)
EMAIL = TextRule(_l("Enter your email address"), 254, _l("That email address is too long"), check_email)
POSTAL_CODE = TextRule(_l("Enter your postal code, like K1P 5J2"), 10, _l("Enter a postal code like K1P 5J2"),
                       check_postal_code)
SUPPORTER_RULES = {"first_name": FIRST_NAME, "last_name": LAST_NAME, "email": EMAIL, "postal_code": POSTAL_CODE}


def letter_problems(subject: str, body: str, max_chars: int) -> dict[str, str]:
    """What is wrong with an edited letter, by field (``subject``, ``body``); empty when it can be sent."""
    problems = {}
    if not subject:
        problems["subject"] = str(_l("Enter a subject for your letter"))
    elif len(subject) > SUBJECT_MAX or unsafe_reason(subject):
        problems["subject"] = str(_l("Keep the subject to one line of at most %(max)s characters",
                                     max=format_count(SUBJECT_MAX)))
    if not body:
        problems["body"] = str(_l("Write your letter"))
    elif any(unicodedata.category(ch) in {"Cc", "Cs"} and ch not in "\n\r\t" for ch in body):
        # NUL and other control characters: PostgreSQL refuses NUL in text, and no office could read them.
        problems["body"] = str(_l("Your letter contains characters that cannot be sent; retype it as plain text"))
    elif len(body) > max_chars:
        problems["body"] = str(_l("Your letter is %(length)s characters long; keep it under %(max)s",
                                  length=format_count(len(body)), max=format_count(max_chars)))
    return problems
