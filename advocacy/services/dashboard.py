"""What the staff dashboard shows: counts per campaign, actions per day, by riding and source, letters per office.

Every figure reads the running totals of models/counters.py plus the changes the triggers logged since the last
fold (services/counters.py, migration 0014): a page reads a few hundred small rows, not the actions and
deliveries themselves, so it costs the same whether a campaign has ten signatures or a million
(bench/dashboard.py), and every figure is exact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from ..catalog.schema import CAMPAIGN_TZ
from ..models import (
    Action,
    ActionCountByHour,
    ActionCountByRiding,
    ActionCountBySource,
    Ally,
    Delivery,
    DeliveryCount,
    LetterCountByOffice,
)
from .allies import ALLY_SOURCE_PREFIX as ALLY
from .counters import current_totals, office_names
from .deliveries import list_deliveries
from .stats import COUNTED

# The groups staff see, each one condition on (status, review): exports filter actions by them.
STATUS_GROUPS: dict[str, ColumnElement[bool]] = {
    "confirmed": COUNTED,
    "pending": and_(Action.status == "pending", Action.review == ""),  # waiting for the email link
    "in_review": Action.review == "pending",
    "rejected": Action.review == "rejected",
}
MAX_DAYS = 120  # the per-day chart shows at most this many days, the latest
WAITING = ("held", "queued", "sending", "retry", "batched")


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


def _riding_rows(session: Session, slug: str | None) -> Iterable[tuple[str, str, str, str, int]]:
    """(campaign, district, status, review, actions) for every campaign (or one), empty groups left out."""
    return current_totals(session, ActionCountByRiding, slug)


def campaign_counts(session: Session, slug: str | None = None) -> dict[str, ActionCounts]:
    """Counts by group for every campaign (or one)."""
    by_campaign: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for campaign, _district, status, review, count in _riding_rows(session, slug):
        by_campaign[campaign].append((status, review, count))
    return {campaign: _tally(rows) for campaign, rows in by_campaign.items()}


def actions_per_day(session: Session, slug: str, *, days: int = MAX_DAYS) -> list[tuple[date, int]]:
    """Counted actions per Toronto day, every day from the first to the last (zeros included), the latest ``days``."""
    per_day: dict[date, int] = defaultdict(int)
    # UTC hours map exactly to Toronto days
    for _campaign, text, count in current_totals(session, ActionCountByHour, slug):
        moment = datetime.fromisoformat(text).replace(tzinfo=UTC)  # "YYYY-MM-DD HH"; strptime is 4x slower
        per_day[moment.astimezone(CAMPAIGN_TZ).date()] += count
    if not per_day:
        return []
    last = max(per_day)
    first = max(min(per_day), last - timedelta(days=days - 1))
    return [(first + timedelta(days=n), per_day.get(first + timedelta(days=n), 0))
            for n in range((last - first).days + 1)]


def by_riding(session: Session, slug: str) -> list[tuple[str, int]]:
    """Counted actions per riding, most first ("" is a postal code that matched no riding)."""
    counted = [(district, count) for _campaign, district, status, review, count in _riding_rows(session, slug)
               if status_group(status, review) == "confirmed"]
    return sorted(counted, key=lambda row: (-row[1], row[0]))


@dataclass(frozen=True)
class SourceCount:
    source: str  # what ?source= said, or "ally:<slug>"
    ally: str  # the ally's name when an ally brought the actions, else ""
    count: int


def by_source(session: Session, slug: str) -> list[SourceCount]:
    """Counted actions per source, allies named; most first."""
    rows = [(source, count) for _campaign, source, count in current_totals(session, ActionCountBySource, slug)]
    ally_slugs = [source.removeprefix(ALLY) for source, _ in rows if source.startswith(ALLY)]
    names = {ally: name for ally, name in session.execute(select(Ally.slug, Ally.name)
                                                          .where(Ally.slug.in_(ally_slugs)))}
    found = [SourceCount(source, names.get(source.removeprefix(ALLY), "") if source.startswith(ALLY)
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
    names = office_names(session, slug)
    offices: dict[str, OfficeLetters] = {}
    for _campaign, key, status, count in current_totals(session, LetterCountByOffice, slug):
        entry = offices.setdefault(key, OfficeLetters(key, *names.get(key, ("", "", ""))))
        entry.by_status[status] = count
    return sorted(offices.values(), key=lambda o: (-o.total, o.name))


def delivery_states(session: Session, slug: str) -> dict[str, dict[str, int]]:
    """Deliveries of a campaign by kind (letter, petition, confirmation, ...) and state."""
    rows = [(kind, status, count) for _campaign, kind, status, count in current_totals(session, DeliveryCount, slug)]
    states: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, status, count in sorted(rows):
        states[kind][status] = count
    return dict(sorted(states.items()))


def dead_letters(session: Session, slug: str, *, limit: int = 100) -> Sequence[Delivery]:
    """The failed deliveries of a campaign, newest first: what staff can retry or cancel."""
    return list_deliveries(session, status="failed", campaign=slug, limit=limit)


@dataclass(frozen=True)
class Breakdowns:
    """A campaign's figures beyond the headline counts."""

    per_day: list[tuple[date, int]]
    ridings: list[tuple[str, int]]
    sources: list[SourceCount]
    offices: list[OfficeLetters]
    states: dict[str, dict[str, int]]

    @property
    def dead(self) -> int:
        """Dead letters of every kind: what "retry all" and "cancel all" act on."""
        return sum(by_state.get("failed", 0) for by_state in self.states.values())


def breakdowns(session: Session, slug: str) -> Breakdowns:
    """Every breakdown of a campaign, as of now."""
    return Breakdowns(actions_per_day(session, slug), by_riding(session, slug), by_source(session, slug),
                      letters_per_office(session, slug), delivery_states(session, slug))
