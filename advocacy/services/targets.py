"""Turn a campaign's target rules and a postal code into the offices a letter goes to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from ..catalog.schema import Campaign, OfficialTarget, RepresentativeTarget
from ..domain.errors import UnknownPostalArea
from ..domain.postal import format_postal_code, postal_area
from ..domain.text import _l
from ..domain.types import ELECTED_LEVELS, Candidate, Confidence, Level, Lookup, Match, Recipient
from ..providers import RepresentativeProvider
from .lookup import chosen_candidate

# Who represents a supporter at each level, as the pages name them (translated when shown).
LEVEL_NAMES = {"federal": _l("MP"), "provincial": _l("MPP"), "municipal": _l("city councillor")}


@dataclass(frozen=True)
class Resolution:
    recipients: list[Recipient]
    lookup: Lookup | None
    problems: list[str] = field(default_factory=list)  # levels or offices with nobody to write to

    @property
    def district(self) -> str:
        """The supporter's riding as best we know it (provincial first), for records and counts."""
        for level in (Level.PROVINCIAL, Level.FEDERAL, Level.MUNICIPAL):
            candidates = self.lookup.choices(level) if self.lookup else []
            if candidates:
                return candidates[0].district.name
            reps = self.lookup.at(level) if self.lookup else []
            if reps:
                return reps[0].district
        return ""

    @property
    def ambiguous_levels(self) -> list[Level]:
        """Levels where the postal code may be in several districts: offer the supporter the choice."""
        return [level for level in ELECTED_LEVELS if self.lookup and self.lookup.ambiguous(level)]


def find_district(session: Session, provider: RepresentativeProvider, postal_code: str) -> str:
    """The supporter's riding name for a petition signature, or "" when unknown."""
    return Resolution([], provider.lookup(session, postal_code)).district


def resolve_targets(session: Session, campaign: Campaign, postal_code: str, provider: RepresentativeProvider,
                    *, chosen: Mapping[Level, str] | None = None) -> Resolution:
    """Every recipient for this supporter; raise ``UnknownPostalArea`` if their representatives are unknown.

    Without ``chosen``, each level goes to the most likely district for the postal code. ``chosen`` maps a
    level to the district key the supporter picked ("Not your riding?"); those levels need no lookup.
    Vacant seats and levels nobody has data for are reported in ``problems``; the campaign's fixed
    offices still receive the letter.
    """
    picks = {Level(level): key for level, key in (chosen or {}).items()}
    levels = [Level(t.level) for t in campaign.targets if isinstance(t, RepresentativeTarget)]
    needs_lookup = any(level not in picks for level in levels)
    lookup = provider.lookup(session, postal_code) if needs_lookup else None
    if needs_lookup and lookup is None:
        raise UnknownPostalArea(str(_l(
            "We don't have representatives for the postal area %(area)s yet. Check %(code)s is your postal code.",
            area=postal_area(postal_code), code=format_postal_code(postal_code))))
    recipients: list[Recipient] = []
    problems: list[str] = []
    for group, target in enumerate(campaign.targets):
        if isinstance(target, RepresentativeTarget):
            level = Level(target.level)
            if level in picks:
                candidate = chosen_candidate(session, picks[level], level)
                if candidate is None:
                    problems.append(str(_l("We could not find the %(who)s's district you chose.",
                                              who=LEVEL_NAMES[target.level])))
                    continue
                candidates = [candidate]
            else:
                candidates = lookup.choices(level) if lookup else []
            recipient = _representative(candidates, target, problems)
            if recipient is not None:
                recipients.append(replace(recipient, target_group=group))
        else:
            recipient = _official(session, target, provider)
            if recipient is None:
                problems.append(str(_l("The office %(office)s is not in our directory.", office=target.office)))
            else:
                recipients.append(replace(recipient, target_group=group))
    return Resolution(_unique(recipients), lookup, problems)


def _representative(candidates: list[Candidate], target: RepresentativeTarget,
                    problems: list[str]) -> Recipient | None:
    """The most likely district's representative. A vacant ward passes to the next body (the mayor)."""
    if not candidates:
        problems.append(str(_l("We don't have your %(who)s for this area.", who=LEVEL_NAMES[target.level])))
        return None
    tried: set[str] = set()
    for candidate in candidates:
        if candidate.group in tried:
            continue  # a less likely district of the same kind: offered for choice, never written to unasked
        tried.add(candidate.group)
        if candidate.vacant:
            problems.append(str(_l("The seat for %(district)s is vacant right now.", district=candidate.district.name)))
            continue
        rep = candidate.representatives[0]
        if not rep.email:
            problems.append(str(_l("We have no email address for %(name)s, %(office)s for %(district)s.",
                                       name=rep.name, office=rep.office, district=candidate.district.name)))
            return None
        return Recipient(name=rep.name, office=rep.office, district=rep.district or candidate.district.name,
                         email=rep.email, level=rep.level, letter_key=target.letter, match=candidate.match.value,
                         source=rep.source, demo=rep.demo, confidence=candidate.confidence.value,
                         source_url=rep.source_url, fetched_at=rep.fetched_at, district_key=candidate.district.key)
    return None


def _official(session: Session, target: OfficialTarget, provider: RepresentativeProvider) -> Recipient | None:
    if target.name and target.title and target.email:
        return Recipient(name=target.name, office=target.title, district="", email=target.email,
                         level=Level.OFFICIAL, letter_key=target.letter, match=Match.CAMPAIGN.value,
                         source="campaign", confidence=Confidence.HIGH.value)
    rep = provider.official(session, target.office)
    if rep is None:
        return None
    return Recipient(name=rep.name, office=rep.office, district="", email=rep.email,
                     level=Level.OFFICIAL, letter_key=target.letter, match=Match.DIRECTORY.value, source=rep.source,
                     demo=rep.demo, confidence=Confidence.HIGH.value, source_url=rep.source_url,
                     fetched_at=rep.fetched_at, district_key=target.office)


def _unique(recipients: list[Recipient]) -> list[Recipient]:
    """One letter per inbox, even if two rules name the same person (an MPP who is also the minister)."""
    seen: set[str] = set()
    unique = []
    for recipient in recipients:
        if recipient.email.lower() not in seen:
            seen.add(recipient.email.lower())
            unique.append(recipient)
    return unique
