"""One action by a supporter on a campaign: a petition signature or a letter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Confirmation(Base):
    """One emailed link that confirms every pending action of an address on a campaign.

    Only a hash of the token is stored; the link itself lives in the outgoing email.
    """

    __tablename__ = "confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_slug: Mapped[str] = mapped_column(String(80))
    email_key: Mapped[str] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    lang: Mapped[str] = mapped_column(String(2), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_confirmations_email", "email_key", "campaign_slug", "created_at"),)


class Suppression(Base):
    """An address that must not get campaign mail: unsubscribed or erased. Only a hash is kept."""

    __tablename__ = "suppressions"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Action(Base):
    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_slug: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))  # "signature" | "letter"
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    # None once the supporter is erased: the action stays, anonymised, so counts do not change.
    supporter_id: Mapped[int | None] = mapped_column(ForeignKey("supporters.id"), nullable=True)
    email_key: Mapped[str] = mapped_column(String(320))
    # The address as one mailbox (services/abuse.canonical_email: Gmail ignores dots and "+tags"), so one person
    # signs a petition once whichever spelling they type. email_key stays the address as typed (lower-cased):
    # confirmations, unsubscribes and suppression hashes go by it. NULL only for rows older than it that
    # duplicated an earlier signature (migration 0013).
    canonical_key: Mapped[str | None] = mapped_column(String(320), nullable=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(6))
    district: Mapped[str] = mapped_column(String(200), default="")
    opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(80), default="")
    lang: Mapped[str] = mapped_column(String(2), default="en", server_default="en")
    confirmation_id: Mapped[int | None] = mapped_column(ForeignKey("confirmations.id"), nullable=True, index=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # the email link was used
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Staff review (services/moderation.py): "" (never flagged, or approved), "pending" (in the queue) or
    # "rejected". Only confirmed actions with an empty review are counted or have their letters sent; an
    # approval empties it again, so counting stays one equality on an indexed column.
    review: Mapped[str] = mapped_column(String(16), default="", server_default="")
    review_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    review_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Privacy (services/privacy.py): the sender's IP only as a keyed hash, dropped after the IP retention
    # period; and when the personal details were removed (the row stays, so counts never change).
    ip_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        # One signature per person (canonical address) per petition; letters may be sent more than once.
        Index(
            "uq_actions_signature_per_person",
            "campaign_slug",
            "canonical_key",
            unique=True,
            sqlite_where=text("kind = 'signature'"),
            postgresql_where=text("kind = 'signature'"),
        ),
        Index("ix_actions_campaign_status", "campaign_slug", "status", "review"),
        # The review queue: the few actions waiting for staff.
        Index("ix_actions_review_queue", "review", "flagged_at",
              sqlite_where=text("review = 'pending'"), postgresql_where=text("review = 'pending'")),
    )
