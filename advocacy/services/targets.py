"""Turn a campaign's target rules and a postal code into the offices a letter goes to."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..catalog.schema import Campaign, OfficialTarget, RepresentativeTarget
from ..domain.errors import UnknownPostalArea
from ..domain.postal import format_postal_code, postal_area
from ..domain.types import Level, Lookup, Recipient
from ..providers import RepresentativeProvider

LEVEL_NAMES = {"federal": "MP", "provincial": "MPP", "municipal": "city councillor"}


@dataclass(frozen=True)
class Resolution:
    recipients: list[Recipient]
    lookup: Lookup | None
    problems: list[str] = field(default_factory=list)  # levels or offices with nobody to write to

    @property
    def district(self) -> str:
        """The supporter's riding as best we know it (provincial first), for records and counts."""
        for level in (Level.PROVINCIAL, Level.FEDERAL, Level.MUNICIPAL):
            reps = self.lookup.at(level) if self.lookup else []
            if reps:
                return reps[0].district
        return ""


def find_district(session: Session, provider: RepresentativeProvider, postal_code: str) -> str:
    """The supporter's riding name for a petition signature, or "" when unknown."""
    return Resolution([], provider.lookup(session, postal_code)).district


def resolve_targets(session: Session, campaign: Campaign, postal_code: str,
                    provider: RepresentativeProvider) -> Resolution:
    """Every recipient for this supporter; raise ``UnknownPostalArea`` if their representatives are unknown."""
    needs_lookup = any(isinstance(t, RepresentativeTarget) for t in campaign.targets)
    lookup = provider.lookup(session, postal_code) if needs_lookup else None
    if needs_lookup and lookup is None:
        raise UnknownPostalArea(
            f"We don't have representatives for the postal area {postal_area(postal_code)} yet. "
            f"Check {format_postal_code(postal_code)} is your postal code."
        )
    recipients: list[Recipient] = []
    problems: list[str] = []
    for target in campaign.targets:
        if isinstance(target, RepresentativeTarget):
            assert lookup is not None
            found = lookup.at(Level(target.level))
            if not found:
                problems.append(f"We could not find your {LEVEL_NAMES[target.level]}.")
                continue
            rep = found[0]  # the most likely district; several candidates are offered for choice elsewhere
            recipients.append(Recipient(name=rep.name, office=rep.office, district=rep.district, email=rep.email,
                                        level=rep.level, letter_key=target.letter, match=lookup.match,
                                        source=rep.source, demo=rep.demo))
        else:
            recipient = _official(session, target, provider)
            if recipient is None:
                problems.append(f"The office {target.office} is not in our directory.")
            else:
                recipients.append(recipient)
    return Resolution(_unique(recipients), lookup, problems)


def _official(session: Session, target: OfficialTarget, provider: RepresentativeProvider) -> Recipient | None:
    if target.name and target.title and target.email:
        return Recipient(name=target.name, office=target.title, district="", email=target.email,
                         level=Level.OFFICIAL, letter_key=target.letter, match="campaign", source="campaign")
    rep = provider.official(session, target.office)
    if rep is None:
        return None
    return Recipient(name=rep.name, office=rep.office, district=rep.district, email=rep.email,
                     level=Level.OFFICIAL, letter_key=target.letter, match="directory", source=rep.source,
                     demo=rep.demo)


def _unique(recipients: list[Recipient]) -> list[Recipient]:
    """One letter per inbox, even if two rules name the same person (an MPP who is also the minister)."""
    seen: set[str] = set()
    unique = []
    for recipient in recipients:
        if recipient.email.lower() not in seen:
            seen.add(recipient.email.lower())
            unique.append(recipient)
    return unique
