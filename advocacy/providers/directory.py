"""The local directory provider: districts and representatives held in our own tables.

The same tables hold rows loaded from CSV (keys like ``provincial:ottawa-centre``) and rosters copied
from Represent (keys like ``ontario-electoral-districts-representation-act-2015/ottawa-centre``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..config import Settings
from ..domain.postal import postal_area
from ..domain.types import Candidate, Confidence, District, Level, Lookup, Match, Representative
from ..models import DirectoryEntry, PostalDistrict
from ..models import District as DistrictRow
from .base import register

# A postal area whose best district holds at least this share is as good as a full postal code.
SURE_SHARE = 0.95


def entry_to_representative(entry: DirectoryEntry, district_name: str) -> Representative:
    return Representative(
        name=entry.name, level=Level(entry.level), office=entry.office, district=district_name,
        email=entry.email, party=entry.party, phone=entry.phone, postal_address=entry.postal_address,
        source=entry.source or "directory", source_url=entry.source_url, fetched_at=entry.updated_at,
        demo=entry.demo, district_key=entry.district_key,
    )


def roster(session: Session, keys: Iterable[str]) -> dict[str, list[Representative]]:
    """Representatives by district key, for the keys asked (a district with nobody is absent)."""
    found: dict[str, list[Representative]] = defaultdict(list)
    wanted = sorted(set(keys))
    if not wanted:
        return found
    rows = session.execute(select(DirectoryEntry, DistrictRow.name)
                           .join(DistrictRow, DistrictRow.key == DirectoryEntry.district_key)
                           .where(DirectoryEntry.district_key.in_(wanted)).order_by(DirectoryEntry.name))
    for entry, name in rows:
        found[entry.district_key].append(entry_to_representative(entry, name))
    return found


def replace_district(session: Session, district: District, people: Sequence[Representative], *,
                     now: datetime) -> None:
    """Make the directory say exactly ``people`` hold ``district`` (used by roster syncs and live lookups)."""
    session.merge(DistrictRow(key=district.key, level=district.level.value, name=district.name))
    session.flush()
    session.execute(delete(DirectoryEntry).where(DirectoryEntry.district_key == district.key))
    session.add_all(DirectoryEntry(
        district_key=district.key, level=district.level.value, name=p.name, office=p.office, email=p.email,
        party=p.party, phone=p.phone, postal_address=p.postal_address, source=p.source, source_url=p.source_url,
        demo=p.demo, updated_at=p.fetched_at or now) for p in people)
    session.flush()


def _confidence(match: Match, share: float, rivals: int) -> Confidence:
    if rivals > 1:
        return Confidence.LOW
    if match == Match.POSTAL_CODE or share >= SURE_SHARE:
        return Confidence.MEDIUM
    return Confidence.LOW


class DirectoryProvider:
    name = "directory"

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings

    def lookup(self, session: Session, postal_code: str) -> Lookup | None:
        # A full postal code is the most precise match; otherwise fall back to its postal area.
        for prefix, match in ((postal_code, Match.POSTAL_CODE), (postal_area(postal_code), Match.POSTAL_AREA)):
            rows = session.execute(
                select(DistrictRow, DirectoryEntry, PostalDistrict.share)
                .join(PostalDistrict, PostalDistrict.district_key == DistrictRow.key)
                .join(DirectoryEntry, DirectoryEntry.district_key == DistrictRow.key)
                .where(PostalDistrict.prefix == prefix)
                .order_by(PostalDistrict.share.desc(), DistrictRow.name, DirectoryEntry.name)
            ).all()
            if rows:
                return self._grouped(postal_code, rows, match)
        return None

    def _grouped(self, postal_code: str, rows: Sequence[tuple[DistrictRow, DirectoryEntry, float]],
                 match: Match) -> Lookup:
        people: dict[str, list[Representative]] = defaultdict(list)
        districts: dict[str, tuple[DistrictRow, float]] = {}
        for district, entry, share in rows:
            people[district.key].append(entry_to_representative(entry, district.name))
            districts.setdefault(district.key, (district, share))
        by_level: dict[Level, list[tuple[DistrictRow, float]]] = defaultdict(list)
        for district, share in districts.values():
            by_level[Level(district.level)].append((district, share))
        candidates: dict[Level, list[Candidate]] = {}
        grouped: dict[Level, list[Representative]] = {}
        for level, found in by_level.items():
            candidates[level] = [
                Candidate(District(d.key, level, d.name), match, _confidence(match, share, len(found)),
                          tuple(people[d.key]), share if match == Match.POSTAL_AREA else None, "directory")
                for d, share in found]
            grouped[level] = [p for c in candidates[level] for p in c.representatives]
        newest = max((p.fetched_at for ps in people.values() for p in ps if p.fetched_at), default=None)
        return Lookup(postal_code=postal_code, representatives=grouped, match=match.value, candidates=candidates,
                      source="directory", fetched_at=newest)

    def official(self, session: Session, office: str) -> Representative | None:
        row = session.execute(
            select(DirectoryEntry, DistrictRow.name)
            .join(DistrictRow, DistrictRow.key == DirectoryEntry.district_key)
            .where(DirectoryEntry.level == Level.OFFICIAL.value, DirectoryEntry.district_key == office)
        ).first()
        return entry_to_representative(row[0], row[1]) if row else None


@register("directory")
def _make(settings: Settings) -> DirectoryProvider:
    return DirectoryProvider(settings)
