"""The local directory provider: districts and representatives held in our own tables."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import Settings
from ..domain.postal import postal_area
from ..domain.types import Level, Lookup, Representative
from ..models import DirectoryEntry, District, PostalDistrict
from .base import register


def entry_to_representative(entry: DirectoryEntry, district_name: str) -> Representative:
    return Representative(
        name=entry.name, level=Level(entry.level), office=entry.office, district=district_name,
        email=entry.email, party=entry.party, phone=entry.phone, postal_address=entry.postal_address,
        source=entry.source or "directory", source_url=entry.source_url, fetched_at=entry.updated_at,
        demo=entry.demo,
    )


class DirectoryProvider:
    name = "directory"

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings

    def lookup(self, session: Session, postal_code: str) -> Lookup | None:
        # A full postal code is the most precise match; otherwise fall back to its postal area.
        for prefix, match in ((postal_code, "postal code"), (postal_area(postal_code), "postal area")):
            rows = session.execute(
                select(District, DirectoryEntry, PostalDistrict.share)
                .join(PostalDistrict, PostalDistrict.district_key == District.key)
                .join(DirectoryEntry, DirectoryEntry.district_key == District.key)
                .where(PostalDistrict.prefix == prefix)
                .order_by(PostalDistrict.share.desc(), District.name, DirectoryEntry.name)
            ).all()
            if rows:
                grouped: dict[Level, list[Representative]] = defaultdict(list)
                for district, entry, _share in rows:
                    grouped[Level(district.level)].append(entry_to_representative(entry, district.name))
                return Lookup(postal_code=postal_code, representatives=dict(grouped), match=match)
        return None

    def official(self, session: Session, office: str) -> Representative | None:
        row = session.execute(
            select(DirectoryEntry, District.name)
            .join(District, District.key == DirectoryEntry.district_key)
            .where(DirectoryEntry.level == Level.OFFICIAL.value, DirectoryEntry.district_key == office)
        ).first()
        return entry_to_representative(row[0], row[1]) if row else None


@register("directory")
def _make(settings: Settings) -> DirectoryProvider:
    return DirectoryProvider(settings)
