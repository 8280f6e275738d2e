"""The local directory: load and export the documented CSV format.

Columns (header row required; see docs in README):
``level,district,name,office,email,party,phone,postal_address,source,source_url,postal_codes,demo``

- ``level``: federal, provincial, municipal or official.
- ``district``: the riding or ward name; for ``official`` rows, the office key (``premier-of-ontario``).
- ``postal_codes``: postal codes (``K1P5J2``) or postal areas (``K1P``) in the district, separated by
  spaces or semicolons, each optionally followed by ``:share`` (the part of the area in the district).
- ``demo``: ``yes`` for made-up rows that must never reach a real inbox.

Loading replaces everything the directory held for each district named in the file;
a file with any bad row changes nothing.

The same tables hold rosters copied from Represent (``apply_roster``, run by ``advocacy directory
sync``), keyed by Represent's boundary (``ontario-electoral-districts-representation-act-2015/nepean``);
``check_directory`` tells staff what live campaigns lack and which rows are old.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..catalog.schema import Campaign, OfficialTarget, RepresentativeTarget
from ..domain.errors import InvalidPostalCode
from ..domain.postal import normalise_postal_code
from ..domain.slugs import slugify
from ..domain.types import District, Level, Representative
from ..models import DirectoryEntry, PostalDistrict
from ..models import District as DistrictRow
from ..providers.directory import replace_district

COLUMNS = ["level", "district", "name", "office", "email", "party", "phone", "postal_address", "source",
           "source_url", "postal_codes", "demo"]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_AREA = re.compile(r"^[ABCEGHJKLMNPRSTVXY]\d[ABCEGHJKLMNPRSTVWXYZ]$")


class DirectoryFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class LoadReport:
    districts: int
    entries: int
    postal_codes: int


def district_key(level: str, district: str) -> str:
    return slugify(district) if level == Level.OFFICIAL.value else f"{level}:{slugify(district)}"


def _prefixes(raw: str, where: str, problems: list[str]) -> list[tuple[str, float]]:
    found = []
    for item in re.split(r"[\s;]+", raw.strip()):
        if not item:
            continue
        code, _, share_text = item.partition(":")
        code = code.upper()
        try:
            share = float(share_text) if share_text else 1.0
        except ValueError:
            problems.append(f"{where}: postal_codes: {item!r} has a share that is not a number")
            continue
        if _AREA.match(code):
            found.append((code, share))
            continue
        try:
            found.append((normalise_postal_code(code), share))
        except InvalidPostalCode as exc:
            problems.append(f"{where}: postal_codes: {item!r}: {exc}")
    return found


def load_csv(session: Session, stream: TextIO, *, name: str, now: datetime) -> LoadReport:
    """Replace the directory's rows for every district in the file; raise ``DirectoryFileError`` on any bad row."""
    reader = csv.DictReader(stream)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DirectoryFileError([f"{name}: header: missing columns {', '.join(missing)}"])
    problems: list[str] = []
    districts: dict[str, DistrictRow] = {}
    entries: dict[str, list[DirectoryEntry]] = defaultdict(list)
    postal: dict[str, dict[str, float]] = defaultdict(dict)
    for line, row in enumerate(reader, start=2):
        where = f"{name}:{line}"
        row = {k: (v or "").strip() for k, v in row.items() if k}
        level = row["level"].lower()
        if level not in {lv.value for lv in Level}:
            problems.append(f"{where}: level: must be federal, provincial, municipal or official")
            continue
        if not row["district"] or not row["name"] or not row["office"]:
            problems.append(f"{where}: district, name and office are required")
            continue
        if not _EMAIL.match(row["email"]):
            problems.append(f"{where}: email: {row['email']!r} is not an email address")
            continue
        key = district_key(level, row["district"])
        display = row["office"] if level == Level.OFFICIAL.value else row["district"]
        districts[key] = DistrictRow(key=key, level=level, name=display)
        entries[key].append(DirectoryEntry(
            district_key=key, level=level, name=row["name"], office=row["office"], email=row["email"],
            party=row["party"], phone=row["phone"], postal_address=row["postal_address"].replace("\\n", "\n"),
            source=row["source"] or name, source_url=row["source_url"],
            demo=row["demo"].lower() in {"yes", "true", "1"}, updated_at=now))
        for prefix, share in _prefixes(row["postal_codes"], where, problems):
            postal[key][prefix] = share
    if problems:
        raise DirectoryFileError(problems)
    keys = list(districts)
    session.execute(delete(PostalDistrict).where(PostalDistrict.district_key.in_(keys)))
    session.execute(delete(DirectoryEntry).where(DirectoryEntry.district_key.in_(keys)))
    for district in districts.values():
        session.merge(district)
    session.flush()
    session.add_all(e for group in entries.values() for e in group)
    session.add_all(PostalDistrict(prefix=p, district_key=k, share=s) for k, codes in postal.items()
                    for p, s in codes.items())
    session.flush()
    return LoadReport(len(districts), sum(map(len, entries.values())), sum(map(len, postal.values())))


