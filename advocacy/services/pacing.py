"""Pacing: when, how fast and in what order mail leaves for each office.

Every target group of a campaign has a ``DeliveryPolicy`` (see campaigns/README.md). This module turns
the policies into the rules a worker claims by:

- **Office hours.** Mail to an office (letters and digests) leaves only inside the group's hours and days,
  read in the office's time zone, so a letter written on Friday night arrives on Monday morning.
- **A cap per office.** An office gets at most ``per_hour`` individual letters in any rolling hour, counted
  across campaigns and workers: the inbox, not the campaign, is what must not be flooded.
- **Fairness.** Claims interleave campaigns (and, at one office, the campaigns writing to it), so a campaign
  with 10,000 letters waiting delays another's by at most one batch. Supporters' own emails (confirmation
  links, receipts) go first: they answer something the supporter just did.

Letters in ``digest`` and ``threshold`` groups are never claimed one by one: ``services.digests`` gathers
them into one delivery per office.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    TextClause,
    and_,
    case,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from ..catalog.schema import WEEKDAYS, Campaign, DeliveryPolicy
from ..domain.states import DUE_STATES, DeliveryState
from ..models import Delivery

S = DeliveryState
D = Delivery
GroupKey = tuple[str, int]  # (campaign slug, index of the target group)

DEFAULT_POLICY = DeliveryPolicy()
CAP_WINDOW = timedelta(hours=1)
# Mail that goes to an office and keeps to its office hours. Supporters' emails go out at any hour.
OFFICE_HOURS_KINDS = ("letter", "digest")
# Everything addressed to an office; anything else is a supporter's email and is claimed first.
OFFICE_KINDS = ("letter", "digest", "petition")
# On PostgreSQL, claims of paced letters take advisory locks on (this, hashtext(office)) so that two workers
# never both spend the same office's remaining allowance.
OFFICE_LOCK_SPACE = 0x0FF1CE


# -- the rules ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PacingRules:
    """The delivery policy of every target group, as the catalog says now.

    Parameters (caps, hours, periods) are read from the catalog at claim time, so an edited campaign file
    applies to letters already waiting. Groups the catalog does not know (a campaign file was removed) get
    the default policy.
    """

    policies: Mapping[GroupKey, DeliveryPolicy] = field(default_factory=dict)

    @classmethod
    def from_catalog(cls, campaigns: Iterable[Campaign]) -> PacingRules:
        return cls({(c.slug, group): target.delivery for c in campaigns for group, target in enumerate(c.targets)})

    def policy(self, slug: str, group: int) -> DeliveryPolicy:
        return self.policies.get((slug, group), DEFAULT_POLICY)

    def closed_groups(self, now: datetime) -> dict[GroupKey, datetime]:
        """Groups outside their office hours at ``now``, each with the moment it opens next."""
        closed = {}
        for key, policy in self.policies.items():
            opening = next_opening(policy, now)
            if opening > now:
                closed[key] = opening
        return closed

    def cap(self) -> ColumnElement[int]:
        """Each row's ``per_hour`` as SQL (a CASE over the groups that differ from the default)."""
        whens = [(and_(D.campaign_slug == slug, D.target_group == group), policy.per_hour)
                 for (slug, group), policy in sorted(self.policies.items())
                 if policy.per_hour != DEFAULT_POLICY.per_hour]
        if not whens:
            return literal(DEFAULT_POLICY.per_hour)
        return case(*whens, else_=DEFAULT_POLICY.per_hour)


# -- office hours ------------------------------------------------------------------------------------

def _clock(text: str) -> time | None:
    """"17:30" as a time; "24:00" (the end of the day) as None."""
    hours, minutes = (int(part) for part in text.split(":"))
    return None if hours == 24 else time(hours, minutes)


