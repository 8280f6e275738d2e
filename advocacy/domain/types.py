"""Value types shared by services, providers and channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Level(StrEnum):
    FEDERAL = "federal"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"
    OFFICIAL = "official"


ELECTED_LEVELS = (Level.FEDERAL, Level.PROVINCIAL, Level.MUNICIPAL)


class Match(StrEnum):
    """How a supporter was matched to a district."""

    CONCORDANCE = "concordance"  # Represent: official postal-code concordance data
    CENTROID = "centroid"  # Represent: the district holding the postal code's centre point
    POSTAL_CODE = "postal code"  # local directory: the full postal code is listed
    POSTAL_AREA = "postal area"  # local directory: only the first three characters are listed
    CHOSEN = "chosen"  # chosen by the supporter from the list of districts
    DIRECTORY = "directory"  # a fixed office found in the directory
    CAMPAIGN = "campaign"  # a fixed office named in the campaign file


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class District:
    key: str  # stable id, e.g. "provincial:toronto-spadina-fort-york"
    level: Level
    name: str


@dataclass(frozen=True)
class Representative:
    name: str
    level: Level
    office: str  # "MPP", "MP", "Councillor", "Premier of Ontario", ...
    district: str
    email: str
    party: str = ""
    phone: str = ""
    postal_address: str = ""
    source: str = ""
    source_url: str = ""
    fetched_at: datetime | None = None
    demo: bool = False
    district_key: str = ""


@dataclass(frozen=True)
class Candidate:
    """A district the supporter may live in at one level, with whoever holds its seat (nobody = vacant)."""

    district: District
    match: Match
    confidence: Confidence
    representatives: tuple[Representative, ...] = ()
    share: float | None = None  # the part of the postal area in this district, when that is what we know
    source: str = ""

    @property
    def vacant(self) -> bool:
        return not self.representatives

    @property
    def group(self) -> str:
        """Candidates in one group compete (two ridings); different groups do not (a ward and the mayor's city)."""
        key = self.district.key
        return key.split("/", 1)[0] if "/" in key else self.district.level.value


@dataclass(frozen=True)
class Lookup:
    """What providers found for one postal code, grouped by level."""

    postal_code: str
    representatives: dict[Level, list[Representative]] = field(default_factory=dict)
    match: str = "none"  # "postal code", "postal area", ...
    city: str = ""
    candidates: dict[Level, list[Candidate]] = field(default_factory=dict)  # most likely first
    source: str = ""  # "represent", "directory", ...
    stale: bool = False  # the live source was unavailable and this answer is older than we would like
    fetched_at: datetime | None = None

    def at(self, level: Level) -> list[Representative]:
        return self.representatives.get(level, [])

    def choices(self, level: Level) -> list[Candidate]:
        return self.candidates.get(level, [])

    def ambiguous(self, level: Level) -> bool:
        """True when the postal code may be in more than one district of the same kind at this level."""
        groups = [c.group for c in self.choices(level)]
        return len(groups) != len(set(groups))


@dataclass(frozen=True)
class Supporter:
    first_name: str
    last_name: str
    email: str
    postal_code: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class Recipient:
    """One office that will receive a letter, with how it was found."""

    name: str
    office: str
    district: str
    email: str
    level: Level
    letter_key: str
    match: str
    source: str = ""
    demo: bool = False
    confidence: str = ""
    source_url: str = ""
    fetched_at: datetime | None = None
    district_key: str = ""
    target_group: int = 0  # which target rule of the campaign found this office (its delivery policy)


@dataclass(frozen=True)
class RenderedLetter:
    recipient: Recipient
    subject: str
    body: str


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (a petition's PDF and CSV), with the exact bytes to send."""

    filename: str
    content_type: str  # "application/pdf", "text/csv"
    data: bytes


@dataclass(frozen=True)
class OutgoingMessage:
    """Everything a channel needs to send one delivery."""

    message_id: str
    from_name: str
    from_address: str
    to_name: str
    to_address: str
    reply_to_name: str
    reply_to_address: str
    subject: str
    body: str
    return_path: str = ""
    extra_headers: tuple[tuple[str, str], ...] = ()
    attachments: tuple[Attachment, ...] = ()
