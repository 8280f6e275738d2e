"""What the staff dashboard shows: counts per campaign, actions per day, by riding and source, letters per office.

Every figure is one aggregate query (GROUP BY in the database), so a page costs the same few queries
whether a campaign has ten signatures or a million; only the grouped rows come back to Python.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from ..catalog.schema import CAMPAIGN_TZ
from ..models import Action, Ally, Delivery
from .deliveries import list_deliveries
from .stats import COUNTED

# The groups staff see, each one condition on (status, review), the columns of ix_actions_campaign_status.
STATUS_GROUPS: dict[str, ColumnElement[bool]] = {
    "confirmed": COUNTED,
    "pending": and_(Action.status == "pending", Action.review == ""),  # waiting for the email link
    "in_review": Action.review == "pending",
    "rejected": Action.review == "rejected",
}
MAX_DAYS = 120  # the per-day chart shows at most this many days, the latest
WAITING = ("held", "queued", "sending", "retry", "batched")
# The breakdowns of a large campaign take seconds to count (bench/dashboard.py); when they took longer than
# SLOW_SECONDS, each process keeps them KEEP_SECONDS and the page says how old they are. Small campaigns, and
# the headline counts of every campaign, are always counted afresh.
SLOW_SECONDS = 0.25
KEEP_SECONDS = 60.0
ALLY_PREFIX = "ally:"  # actions.source of an action an ally brought (services/allies.ally_source)


@dataclass(frozen=True)
class ActionCounts:
    confirmed: int = 0
    pending: int = 0
    in_review: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.confirmed + self.pending + self.in_review + self.rejected


def status_group(status: str, review: str) -> str:
    """The group of STATUS_GROUPS an action with this status and review is in."""
    if review in {"pending", "rejected"}:
        return "in_review" if review == "pending" else "rejected"
    return "confirmed" if status == "confirmed" else "pending"


def _tally(rows: Iterable[tuple[str, str, int]]) -> ActionCounts:
    counts: dict[str, int] = defaultdict(int)
    for status, review, count in rows:
        counts[status_group(status, review)] += count
    return ActionCounts(**counts)


def campaign_counts(session: Session, slug: str | None = None) -> dict[str, ActionCounts]:
    """Counts by group for every campaign (or one): one pass over the (campaign, status, review) index."""
    query = select(Action.campaign_slug, Action.status, Action.review, func.count()).group_by(
        Action.campaign_slug, Action.status, Action.review)
    if slug is not None:
        query = query.where(Action.campaign_slug == slug)
    by_campaign: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for campaign, status, review, count in session.execute(query):
        by_campaign[campaign].append((status, review, count))
    return {campaign: _tally(rows) for campaign, rows in by_campaign.items()}


def _hour(session: Session) -> ColumnElement[str]:
    """The UTC hour of ``created_at`` as "YYYY-MM-DD HH": hours map exactly to Toronto days in Python."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Action.created_at), "YYYY-MM-DD HH24")
    return func.substr(Action.created_at, 1, 13)  # SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff" in UTC


def actions_per_day(session: Session, slug: str, *, days: int = MAX_DAYS) -> list[tuple[date, int]]:
    """Counted actions per Toronto day, every day from the first to the last (zeros included), the latest ``days``."""
    hour = _hour(session)
    per_day: dict[date, int] = defaultdict(int)
    rows = session.execute(select(hour, func.count()).where(Action.campaign_slug == slug, COUNTED).group_by(hour))
    for text, count in rows:
        moment = datetime.strptime(text, "%Y-%m-%d %H").replace(tzinfo=UTC)
        per_day[moment.astimezone(CAMPAIGN_TZ).date()] += count
    if not per_day:
        return []
    last = max(per_day)
    first = max(min(per_day), last - timedelta(days=days - 1))
    return [(first + timedelta(days=n), per_day.get(first + timedelta(days=n), 0))
            for n in range((last - first).days + 1)]


def by_riding(session: Session, slug: str) -> list[tuple[str, int]]:
    """Counted actions per riding, most first ("" is a postal code that matched no riding)."""
    rows = session.execute(select(Action.district, func.count()).where(Action.campaign_slug == slug, COUNTED)
                           .group_by(Action.district))
    return sorted(((district, count) for district, count in rows), key=lambda row: (-row[1], row[0]))