def export_csv(session: Session) -> str:
    """The whole directory in the format ``load_csv`` reads."""
    codes: dict[str, list[str]] = defaultdict(list)
    for mapping in session.scalars(select(PostalDistrict).order_by(PostalDistrict.prefix)):
        share = "" if mapping.share == 1.0 else f":{mapping.share:g}"
        codes[mapping.district_key].append(mapping.prefix + share)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = session.execute(select(DirectoryEntry, DistrictRow).join(DistrictRow)
                           .order_by(DistrictRow.level, DistrictRow.name, DirectoryEntry.name))
    for entry, district in rows:
        if not entry.email:
            continue  # a roster row without an address (Represent has some): the file format requires one
        name = district.key if district.level == Level.OFFICIAL.value else district.name
        writer.writerow([district.level, name, entry.name, entry.office, entry.email, entry.party, entry.phone,
                         entry.postal_address.replace("\n", "\\n"), entry.source, entry.source_url,
                         ";".join(codes[district.key]), "yes" if entry.demo else ""])
    return out.getvalue()


# -- rosters from Represent ------------------------------------------------------

@dataclass(frozen=True)
class RosterChange:
    """What a roster sync did to one representative set (names as ``Name (District)``)."""

    people_set: str
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: int


_COMPARED = ("office", "email", "party", "phone", "postal_address", "source_url")


def apply_roster(session: Session, people_set: str, people: Sequence[Representative], *,
                 now: datetime) -> RosterChange:
    """Make the directory hold exactly ``people`` for ``people_set``, a complete roster fetched from Represent.

    Callers pass only complete rosters (``RepresentClient.roster`` refuses partial ones). A district whose
    member left keeps its row with nobody in it, so lookups report the seat as vacant.
    """
    source = f"represent:{people_set}"
    # Only rows a sync wrote (keys "{set}/{district}"): a CSV that copied them keeps its own rows.
    old = {(e.district_key, e.name.casefold()): e
           for e in session.scalars(select(DirectoryEntry).where(DirectoryEntry.source == source,
                                                                 DirectoryEntry.district_key.contains("/")))}
    new = {(p.district_key, p.name.casefold()): p for p in people}
    label = {**{k: f"{e.name} ({e.district_key})" for k, e in old.items()},
             **{k: f"{p.name} ({p.district})" for k, p in new.items()}}
    changed = [label[k] for k in new.keys() & old.keys()
               if any(getattr(new[k], f) != getattr(old[k], f) for f in _COMPARED)]
    by_district: dict[str, list[Representative]] = defaultdict(list)
    for person in new.values():
        by_district[person.district_key].append(person)
    for key, group in by_district.items():
        replace_district(session, District(key, group[0].level, group[0].district), group, now=now)
    gone = {key for key, _name in old} - set(by_district)
    if gone:
        session.execute(delete(DirectoryEntry).where(DirectoryEntry.source == source,
                                                     DirectoryEntry.district_key.in_(sorted(gone))))
    session.flush()
    return RosterChange(people_set, sorted(label[k] for k in new.keys() - old.keys()), sorted(changed),
                        sorted(label[k] for k in old.keys() - new.keys()),
                        len(new.keys() & old.keys()) - len(changed))


# -- health check -----------------------------------------------------------------

@dataclass(frozen=True)
class DirectoryCheck:
    missing: list[str]  # "campaign: what it needs and the directory lacks"
    stale: list[DirectoryEntry]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.stale


def check_directory(session: Session, campaigns: Iterable[Campaign], *, now: datetime,
                    max_age_days: int) -> DirectoryCheck:
    """For every live campaign, does the directory have people for each level and office it writes to?"""
    levels = set(session.scalars(select(DirectoryEntry.level).distinct()))
    offices = set(session.scalars(select(DirectoryEntry.district_key)
                                  .where(DirectoryEntry.level == Level.OFFICIAL.value)))
    missing = []
    for campaign in campaigns:
        if campaign.status != "live":
            continue
        for target in campaign.targets:
            if isinstance(target, RepresentativeTarget) and target.level not in levels:
                missing.append(f"{campaign.slug}: no {target.level} representatives in the directory")
            elif isinstance(target, OfficialTarget) and not target.email and target.office not in offices:
                missing.append(f"{campaign.slug}: the office {target.office} is not in the directory")
    cutoff = now - timedelta(days=max_age_days)
    stale = list(session.scalars(select(DirectoryEntry).where(DirectoryEntry.updated_at < cutoff)
                                 .order_by(DirectoryEntry.updated_at, DirectoryEntry.name)))
    return DirectoryCheck(missing, stale)
