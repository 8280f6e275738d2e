"""Staff-tuned rate limits and the record of trips: the admin's reads and writes (advocacy/limits.py applies them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from limits import parse_many
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..models import RateLimitOverride, RateLimitTrip

VALUE_MAX = 100  # the column's width


class LimitValueError(ValueError):
    """A limit staff typed that Flask-Limiter cannot read, or that would refuse everyone."""


@dataclass(frozen=True)
class TripSummary:
    """How often one limit tripped in one hour, and from how many sources (never which)."""

    name: str
    hour: datetime
    count: int
    sources: int


def normalise_limit(value: str) -> str:
    """``value`` as stored: Flask-Limiter's notation, checked by its own parser. Raises ``LimitValueError``."""
    cleaned = ";".join(part.strip() for part in value.replace(",", ";").split(";") if part.strip())
    if not cleaned or len(cleaned) > VALUE_MAX:
        raise LimitValueError("empty or too long")
    try:
        items = parse_many(cleaned)
    except ValueError as exc:
        raise LimitValueError(str(exc)) from exc
    if any(item.amount < 1 for item in items):
        raise LimitValueError("a limit of 0 refuses everyone")
    return cleaned


def overrides(session: Session) -> dict[str, RateLimitOverride]:
    return {row.name: row for row in session.scalars(select(RateLimitOverride))}


def set_override(session: Session, name: str, value: str, *, by: str, now: datetime) -> str:
    """Store staff's value for limit ``name`` (replacing any earlier one); returns the value as stored."""
    stored = normalise_limit(value)
    session.merge(RateLimitOverride(name=name, value=stored, updated_by=by, updated_at=now))
    session.flush()
    return stored


def clear_override(session: Session, name: str) -> bool:
    """Go back to the setting for limit ``name``; whether there was an override."""
    return bool(session.execute(delete(RateLimitOverride).where(RateLimitOverride.name == name)).rowcount)


def recent_trips(session: Session, *, now: datetime, hours: int = 48, limit: int = 200) -> list[TripSummary]:
    """Trips in the last ``hours``, per limit and hour, newest first."""
    rows = session.execute(
        select(RateLimitTrip.name, RateLimitTrip.hour, func.sum(RateLimitTrip.count),
               func.count(RateLimitTrip.key_hash.distinct()))
        .where(RateLimitTrip.hour >= now - timedelta(hours=hours))
        .group_by(RateLimitTrip.name, RateLimitTrip.hour)
        .order_by(RateLimitTrip.hour.desc(), RateLimitTrip.name).limit(limit)).all()
    return [TripSummary(name, hour, int(count or 0), int(sources or 0)) for name, hour, count, sources in rows]
