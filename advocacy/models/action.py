"""One action by a supporter on a campaign: a petition signature or a letter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Action(Base):
    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_slug: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))  # "signature" | "letter"
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    supporter_id: Mapped[int] = mapped_column(ForeignKey("supporters.id"))
    email_key: Mapped[str] = mapped_column(String(320))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(6))
    district: Mapped[str] = mapped_column(String(200), default="")
    opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # One signature per person per petition; letters may be sent more than once.
        Index(
            "uq_actions_signature_per_email",
            "campaign_slug",
            "email_key",
            unique=True,
            sqlite_where=text("kind = 'signature'"),
            postgresql_where=text("kind = 'signature'"),
        ),
        Index("ix_actions_campaign_status", "campaign_slug", "status"),
    )
