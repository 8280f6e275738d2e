"""Finding a supporter's representatives: the grouped answer, the district lists, and chosen districts.

The letter page shows ``find_representatives`` as the supporter types; "Not your riding? Choose it"
lists ``list_districts``; the supporter's pick goes to ``resolve_targets(..., chosen=...)``, which calls
``chosen_candidate``. When no source knows a postal code, ``Finding.choices`` holds the districts of its
postal area (or every district), so the supporter can always choose.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.postal import normalise_postal_code, postal_area
from ..domain.types import ELECTED_LEVELS, Candidate, Confidence, District, Level, Lookup, Match
from ..models import District as DistrictRow
from ..models import PostalDistrict, PostcodeLookup
from ..providers import RepresentativeProvider
from ..providers.directory import roster

AREA_SAMPLE = 500  # cached postal codes read to learn the districts of a postal area


@dataclass(frozen=True)
class DistrictChoice:
    """One district the supporter can pick, with who holds it ("" when vacant)."""

    key: str
    level: Level
    name: str
    group: str  # the boundary set (a city's wards, the federal ridings) or the level for local rows
    representatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    postal_code: str
    lookup: Lookup | None  # None: no source knows this postal code
    choices: dict[Level, list[DistrictChoice]] = field(default_factory=dict)
    choices_scope: str = ""  # "postal area" (districts near the code) or "all" (every district we know)


def find_representatives(session: Session, provider: RepresentativeProvider, raw_postal_code: str) -> Finding:
    """Everyone who may represent this postal code, by level; raises ``InvalidPostalCode`` with the reason."""
    code = normalise_postal_code(raw_postal_code)
    lookup = provider.lookup(session, code)
    if lookup is not None and any(lookup.choices(level) for level in ELECTED_LEVELS):
        return Finding(code, lookup)
    # Nobody at any level (unknown code, or only districts nobody sits for): let the supporter choose.
    choices = area_choices(session, code)
    if any(choices.values()):
        return Finding(code, None, choices, "postal area")
    return Finding(code, None, {level: list_districts(session, level) for level in ELECTED_LEVELS}, "all")


def _group(key: str, level: str) -> str:
    return key.split("/", 1)[0] if "/" in key else level


def _choices(session: Session, rows: list[DistrictRow]) -> list[DistrictChoice]:
    people = roster(session, [r.key for r in rows])
    return [DistrictChoice(r.key, Level(r.level), r.name, _group(r.key, r.level),
                           tuple(p.name for p in people.get(r.key, []))) for r in rows]


def list_districts(session: Session, level: Level, *, group: str | None = None) -> list[DistrictChoice]:
    """Every district at ``level`` (optionally one boundary set), by name, for the supporter to choose from.

    A riding known both from a CSV file and from Represent is listed once: the row that has people,
    and the live one when both do.
    """
    rows = list(session.scalars(select(DistrictRow).where(DistrictRow.level == Level(level).value)
                                .order_by(DistrictRow.name, DistrictRow.key)))
    if group is not None:
        rows = [r for r in rows if _group(r.key, r.level) == group]
    choices = _choices(session, rows)
    if level == Level.MUNICIPAL:
        return choices  # ward names repeat from city to city; the group tells them apart
    best: dict[str, DistrictChoice] = {}
    for choice in choices:
        name = choice.name.casefold()
        kept = best.get(name)
        if kept is None or (bool(choice.representatives), "/" in choice.key) > (bool(kept.representatives),
                                                                                "/" in kept.key):
            best[name] = choice
    return [c for c in choices if best[c.name.casefold()] is c]


def chosen_candidate(session: Session, key: str, level: Level | None = None) -> Candidate | None:
    """The district the supporter picked, with its people; ``None`` if the key is unknown (or another level)."""
    row = session.get(DistrictRow, key)
    if row is None or row.level == Level.OFFICIAL.value or (level is not None and row.level != Level(level).value):
        return None
    people = roster(session, [key]).get(key, [])
    return Candidate(District(row.key, Level(row.level), row.name), Match.CHOSEN, Confidence.HIGH, tuple(people),
                     None, "represent" if "/" in key else "directory")


def area_choices(session: Session, postal_code: str) -> dict[Level, list[DistrictChoice]]:
    """Districts of the postal code's area, most common first: from the directory and from cached neighbours."""
    area = postal_area(postal_code)
    seen: Counter[str] = Counter()
    for key, share in session.execute(select(PostalDistrict.district_key, PostalDistrict.share)
                                      .where(PostalDistrict.prefix == area)):
        seen[key] += max(1, round(share * 100))
    neighbours = session.scalars(select(PostcodeLookup.boundaries)
                                 .where(PostcodeLookup.code >= area, PostcodeLookup.code < area + "~",
                                        PostcodeLookup.status == "ok").limit(AREA_SAMPLE))
    for boundaries in neighbours:
        for boundary in boundaries or []:
            seen[boundary.get("key", "")] += 1
    rows = {r.key: r for r in session.scalars(select(DistrictRow).where(DistrictRow.key.in_(list(seen))))}
    by_level: dict[Level, list[DistrictRow]] = defaultdict(list)
    for key, _count in seen.most_common():
        row = rows.get(key)
        if row is not None and row.level != Level.OFFICIAL.value:
            by_level[Level(row.level)].append(row)
    return {level: _choices(session, found) for level, found in by_level.items()}

