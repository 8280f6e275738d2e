"""The campaign schema (one TOML file per campaign); see campaigns/README.md for the prose version."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from .templating import DEFAULT_GREETING, check_letter_template

CAMPAIGN_TZ = ZoneInfo("America/Toronto")
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
Phase = Literal["draft", "upcoming", "open", "paused", "closed"]
Problem = tuple[tuple[str | int, ...], str]  # (field path, what is wrong)


class CampaignRuleError(ValueError):
    """Rules that span several fields, each reported at its own field path (see loader._describe)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {message}" for loc, message in problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CampaignText(_Strict):
    """The public texts of a campaign in one language. ``body`` is Markdown, sanitised when shown."""

    title: Line
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    thank_you: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    share_text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=280)]
    consent: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class Texts(_Strict):
    en: CampaignText
    fr: CampaignText | None = None


class LetterText(_Strict):
    """One language of a letter version. Each field is a sandboxed template (see templating.py)."""

    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    greeting: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = (
        DEFAULT_GREETING
    )
    body: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]

    @field_validator("subject", "greeting", "body")
    @classmethod
    def _template_compiles(cls, value: str) -> str:
        check_letter_template(value)
        return value


class LetterVersion(_Strict):
    en: LetterText
    fr: LetterText | None = None


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class DeliveryPolicy(_Strict):
    """How letters reach the offices of one target group.

    ``individual``: each letter is its own email, at most ``per_hour`` per office per hour (the rest wait).
    ``digest``: one email per office per ``period`` listing every letter (name and postal code of each writer).
    ``threshold``: one delivery when ``first`` letters have arrived for an office, then one every ``every`` more.
    ``hours``/``days``: office hours in ``timezone``; nothing is sent outside them.
    """

    mode: Literal["individual", "digest", "threshold"] = "individual"
    per_hour: Annotated[int, Field(strict=True, ge=1, le=1000)] = 10
    period: Literal["hour", "day"] = "day"
    first: Annotated[int, Field(strict=True, ge=1, le=1_000_000)] = 100
    every: Annotated[int, Field(strict=True, ge=1, le=1_000_000)] = 100
    hours: Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")] | None = None
    days: tuple[Weekday, ...] = WEEKDAYS  # type: ignore[assignment]
    timezone: str = "America/Toronto"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {value!r} (use a name like America/Toronto)") from exc
        return value


class RepresentativeTarget(_Strict):
    """Whoever represents the supporter at a level, found from their postal code."""

    type: Literal["representative"]
    level: Literal["federal", "provincial", "municipal"]
    letter: str = "default"
    delivery: DeliveryPolicy = DeliveryPolicy()


class OfficialTarget(_Strict):
    """A named office (the Premier, a minister). Without name/title/email it is looked up in the directory."""

    type: Literal["official"]
    office: Slug
    name: Line | None = None
    title: Line | None = None
    email: Email | None = None
    letter: str = "default"
    delivery: DeliveryPolicy = DeliveryPolicy()

    @model_validator(mode="after")
    def _all_or_none(self) -> OfficialTarget:
        missing = [field for field in ("name", "title", "email") if getattr(self, field) is None]
        if missing and len(missing) < 3:
            raise ValueError(f"{' and '.join(missing)} missing: give name, title and email together, "
                             f"or none of them to look the office up in the directory")
        return self


Target = Annotated[RepresentativeTarget | OfficialTarget, Field(discriminator="type")]


class PetitionDelivery(_Strict):
    """When a petition's targets receive it: at signature milestones, on a schedule, and/or at close."""

    milestones: tuple[Annotated[int, Field(strict=True, ge=1)], ...] = ()
    schedule: Literal["none", "weekly", "monthly"] = "none"
    at_close: Annotated[bool, Field(strict=True)] = True


def _origin(value: str) -> str:
    """An exact web origin (scheme, host and port, nothing else), as browsers send it in the Origin header."""
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError as exc:
        raise ValueError(f"{value!r} has an impossible port") from exc
    if parts.scheme not in {"https", "http"} or not parts.hostname or value != f"{parts.scheme}://{parts.netloc}" \
            or parts.username or parts.password or value != value.lower():
        raise ValueError(f"{value!r} is not an origin: write the scheme and host only, in lower case, with no path "
                         f"or trailing slash, like 'https://ally.example.org'")
    return value


Origin = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_origin)]


class Embed(_Strict):
    """Where the campaign's widget may be embedded: the web pages (origins) allowed to show and post its form."""

    allowed_origins: Annotated[tuple[Origin, ...], Field(max_length=100)] = ()


