"""Rate limits staff have tuned, and a record of which limits tripped, without the addresses behind them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class RateLimitOverride(Base):
    """A limit set in the admin; it replaces the ``ADVOCACY_LIMIT_*`` setting of the same name."""

    __tablename__ = "rate_limit_overrides"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(100))  # Flask-Limiter notation, e.g. "5/minute;20/hour"
    updated_by: Mapped[str] = mapped_column(String(320), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RateLimitTrip(Base):
    """How often one source hit one limit in one hour. ``key_hash`` is a keyed hash: no address is stored."""

    __tablename__ = "rate_limit_trips"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    key_hash: Mapped[str] = mapped_column(String(32))
    hour: Mapped[datetime] = mapped_column(UTCDateTime)  # the start of the hour the trips fell in
    count: Mapped[int] = mapped_column(Integer, default=1)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("name", "key_hash", "hour"), Index("ix_rate_limit_trips_last_at", "last_at"))


class LetterFingerprint(Base):
    """A custom letter's MinHash (never its text) with a keyed hash of where it came from, kept for the
    similarity window only (services/abuse.py)."""

    __tablename__ = "letter_fingerprints"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_hash: Mapped[str] = mapped_column(String(32))
    campaign_slug: Mapped[str] = mapped_column(String(80))
    fingerprint: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_letter_fingerprints_source", "source_hash", "created_at"),)