@dataclass(frozen=True)
class SourceCount:
    source: str  # what ?source= said, or "ally:<slug>"
    ally: str  # the ally's name when an ally brought the actions, else ""
    count: int


def by_source(session: Session, slug: str) -> list[SourceCount]:
    """Counted actions per source, allies named; most first."""
    rows = session.execute(select(Action.source, func.count()).where(Action.campaign_slug == slug, COUNTED)
                           .group_by(Action.source)).all()
    ally_slugs = [source.removeprefix(ALLY_PREFIX) for source, _ in rows if source.startswith(ALLY_PREFIX)]
    names = {ally: name for ally, name in session.execute(select(Ally.slug, Ally.name)
                                                          .where(Ally.slug.in_(ally_slugs)))}
    found = [SourceCount(source, names.get(source.removeprefix(ALLY_PREFIX), "") if source.startswith(ALLY_PREFIX)
                         else "", count) for source, count in rows]
    return sorted(found, key=lambda row: (-row.count, row.source))


@dataclass
class OfficeLetters:
    """The letters of a campaign to one office inbox, by outcome."""

    email: str
    name: str
    office: str
    district: str
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def sent(self) -> int:
        return self.by_status.get("sent", 0)

    @property
    def waiting(self) -> int:
        return sum(self.by_status.get(status, 0) for status in WAITING)

    @property
    def failed(self) -> int:
        return self.by_status.get("failed", 0) + self.by_status.get("bounced", 0)


def letters_per_office(session: Session, slug: str) -> list[OfficeLetters]:
    """Letters (one per office a supporter wrote to) grouped by the inbox they go to, most first."""
    rows = session.execute(
        select(Delivery.office_key, Delivery.status, func.count(), func.max(Delivery.recipient_name),
               func.max(Delivery.recipient_office), func.max(Delivery.recipient_district))
        .where(Delivery.campaign_slug == slug, Delivery.kind == "letter")
        .group_by(Delivery.office_key, Delivery.status))
    offices: dict[str, OfficeLetters] = {}
    for key, status, count, name, office, district in rows:
        entry = offices.setdefault(key, OfficeLetters(key, name, office, district))
        entry.by_status[status] = count
    return sorted(offices.values(), key=lambda o: (-o.total, o.name))


def delivery_states(session: Session, slug: str) -> dict[str, dict[str, int]]:
    """Deliveries of a campaign by kind (letter, petition, confirmation, ...) and state."""
    rows = session.execute(select(Delivery.kind, Delivery.status, func.count())
                           .where(Delivery.campaign_slug == slug).group_by(Delivery.kind, Delivery.status))
    states: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, status, count in rows:
        states[kind][status] = count
    return dict(sorted(states.items()))


def dead_letters(session: Session, slug: str, *, limit: int = 100) -> Sequence[Delivery]:
    """The failed deliveries of a campaign, newest first: what staff can retry or cancel."""
    return list_deliveries(session, status="failed", campaign=slug, limit=limit)


@dataclass(frozen=True)
class Breakdowns:
    """A campaign's figures beyond the headline counts, and when they were counted."""

    as_of: datetime
    per_day: list[tuple[date, int]]
    ridings: list[tuple[str, int]]
    sources: list[SourceCount]
    offices: list[OfficeLetters]
    states: dict[str, dict[str, int]]
    kept: bool = False  # True when these come from a process's memory rather than a fresh count


_kept: dict[tuple[str, str], tuple[float, Breakdowns]] = {}


def breakdowns(session: Session, slug: str, *, now: datetime) -> Breakdowns:
    """Every breakdown of a campaign; a large campaign's are reused for up to KEEP_SECONDS (see SLOW_SECONDS)."""
    key, began = (str(session.get_bind().url), slug), time.monotonic()
    kept = _kept.get(key)
    if kept is not None and kept[0] > began:
        return replace(kept[1], kept=True)
    figures = Breakdowns(now, actions_per_day(session, slug), by_riding(session, slug), by_source(session, slug),
                         letters_per_office(session, slug), delivery_states(session, slug))
    finished = time.monotonic()
    if finished - began > SLOW_SECONDS:
        _kept[key] = (finished + KEEP_SECONDS, figures)
    else:
        _kept.pop(key, None)
    return figures


def forget_breakdowns(session: Session, slug: str) -> None:
    """Count a campaign afresh on its next page view (after staff changed one of its deliveries)."""
    _kept.pop((str(session.get_bind().url), slug), None)
