"""Allies: organisations that post signatures and letters through the JSON API, and their keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Ally(Base):
    __tablename__ = "allies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    all_campaigns: Mapped[bool] = mapped_column(Boolean, default=False)
    campaigns: Mapped[list[str]] = mapped_column(JSON, default=list)  # slugs, when not all_campaigns
    # What the ally's own form says when it asks supporters to hear from the ally (CASL: consent is to a wording).
    opt_in_wording: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Sites that may frame the widget for this ally ("https://ally.example.org"), on top of the campaign's own.
    embed_origins: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # Where each confirmed action the ally brought is posted ("" = no webhook), and the HMAC key signing it.
    webhook_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    webhook_secret: Mapped[str] = mapped_column(String(100), default="", server_default="")

    def allows(self, campaign_slug: str) -> bool:
        return self.all_campaigns or campaign_slug in self.campaigns


class ApiKey(Base):
    """Only the SHA-256 of a key is kept; ``prefix`` (the first characters of the key) names it to people."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    ally_id: Mapped[int] = mapped_column(ForeignKey("allies.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AllyAction(Base):
    """Which ally (and key) brought an action, and the consent the supporter gave on the ally's form.

    Deleted with its action (an unconfirmed action expires, an erased supporter's go).
    """

    __tablename__ = "ally_actions"

    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True)
    ally_id: Mapped[int] = mapped_column(ForeignKey("allies.id"), index=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(80), default="")  # the ally's own label (a page, a mailing)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)  # OSDI add_tags, kept as given
    opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    opt_in_wording: Mapped[str] = mapped_column(Text, default="")  # the exact words agreed to, when opt_in
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """The webhook outbox: one confirmed action to post to one ally, claimed by workers with a lease.

    ``payload`` is the JSON body fixed when the row is queued, so every retry sends the same bytes under the
    same ``idempotency_key``; it is emptied once the row is finished (sent or dead), since it may name a supporter.
    """

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    ally_id: Mapped[int] = mapped_column(ForeignKey("allies.id"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="SET NULL"), nullable=True)
    event: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | sending | retry | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_by: Mapped[str] = mapped_column(String(80), default="")
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("ally_id", "action_id", "event"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )
