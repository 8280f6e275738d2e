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


@dataclass(frozen=True)
class Lookup:
    """What providers found for one postal code, grouped by level."""

    postal_code: str
    representatives: dict[Level, list[Representative]] = field(default_factory=dict)
    match: str = "none"  # "postal code", "postal area", ...
    city: str = ""

    def at(self, level: Level) -> list[Representative]:
        return self.representatives.get(level, [])


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


@dataclass(frozen=True)
class RenderedLetter:
    recipient: Recipient
    subject: str
    body: str


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