def _window(policy: DeliveryPolicy, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The office's open interval that starts on local ``day``, in UTC.

    Times are wall-clock times in the office's zone, so 09:00 stays 09:00 across a DST change (the UTC
    instant moves). An end at or before the start runs past midnight into the next day.
    """
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    if policy.hours is None:
        return midnight.astimezone(UTC), next_midnight.astimezone(UTC)
    opens_text, closes_text = policy.hours.split("-")
    opens, closes = _clock(opens_text), _clock(closes_text)
    start = datetime.combine(day, opens or time(0), tzinfo=zone)
    if closes is None:
        end = next_midnight
    else:
        end = datetime.combine(day, closes, tzinfo=zone)
        if end <= start:
            end = datetime.combine(day + timedelta(days=1), closes, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def next_opening(policy: DeliveryPolicy, at: datetime) -> datetime:
    """``at`` itself when the office is open then, else the moment (UTC) its office hours next begin.

    An empty ``days`` list is read as every day: letters that could never leave help nobody.
    """
    days = set(policy.days) or set(WEEKDAYS)
    if policy.hours is None and days == set(WEEKDAYS):
        return at
    zone = ZoneInfo(policy.timezone)
    today = at.astimezone(zone).date()
    # Yesterday's window may run past midnight into today; a week ahead always holds an open day.
    for offset in range(-1, 9):
        day = today + timedelta(days=offset)
        if WEEKDAYS[day.weekday()] not in days:
            continue
        start, end = _window(policy, day, zone)
        if end > at:
            return max(start, at)
    raise AssertionError("unreachable: every week has an open day")  # pragma: no cover


def is_open(policy: DeliveryPolicy, at: datetime) -> bool:
    return next_opening(policy, at) == at


def period_start(policy: DeliveryPolicy, at: datetime) -> datetime:
    """The start (UTC) of the digest period holding ``at``: the hour, or the day in the office's zone."""
    zone = ZoneInfo(policy.timezone)
    local = at.astimezone(zone)
    if policy.period == "hour":
        start = local.replace(minute=0, second=0, microsecond=0)  # keeps fold: the right one of a repeated hour
    else:
        start = datetime.combine(local.date(), time(0), tzinfo=zone)
    return start.astimezone(UTC)


def defer_closed(session: Session, closed: Mapping[GroupKey, datetime], *, now: datetime,
                 skip_locked: bool) -> int:
    """Move mail of closed groups that is due now to the moment the office opens; returns how many rows.

    Staff then see when each will leave, and claims stop looking at them until then. Rows another
    worker has locked are left alone (``skip_locked``, PostgreSQL): the claim filter skips them anyway.
    """
    moved = 0
    by_opening: dict[datetime, list[GroupKey]] = {}
    for key, opening in closed.items():
        by_opening.setdefault(opening, []).append(key)
    for opening, keys in sorted(by_opening.items()):
        rows = select(D.id).where(D.status.in_([s.value for s in DUE_STATES]), D.next_attempt_at < opening,
                                  D.kind.in_(OFFICE_HOURS_KINDS), not_(_grouped()),
                                  tuple_(D.campaign_slug, D.target_group).in_(keys))
        if skip_locked:
            rows = rows.with_for_update(skip_locked=True)
        result = session.execute(update(D).where(D.id.in_(rows.scalar_subquery())).values(next_attempt_at=opening)
                                 .execution_options(synchronize_session=False))
        moved += result.rowcount or 0
    return moved


# -- what a claim may take -----------------------------------------------------------------------------

def _capped() -> ColumnElement[bool]:
    """Individual letters: paced per office."""
    return and_(D.kind == "letter", D.policy == "individual")


def _grouped() -> ColumnElement[bool]:
    """Letters that leave inside a digest, never on their own."""
    return and_(D.kind == "letter", D.policy != "individual")


def due(now: datetime) -> ColumnElement[bool]:
    """Queued or retrying and due, or claimed by a worker whose lease has run out (it crashed)."""
    return or_(
        and_(D.status.in_([s.value for s in DUE_STATES]), D.next_attempt_at <= now),
        and_(D.status == S.SENDING.value, D.claimed_until < now),
    )


def _used(now: datetime) -> Select:
    """Per office: individual letters sent in the last hour, plus those a worker is sending now."""
    waiting_offices = select(D.office_key).where(_capped(), due(now))
    return (select(D.office_key, func.count().label("n"))
            .where(_capped(), D.office_key.in_(waiting_offices),
                   or_(and_(D.status.in_((S.SENT.value, S.BOUNCED.value)), D.sent_at > now - CAP_WINDOW),
                       and_(D.status == S.SENDING.value, D.claimed_until >= now)))
            .group_by(D.office_key))


@dataclass(frozen=True)
class OfficeLocks:
    """PostgreSQL: the offices this claim may take paced letters for, and how.

    ``shared``: other workers may claim for the office at the same time, so this claim takes its letters
    only if *every* waiting letter fits in the office's allowance (then no pair of claims can exceed it:
    the later snapshot counts the earlier claim's rows either as waiting or as sending).
    ``exclusive``: this claim alone handles the office now and takes up to what is left of its allowance.
    """

    shared: frozenset[str] = frozenset()
    exclusive: frozenset[str] = frozenset()


