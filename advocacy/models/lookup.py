"""The postal-code cache (first layer of the lookup cache) and the shared rate-limiter buckets.

The second layer, district -> representatives, is the directory itself (models/directory.py): cached
postal codes keep only district keys, so refreshing a roster corrects every postal code at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class PostcodeLookup(Base):
    """What Represent said about one postal code: its districts, or that it does not know the code.

    Keyed by the postal code alone; it holds no personal data.
    """

    __tablename__ = "postcode_lookups"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # "ok" | "not_found"
    city: Mapped[str] = mapped_column(String(200), default="")
    province: Mapped[str] = mapped_column(String(2), default="")
    # [{"key", "level", "name", "external_id", "match"}], where key is "{boundary set}/{boundary}"
    boundaries: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(40), default="represent")
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class RateBucket(Base):
    """A token bucket shared by every process that uses this database (see advocacy/ratelimit.py)."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float)  # seconds since the epoch, from the limiter's clock
