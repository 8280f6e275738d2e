"""Adapt Represent's JSON (postcode answers and roster pages) into our types, defensively.

Represent leaves keys out rather than sending empty lists, may send ``null``, and repeats people;
nothing here trusts a key to exist or to have the documented type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..domain.slugs import slugify
from ..domain.types import Level, Match, Representative

PROVINCIAL_OFFICES = {"MPP", "MLA", "MNA", "MHA"}
# The office people write to as constituents comes first; City Hall ("legislature") is all councillors have.
OFFICE_ORDER = ("constituency", "legislature", "office")


class RepresentBadResponse(ValueError):
    """Represent answered with JSON that is not the shape we expect."""


@dataclass(frozen=True)
class Boundary:
    """A district a postal code falls in, keyed ``{boundary set}/{boundary}`` as in Represent's URLs."""

    key: str
    name: str
    level: Level | None
    match: Match
    external_id: str = ""

    @property
    def set(self) -> str:
        return self.key.split("/", 1)[0]


@dataclass(frozen=True)
class PostcodeAnswer:
    code: str
    city: str
    province: str
    boundaries: tuple[Boundary, ...]
    people: tuple[Representative, ...]  # each with district_key naming one of the boundaries
    fetched_at: datetime
    api_url: str


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> Iterable[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def last_part(url: str) -> str:
    """``/representative-sets/house-of-commons/`` -> ``house-of-commons``."""
    parts = [p for p in url.split("/") if p]
    return parts[-1] if parts else ""


def boundary_key(url: str) -> str:
    """``/boundaries/ottawa-wards/somerset/`` -> ``ottawa-wards/somerset``; "" when it is not a boundary URL."""
    parts = [p for p in url.split("?")[0].split("/") if p]
    return f"{parts[1]}/{parts[2]}" if len(parts) >= 3 and parts[0] == "boundaries" else ""


def level_of_people(representative_set: str, office: str) -> Level:
    """The level of a representative: from their set first (fields are sometimes hand-edited), then the office."""
    if representative_set == "house-of-commons":
        return Level.FEDERAL
    if representative_set.endswith("-legislature") or representative_set == "quebec-assemblee-nationale":
        return Level.PROVINCIAL
    if representative_set:
        return Level.MUNICIPAL
    if office == "MP":
        return Level.FEDERAL
    return Level.PROVINCIAL if office in PROVINCIAL_OFFICES else Level.MUNICIPAL


def level_of_boundary_set(boundary_set: str) -> Level | None:
    """The level of a boundary set nobody in the answer sits for; ``None`` for sets we never write to."""
    if boundary_set.startswith("federal-electoral-districts"):
        return Level.FEDERAL
    if "electoral-districts" in boundary_set:
        return Level.PROVINCIAL
    if "ward" in boundary_set or boundary_set in {"census-subdivisions", "census-divisions"}:
        return Level.MUNICIPAL
    return None


def _pick(offices: list[dict[str, Any]], field: str) -> str:
    for kind in OFFICE_ORDER:
        for office in offices:
            if office.get("type") == kind and _text(office.get(field)):
                return _text(office.get(field))
    return next((_text(o.get(field)) for o in offices if _text(o.get(field))), "")


def parse_person(obj: dict[str, Any], *, fetched_at: datetime) -> Representative | None:
    """One Represent representative record, or ``None`` when it has no name to write to."""
    name = _text(obj.get("name"))
    if not name:
        return None
    related = _dict(obj.get("related"))
    people_set = last_part(_text(related.get("representative_set_url")))
    office = _text(obj.get("elected_office"))
    district = _text(obj.get("district_name"))
    key = boundary_key(_text(related.get("boundary_url"))) or f"{people_set or 'represent'}/{slugify(district)}"
    offices = list(_items(obj.get("offices")))
    return Representative(
        name=name, level=level_of_people(people_set, office), office=office, district=district,
        email=_text(obj.get("email")), party=_text(obj.get("party_name")), phone=_pick(offices, "tel"),
        postal_address=_pick(offices, "postal"), source=f"represent:{people_set}" if people_set else "represent",
        source_url=_text(obj.get("source_url")), fetched_at=fetched_at, district_key=key,
    )


def unique_people(people: Iterable[Representative]) -> list[Representative]:
    """Represent sometimes lists one person twice (a mayor in two lists); keep the first."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for person in people:
        identity = (person.source, person.name.casefold(), person.district_key)
        if identity not in seen:
            seen.add(identity)
            kept.append(person)
    return kept


def parse_postcode(payload: Any, *, fetched_at: datetime, api_url: str) -> PostcodeAnswer:
    """A ``/postcodes/{code}/`` answer: its boundaries and the people who sit for them."""
    if not isinstance(payload, dict) or not _text(payload.get("code")):
        raise RepresentBadResponse("a postcode answer without a code")
    boundaries: dict[str, Boundary] = {}
    people: list[Representative] = []
    for suffix, match in (("concordance", Match.CONCORDANCE), ("centroid", Match.CENTROID)):
        for item in _items(payload.get(f"boundaries_{suffix}")):
            key = boundary_key(_text(item.get("url")))
            if key and key not in boundaries:  # concordance is read first and wins
                boundaries[key] = Boundary(key, _text(item.get("name")), level_of_boundary_set(key.split("/")[0]),
                                           match, _text(item.get("external_id")))
        for item in _items(payload.get(f"representatives_{suffix}")):
            person = parse_person(item, fetched_at=fetched_at)
            if person is not None:
                people.append(_attach(person, boundaries, match))
    for person in unique_people(people):
        known = boundaries.get(person.district_key)
        match = known.match if known else Match.CENTROID
        boundaries[person.district_key] = Boundary(person.district_key, known.name if known else person.district,
                                                   person.level, match, known.external_id if known else "")
    return PostcodeAnswer(code=_text(payload.get("code")).upper(), city=_text(payload.get("city")),
                          province=_text(payload.get("province")), boundaries=tuple(boundaries.values()),
                          people=tuple(unique_people(people)), fetched_at=fetched_at, api_url=api_url)


def _attach(person: Representative, boundaries: dict[str, Boundary], match: Match) -> Representative:
    """A person without a boundary URL belongs to the boundary of the same name in the answer, if any."""
    if person.district_key in boundaries:
        return person
    for boundary in boundaries.values():
        if boundary.name == person.district and boundary.level in (None, person.level):
            return replace(person, district_key=boundary.key)
    return person


@dataclass(frozen=True)
class RosterPage:
    people: list[Representative]
    objects: int
    total: int | None
    next: str


def parse_roster_page(payload: Any, *, fetched_at: datetime) -> RosterPage:
    """One page of ``/representatives/{set}/``; every record must be usable, or the page is refused."""
    if not isinstance(payload, dict) or not isinstance(payload.get("objects"), list):
        raise RepresentBadResponse("a roster page without an objects list")
    meta = _dict(payload.get("meta"))
    objects = payload["objects"]
    people = [parse_person(o, fetched_at=fetched_at) if isinstance(o, dict) else None for o in objects]
    if any(p is None for p in people):
        raise RepresentBadResponse("a roster page with a record we cannot read")
    total = meta.get("total_count")
    return RosterPage([p for p in people if p is not None], len(objects),
                      total if isinstance(total, int) else None, _text(meta.get("next")))
