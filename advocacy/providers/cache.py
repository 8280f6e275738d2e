"""The two-layer lookup cache: postal code -> districts (here), district -> people (the directory).

The first layer keeps only district keys, so ``advocacy directory sync`` refreshing a roster corrects
every cached postal code at once. The cache uses its own database sessions and commits them itself:
it is shared by every request, and a letter preview that is never committed must still fill it.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..db import Database
from ..domain.types import ELECTED_LEVELS, Candidate, Confidence, District, Level, Lookup, Match, Representative
from ..models import DirectoryEntry, PostcodeLookup
from .directory import replace_district, roster
from .represent_json import Boundary, PostcodeAnswer

log = logging.getLogger(__name__)
FOUND, NOT_FOUND = "ok", "not_found"


@dataclass(frozen=True)
class CachedPostcode:
    code: str
    found: bool
    city: str
    boundaries: tuple[Boundary, ...]
    fetched_at: datetime
    fresh: bool


def _to_json(boundary: Boundary) -> dict[str, str]:
    return {"key": boundary.key, "name": boundary.name, "level": boundary.level.value if boundary.level else "",
            "match": boundary.match.value, "external_id": boundary.external_id}


def _from_json(item: Mapping[str, str]) -> Boundary:
    level = item.get("level") or ""
    return Boundary(item["key"], item.get("name", ""), Level(level) if level else None,
                    Match(item.get("match") or Match.CENTROID.value), item.get("external_id", ""))


def _group_rank(boundary_set: str) -> int:
    """Within a level, a ward (the councillor) comes before the city (the mayor) and the region."""
    if "ward" in boundary_set:
        return 0
    return 2 if boundary_set == "census-divisions" else 1


class PostcodeCache:
    def __init__(self, db: Database, *, ttl: timedelta, not_found_ttl: timedelta, sets_seconds: float = 0.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.db, self.ttl, self.not_found_ttl = db, ttl, not_found_ttl
        # Which boundary sets anybody sits for changes only with a roster sync: remember it for a minute
        # rather than asking the database on every lookup.
        self.sets_seconds, self.clock = sets_seconds, clock
        self._sets: dict[str, tuple[float, bool]] = {}

    def get(self, code: str, now: datetime) -> CachedPostcode | None:
        with self.db.session() as session:
            row = session.get(PostcodeLookup, code)
            if row is None:
                return None
            found = row.status == FOUND
            age = now - row.fetched_at
            return CachedPostcode(code, found, row.city, tuple(_from_json(b) for b in row.boundaries or []),
                                  row.fetched_at, age < (self.ttl if found else self.not_found_ttl))

    def store(self, code: str, answer: PostcodeAnswer, now: datetime) -> bool:
        """Keep the districts, and the people the answer names for them; False if the database was busy."""
        people: dict[str, list[Representative]] = defaultdict(list)
        for person in answer.people:
            people[person.district_key].append(person)

        def write(session: Session) -> None:
            session.merge(PostcodeLookup(code=code, status=FOUND, city=answer.city[:200],
                                         province=answer.province[:2], source="represent", fetched_at=now,
                                         boundaries=[_to_json(b) for b in answer.boundaries]))
            for boundary in answer.boundaries:
                if people.get(boundary.key) and boundary.level:
                    replace_district(session, District(boundary.key, boundary.level, boundary.name),
                                     people[boundary.key], now=now)

        return self._write(write)

    def remember_not_found(self, code: str, now: datetime) -> bool:
        return self._write(lambda session: session.merge(
            PostcodeLookup(code=code, status=NOT_FOUND, city="", province="", boundaries=[], fetched_at=now)))

    def _write(self, change: Callable[[Session], object]) -> bool:
        # Best effort: a busy database costs a cache entry, never the supporter's answer.
        try:
            with self.db.transaction() as session:
                change(session)
        except SQLAlchemyError as exc:
            log.warning("could not update the postcode cache: %s", exc)
            return False
        return True

    def assemble(self, code: str, city: str, boundaries: Sequence[Boundary], fetched_at: datetime, *,
                 stale: bool, override: Mapping[str, list[Representative]] | None = None) -> Lookup:
        """The districts of a postal code joined with today's directory, candidates most likely first."""
        with self.db.session() as session:
            people = roster(session, [b.key for b in boundaries])
            people.update(override or {})
            staffed = self._staffed(session, {b.set for b in boundaries if b.level and not people.get(b.key)})
        kept = [b for b in boundaries if b.level and (people.get(b.key) or b.set in staffed)]
        # Sets whose districts nobody sits for (a retired map, a body Represent does not cover) are left out;
        # a district of a set that does have people, but has nobody itself, is a vacant seat.
        candidates: dict[Level, list[Candidate]] = {}
        for level in ELECTED_LEVELS:
            at_level = sorted((b for b in kept if b.level == level),
                              key=lambda b: (_group_rank(b.set), b.set, b.match != Match.CONCORDANCE, b.name))
            rivals: dict[str, int] = defaultdict(int)
            for boundary in at_level:
                rivals[boundary.set] += 1
            if at_level:
                candidates[level] = [
                    Candidate(District(b.key, level, b.name), b.match,
                              _confidence(b.match, rivals[b.set], code, stale), tuple(people.get(b.key, ())),
                              None, "represent") for b in at_level]
        flat = {level: [p for c in found for p in c.representatives] for level, found in candidates.items()}
        match = Match.CONCORDANCE if any(b.match == Match.CONCORDANCE for b in kept) else Match.CENTROID
        return Lookup(postal_code=code, representatives=flat, match=match.value, city=city.title(),
                      candidates=candidates, source="represent", stale=stale, fetched_at=fetched_at)

    def _staffed(self, session: Session, sets: set[str]) -> set[str]:
        """The boundary sets for which the directory holds anybody (a range scan on the district key index)."""
        now, staffed = self.clock(), set()
        for boundary_set in sorted(sets):
            until, known = self._sets.get(boundary_set, (0.0, False))
            if until <= now:
                known = session.scalar(select(DirectoryEntry.district_key)
                                       .where(DirectoryEntry.district_key >= f"{boundary_set}/",
                                              DirectoryEntry.district_key < f"{boundary_set}0").limit(1)) is not None
                if self.sets_seconds:
                    self._sets[boundary_set] = (now + self.sets_seconds, known)
            if known:
                staffed.add(boundary_set)
        return staffed


def _confidence(match: Match, rivals: int, code: str, stale: bool) -> Confidence:
    if rivals > 1 or stale:
        return Confidence.LOW
    if match == Match.CONCORDANCE:
        return Confidence.HIGH
    # A rural postal area (second character 0) can cover a whole township: its centre point says little.
    return Confidence.LOW if code[1:2] == "0" else Confidence.MEDIUM


