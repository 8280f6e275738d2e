"""The local directory: districts, who represents them, and which postal codes fall in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class District(Base):
    __tablename__ = "districts"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # "provincial:spadina-fort-york"
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))


class DirectoryEntry(Base):
    """A representative of a district, or a fixed office (level "official", district key = office key)."""

    __tablename__ = "directory_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_key: Mapped[str] = mapped_column(ForeignKey("districts.key"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    office: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    party: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    postal_address: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostalDistrict(Base):
    """A postal code (6 characters) or postal area (3) that falls, wholly or partly, in a district."""

    __tablename__ = "postal_districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(6))
    district_key: Mapped[str] = mapped_column(ForeignKey("districts.key"))
    share: Mapped[float] = mapped_column(Float, default=1.0)

    __table_args__ = (Index("ix_postal_districts_prefix", "prefix", "district_key", unique=True),)
