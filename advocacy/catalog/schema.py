"""The campaign schema (one TOML file per campaign); see campaigns/README.md for the prose version."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from .templating import DEFAULT_GREETING, check_letter_template

CAMPAIGN_TZ = ZoneInfo("America/Toronto")
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]


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


class RepresentativeTarget(_Strict):
    """Whoever represents the supporter at a level, found from their postal code."""

    type: Literal["representative"]
    level: Literal["federal", "provincial", "municipal"]
    letter: str = "default"


class OfficialTarget(_Strict):
    """A named office (the Premier, a minister). Without name/title/email it is looked up in the directory."""

    type: Literal["official"]
    office: Slug
    name: Line | None = None
    title: Line | None = None
    email: Email | None = None
    letter: str = "default"

    @model_validator(mode="after")
    def _all_or_none(self) -> OfficialTarget:
        given = [self.name is not None, self.title is not None, self.email is not None]
        if any(given) and not all(given):
            raise ValueError("give name, title and email together, or none of them to use the directory")
        return self


Target = Annotated[RepresentativeTarget | OfficialTarget, Field(discriminator="type")]


class Campaign(_Strict):
    slug: Slug
    kind: Literal["petition", "letter"]
    status: Literal["draft", "live", "paused", "closed"] = "draft"
    visibility: Literal["public", "private"] = "public"
    opens: date | None = None
    closes: date | None = None
    goal: Annotated[int, Field(ge=1, le=100_000_000)]
    editable: bool = False
    text: Texts
    targets: tuple[Target, ...] = ()
    letters: dict[Slug, LetterVersion] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        if self.opens and self.closes and self.closes < self.opens:
            raise ValueError("closes must not be before opens")
        if self.kind == "petition":
            if self.letters:
                raise ValueError("a petition has no letter versions: remove [letters]")
            if self.editable:
                raise ValueError("editable applies to letters only")
            return self
        if not self.targets:
            raise ValueError("a letter campaign needs at least one target")
        if not self.letters:
            raise ValueError("a letter campaign needs at least one letter version under [letters]")
        used = {t.letter for t in self.targets}
        for target in self.targets:
            if target.letter not in self.letters:
                raise ValueError(f"target letter {target.letter!r} is not a letter version "
                                 f"(have: {', '.join(sorted(self.letters))})")
        unused = sorted(set(self.letters) - used)
        if unused:
            raise ValueError(f"letter version {unused[0]!r} is not used by any target")
        if self.editable and len(self.letters) != 1:
            raise ValueError("supporters can edit a letter only when the campaign has one letter version")
        if self.editable and any("target" in text.body for v in self.letters.values()
                                 for text in (v.en, v.fr) if text):
            raise ValueError("an editable letter body cannot name the target (each office gets the same body): "
                             "put target placeholders in the greeting or subject")
        return self

    # -- derived facts -------------------------------------------------
    @property
    def listed(self) -> bool:
        return self.visibility == "public"

    @property
    def title(self) -> str:
        return self.text.en.title

    def is_open(self, now: datetime) -> bool:
        """Live, and today (in Toronto) is within the campaign's dates."""
        if self.status != "live":
            return False
        today = now.astimezone(CAMPAIGN_TZ).date()
        return not ((self.opens and today < self.opens) or (self.closes and today > self.closes))

    def texts(self, lang: str = "en") -> CampaignText:
        return (self.text.fr if lang == "fr" else None) or self.text.en

    def levels(self) -> list[str]:
        return [t.level for t in self.targets if isinstance(t, RepresentativeTarget)]