def claimable(rules: PacingRules, now: datetime, closed: Collection[GroupKey],
              locks: OfficeLocks | None = None) -> Select:
    """The due rows a claim may take, best first: id, office_key, capped, used, waiting, cap, and the order.

    Without ``locks`` (SQLite, whose claims are serialised by ``BEGIN IMMEDIATE``) every office may be
    claimed up to its allowance; with them, only the offices locked.
    """
    used = _used(now).subquery("used")
    capped = case((_capped(), 1), else_=0)
    open_now = true() if not closed else not_(and_(D.kind.in_(OFFICE_HOURS_KINDS),
                                                    tuple_(D.campaign_slug, D.target_group).in_(sorted(closed))))
    # 1. Rank each office's letters within each campaign writing to it...
    base = (select(D.id, D.campaign_slug, D.office_key, D.next_attempt_at, capped.label("capped"),
                   case((D.kind.in_(OFFICE_KINDS), 1), else_=0).label("to_office"),
                   rules.cap().label("cap"), func.coalesce(used.c.n, 0).label("used"),
                   func.row_number().over(partition_by=(D.office_key, capped, D.campaign_slug),
                                          order_by=(D.next_attempt_at, D.id)).label("in_campaign"))
            .select_from(D).outerjoin(used, used.c.office_key == D.office_key)
            .where(due(now), not_(_grouped()), open_now)).subquery("base")
    # 2. ...then interleave those campaigns at the office, so one campaign cannot take all of its allowance.
    at_office = select(
        base, func.row_number().over(partition_by=(base.c.office_key, base.c.capped),
                                     order_by=(base.c.in_campaign, base.c.next_attempt_at, base.c.id))
        .label("office_rank"),
        func.count().over(partition_by=(base.c.office_key, base.c.capped)).label("waiting"),
    ).subquery("at_office")
    if locks is None:
        office_ok = true()
    else:
        office_ok = or_(
            at_office.c.office_key.in_(sorted(locks.exclusive)) if locks.exclusive else false(),
            and_(at_office.c.office_key.in_(sorted(locks.shared)),
                 at_office.c.used + at_office.c.waiting <= at_office.c.cap) if locks.shared else false(),
        )
    allowed = or_(at_office.c.capped == 0,
                  and_(at_office.c.office_rank <= at_office.c.cap - at_office.c.used, office_ok))
    # 3. Interleave campaigns across the whole outbox.
    eligible = select(
        at_office.c.id, at_office.c.office_key, at_office.c.capped, at_office.c.used, at_office.c.waiting,
        at_office.c.cap, at_office.c.to_office, at_office.c.next_attempt_at,
        func.row_number().over(partition_by=at_office.c.campaign_slug,
                               order_by=(at_office.c.next_attempt_at, at_office.c.id)).label("campaign_rank"),
    ).where(allowed).subquery("eligible")
    return select(eligible).order_by(*best_first(eligible))


def best_first(ranked: Subquery) -> tuple[ColumnElement, ...]:
    """The order a claim takes rows of ``claimable``: supporters' emails, then campaigns in turn, oldest first."""
    return ranked.c.to_office, ranked.c.campaign_rank, ranked.c.next_attempt_at, ranked.c.id


def lock_offices(session: Session, candidates: Sequence[tuple[str, int, int, int, int]]) -> OfficeLocks:
    """Take PostgreSQL advisory locks for the offices of paced ``candidates`` (office, capped, used, waiting, cap).

    Never waits: an office another claim holds is left for the next poll. Locks end with the transaction.
    """
    offices: dict[str, bool] = {}  # office -> everything waiting fits its allowance
    for office, capped, used, waiting, cap in candidates:
        if capped:
            offices[office] = offices.get(office, True) and used + waiting <= cap
    if not offices:
        return OfficeLocks()
    # An office with more waiting than it may take is locked exclusively at once: taking a shared lock first
    # and upgrading would let every worker hold the shared lock and none get the upgrade.
    exclusive = {office for office, ok in _try_locks(session, _TRY_EXCLUSIVE,
                                                     sorted(o for o, fits in offices.items() if not fits)) if ok}
    shared = {office for office, ok in _try_locks(session, _TRY_SHARED,
                                                  sorted(o for o, fits in offices.items() if fits)) if ok}
    return OfficeLocks(frozenset(shared), frozenset(exclusive))


_TRY_SHARED = text("SELECT o, pg_try_advisory_xact_lock_shared(:space, hashtext(o)) "
                   "FROM unnest(CAST(:offices AS text[])) AS o")
_TRY_EXCLUSIVE = text("SELECT o, pg_try_advisory_xact_lock(:space, hashtext(o)) "
                      "FROM unnest(CAST(:offices AS text[])) AS o")


def _try_locks(session: Session, query: TextClause, offices: Sequence[str]) -> list[tuple[str, bool]]:
    if not offices:
        return []
    found = session.execute(query, {"space": OFFICE_LOCK_SPACE, "offices": list(offices)})
    return [(office, bool(ok)) for office, ok in found]
