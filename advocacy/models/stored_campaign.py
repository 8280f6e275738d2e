"""Campaigns made in the admin editor, lifecycle changes to file campaigns, and the catalog's revision counter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

STATUSES = ("draft", "live", "paused", "closed")


class StoredCampaign(Base):
    """A campaign kept in the database, in the same TOML as a campaign file.

    With ``source``: a campaign made in the browser (its TOML has no ``status``: the column holds it).
    Without: the status staff gave a file campaign, which overrides the file's own.
    """

    __tablename__ = "stored_campaigns"
    __table_args__ = (CheckConstraint("status IN ('draft', 'live', 'paused', 'closed')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    source: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)  # for "someone else saved it since you opened it"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(320), default="")


class CatalogRevision(Base):
    """One row, raised by every change to ``stored_campaigns``: web processes compare it to reload their catalog."""

    __tablename__ = "catalog_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