class Campaign(_Strict):
    """One campaign file, validated: every rule that spans fields is checked in ``_consistent``."""

    slug: Slug
    kind: Literal["petition", "letter"]
    status: Literal["draft", "live", "paused", "closed"] = "draft"
    visibility: Literal["public", "private"] = "public"
    opens: date | None = None
    closes: date | None = None
    # Strict: a goal or a flag written as a string ("5000", "yes") is a mistake worth reporting, not guessing.
    goal: Annotated[int, Field(strict=True, ge=1, le=100_000_000)]
    editable: Annotated[bool, Field(strict=True)] = False
    # required: nothing counts or is sent until the emailed link is used; optional: counts at once, and the
    # link marks the address verified; off: no confirmation email. Default: required for letters, optional
    # for petitions.
    confirm: Literal["required", "optional", "off"] | None = None
    petition: PetitionDelivery = PetitionDelivery()
    embed: Embed = Embed()
    text: Texts
    targets: tuple[Target, ...] = ()
    letters: dict[Slug, LetterVersion] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        problems = [*self._date_problems(), *self._target_problems(), *self._letter_problems()]
        if problems:
            raise CampaignRuleError(problems)
        return self

    def _date_problems(self) -> Iterator[Problem]:
        if self.opens and self.closes and self.closes < self.opens:
            yield ("closes",), f"{self.closes} is before opens ({self.opens})"

    def _target_problems(self) -> Iterator[Problem]:
        first: dict[str, int] = {}
        for index, target in enumerate(self.targets):
            key = f"{target.type}:{target.level if isinstance(target, RepresentativeTarget) else target.office}"
            if key in first:
                yield ("targets", index), f"repeats targets.{first[key]}"
            first.setdefault(key, index)
        if self.kind == "letter" and not self.targets:
            yield ("targets",), "a letter campaign needs at least one [[targets]] entry"

    def _letter_problems(self) -> Iterator[Problem]:
        if self.kind == "petition":
            if self.letters:
                yield ("letters",), "a petition has no letter versions: remove [letters]"
            if self.editable:
                yield ("editable",), "applies to letter campaigns only"
            return
        if not self.letters:
            yield ("letters",), "a letter campaign needs at least one letter version, like [letters.default.en]"
            return
        for index, target in enumerate(self.targets):
            if target.letter not in self.letters:
                close = difflib.get_close_matches(target.letter, list(self.letters), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else f" (have: {', '.join(sorted(self.letters))})"
                yield ("targets", index, "letter"), f"{target.letter!r} is not a letter version{hint}"
        used = {t.letter for t in self.targets}
        for key in sorted(set(self.letters) - used):
            yield ("letters", key), "this letter version is not used by any target"
        if self.editable:
            yield from self._editable_problems()

    def _editable_problems(self) -> Iterator[Problem]:
        if len(self.letters) != 1:
            yield ("editable",), "supporters can edit a letter only when the campaign has one letter version"
            return
        # The supporter edits one subject and body before we know who they are or which offices it goes to,
        # and the same text goes to every office: only the greeting is filled in per office.
        for key, version in self.letters.items():
            for lang, text in (("en", version.en), ("fr", version.fr)):
                for field, source in (("subject", text.subject), ("body", text.body)) if text else ():
                    personal = sorted(p for p in check_letter_template(source) if not p.startswith("campaign."))
                    if personal:
                        yield (("letters", key, lang, field),
                               f"an editable letter cannot use {{{{ {personal[0]} }}}} here (supporters edit one "
                               f"text before their offices are known): put target placeholders in the greeting")

    # -- derived facts -------------------------------------------------
    @property
    def listed(self) -> bool:
        return self.visibility == "public"

    @property
    def title(self) -> str:
        return self.text.en.title

    def phase(self, now: datetime) -> Phase:
        """Where the campaign stands at ``now``: its status, with a live campaign's dates read in Toronto.

        ``opens`` and ``closes`` are whole days, both included: a campaign closing on 31 March takes
        actions until midnight at the end of 31 March, Toronto time.
        """
        if self.status != "live":
            return self.status
        today = now.astimezone(CAMPAIGN_TZ).date()
        if self.opens and today < self.opens:
            return "upcoming"
        if self.closes and today > self.closes:
            return "closed"
        return "open"

    @property
    def confirm_mode(self) -> str:
        return self.confirm or ("required" if self.kind == "letter" else "optional")

    def is_open(self, now: datetime) -> bool:
        """Live, and today (in Toronto) is within the campaign's dates."""
        return self.phase(now) == "open"

    def texts(self, lang: str = "en") -> CampaignText:
        return (self.text.fr if lang == "fr" else None) or self.text.en

    def levels(self) -> list[str]:
        return [t.level for t in self.targets if isinstance(t, RepresentativeTarget)]
