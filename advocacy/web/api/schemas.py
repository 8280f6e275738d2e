"""Request bodies of the POST endpoints, in our own shape or OSDI's (Action Network and similar tools).

These models are both the check and the published contract: openapi.py builds the document's request
schemas from them, so what the document promises is exactly what is enforced here. The supporter rules
that JSON Schema cannot say (a name needs a letter, Canada's postal letters, deliverable addresses) then
run from advocacy/validation.py, as for the web forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ...validation import EMAIL, FIRST_NAME, LAST_NAME, POSTAL_CODE, SUBJECT_MAX

# The shapes the document promises, letter for letter (Canada Post never uses D F I O Q U, and W Z never
# first), in upper or lower case, with at most one space or hyphen in the middle; H0H 0H0 fits but is refused.
POSTAL_CODE_PATTERN = ("^[ABCEGHJ-NPRSTVXYabceghj-nprstvxy][0-9][ABCEGHJ-NPRSTV-Zabceghj-nprstv-z][ -]?"
                       "[0-9][ABCEGHJ-NPRSTV-Zabceghj-nprstv-z][0-9]$")
# Only the outline of an address; validation.check_email decides whether it can receive mail.
EMAIL_OUTLINE = "^[^@]+@[^@]+[.][^@]+$"
FirstName = Annotated[str, StringConstraints(min_length=1, max_length=FIRST_NAME.max_length)]
LastName = Annotated[str, StringConstraints(min_length=1, max_length=LAST_NAME.max_length)]
Email = Annotated[str, StringConstraints(min_length=1, max_length=EMAIL.max_length, pattern=EMAIL_OUTLINE)]
PostalCode = Annotated[str, StringConstraints(max_length=POSTAL_CODE.max_length, pattern=POSTAL_CODE_PATTERN)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=80)]
Tags = Annotated[list[Tag], Field(max_length=20, description="Kept with the action as the ally's tags.")]
DistrictKey = Annotated[str, StringConstraints(max_length=200)]
LETTER_BODY_MAX = 60_000  # the request is capped at 64 KiB anyway; the campaign's own limit is checked after


class _Own(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class _Osdi(BaseModel):
    # OSDI tools send more than we use (identifiers, custom fields, triggers): accept and ignore it.
    model_config = ConfigDict(strict=True, extra="ignore")


class SignatureBody(_Own):
    """A supporter, in our own field names."""

    first_name: FirstName
    last_name: LastName
    email: Email
    postal_code: PostalCode
    opt_in: bool = Field(False, description="The supporter agreed to the ally's own opt-in wording.")
    source: Annotated[str, StringConstraints(max_length=80)] = Field("", description="The ally's label for "
                                                                     "where the action came from.")
    lang: Literal["en", "fr"] = "en"
    add_tags: Tags = []


class Districts(_Own):
    """District keys (from GET /representatives) chosen by the supporter, by level; empty means "work it out"."""

    federal: DistrictKey = ""
    provincial: DistrictKey = ""
    municipal: DistrictKey = ""


class LetterBody(SignatureBody):
    subject: Annotated[str, StringConstraints(max_length=SUBJECT_MAX)] = Field(
        "", description="Only for campaigns whose letters supporters may edit; give subject and body together.")
    body: Annotated[str, StringConstraints(max_length=LETTER_BODY_MAX)] = ""
    districts: Districts = Field(default_factory=Districts)


class OsdiEmailAddress(_Osdi):
    address: Email
    primary: bool = False
    status: Annotated[str, StringConstraints(max_length=40)] = Field(
        "", description='"subscribed" records the supporter\'s agreement to the ally\'s opt-in wording.')


class OsdiPostalAddress(_Osdi):
    postal_code: PostalCode
    primary: bool = False


class OsdiPerson(_Osdi):
    given_name: FirstName
    family_name: LastName
    email_addresses: Annotated[list[OsdiEmailAddress], Field(min_length=1, max_length=5)]
    postal_addresses: Annotated[list[OsdiPostalAddress], Field(min_length=1, max_length=5)]


class OsdiBody(_Osdi):
    """An OSDI record-signature / outreach helper body, as Action Network-style tools post it."""

    person: OsdiPerson
    add_tags: Tags = []


@dataclass(frozen=True)
class Submission:
    """Either shape, reduced to what the services need (values not yet checked by validation.py)."""

    fields: dict[str, str]  # first_name, last_name, email, postal_code
    opt_in: bool
    source: str = ""
    lang: str = "en"
    tags: list[str] = field(default_factory=list)
    subject: str = ""
    body: str = ""
    districts: dict[str, str] = field(default_factory=dict)


def _primary(items: list[Any]) -> Any:
    return next((item for item in items if item.primary), items[0])


def read_submission(data: object, *, letter: bool) -> Submission:
    """Parse a request body; raises pydantic's ``ValidationError`` when it breaks the published schema."""
    if isinstance(data, dict) and "person" in data:  # the two shapes are told apart by this key alone
        osdi = OsdiBody.model_validate(data)
        person, email = osdi.person, _primary(osdi.person.email_addresses)
        return Submission({"first_name": person.given_name, "last_name": person.family_name,
                           "email": email.address, "postal_code": _primary(person.postal_addresses).postal_code},
                          opt_in=email.status == "subscribed", tags=list(osdi.add_tags))
    own = (LetterBody if letter else SignatureBody).model_validate(data)
    extra = {}
    if isinstance(own, LetterBody):
        extra = {"subject": own.subject, "body": own.body,
                 "districts": {level: key for level, key in own.districts.model_dump().items() if key.strip()}}
    return Submission({"first_name": own.first_name, "last_name": own.last_name, "email": own.email,
                       "postal_code": own.postal_code}, opt_in=own.opt_in, source=own.source, lang=own.lang,
                      tags=list(own.add_tags), **extra)


def schema_problems(error: ValidationError) -> dict[str, str]:
    """pydantic's errors as ``{"person.email_addresses.0.address": "String should have ..."}``."""
    return {".".join(str(part) for part in problem["loc"]) or "body": problem["msg"] for problem in error.errors()}

