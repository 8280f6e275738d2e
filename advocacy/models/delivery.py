"""The outbox: one row per message to send, and the log of its state changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.verp import new_return_token
from .base import Base, UTCDateTime, utcnow


class Delivery(Base):
    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"), nullable=True)
    campaign_slug: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # letter (to an office), digest, petition (package to a target), confirmation, reminder, receipt, notice
    kind: Mapped[str] = mapped_column(String(16), default="letter", server_default="letter")
    # Pacing: which target rule of the campaign produced it (index into targets) and its mode
    target_group: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    policy: Mapped[str] = mapped_column(String(16), default="individual", server_default="individual")
    office_key: Mapped[str] = mapped_column(String(320), default="", server_default="")  # lower-cased inbox
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), nullable=True)
    hold_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # VERP: bounces come back to bounces+<return_token>@domain and name this row. Set on insert, whoever
    # queues the row, so every attempt uses the same return path and a bounce can always find it.
    return_token: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True,
                                                     default=new_return_token)
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A snapshot of the recipient at the time of writing, so staff can audit who got what and why.
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_email: Mapped[str] = mapped_column(String(320))
    recipient_office: Mapped[str] = mapped_column(String(200), default="")
    recipient_district: Mapped[str] = mapped_column(String(200), default="")
    recipient_level: Mapped[str] = mapped_column(String(16), default="")
    # The directory key of the seat or office written to: letters still waiting follow whoever holds it
    # after a directory sync or load (services/readdress.py). Empty for offices named in a campaign file.
    district_key: Mapped[str] = mapped_column(String(200), default="", server_default="")
    match: Mapped[str] = mapped_column(String(40), default="")
    source: Mapped[str] = mapped_column(String(80), default="")
    confidence: Mapped[str] = mapped_column(String(16), default="", server_default="")
    recipient_source_url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    recipient_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    letter_key: Mapped[str] = mapped_column(String(80), default="")
    reply_to_name: Mapped[str] = mapped_column(String(200), default="")
    reply_to_address: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_by: Mapped[str] = mapped_column(String(80), default="")
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Loaded with the row (one extra query per batch), so a worker that claimed it can send it after the
    # claim's session has closed; only petition packages have any.
    attachments: Mapped[list[DeliveryAttachment]] = relationship(
        lazy="selectin", order_by="DeliveryAttachment.id", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_office", "office_key", "status", "sent_at"),
        Index("ix_deliveries_district", "district_key", "status"),
        Index("ix_deliveries_action", "action_id"),
    )


class DeliveryAttachment(Base):
    """A file sent with a delivery (the petition package), stored so a retry sends the same bytes."""

    __tablename__ = "delivery_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class AddressFlag(Base):
    """An office inbox that bounced: staff see it, and deliveries to it can be held."""

    __tablename__ = "address_flags"

    address: Mapped[str] = mapped_column(String(320), primary_key=True)  # lower-cased
    status: Mapped[str] = mapped_column(String(16), default="failing")
    reason: Mapped[str] = mapped_column(String(500), default="")
    bounces: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PetitionMilestone(Base):
    """A petition delivery that has been queued (a milestone count, a schedule slot, or the close)."""

    __tablename__ = "petition_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_slug: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(40))  # "1000", "close", "2026-W48"
    signatures: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("campaign_slug", "key"),)


class DeliveryEvent(Base):
    __tablename__ = "delivery_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500), default="")
