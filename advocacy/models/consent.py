"""The consent ledger: every opt-in and every withdrawal, with the exact words the supporter agreed to.

CASL puts the burden of proving consent on the sender, so each row is evidence on its own: the wording
as shown (and its SHA-256, the wording's version), the language, when, how (web form, widget, API,
unsubscribe link, one-click), from where (the source label), to whom (the union, or an ally), and a
keyed hash of the IP (dropped after the IP retention period). The person is named only by the hash of
their address (tokens.email_hash, as in suppressions), so the evidence outlives anonymisation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ConsentRecord(Base):
    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(16))  # opt_in | withdrawal
    email_hash: Mapped[str] = mapped_column(String(64))
    # The action the opt-in was given with; its consent goes with it if it is never confirmed (deleted).
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), nullable=True,
                                                  index=True)
    campaign_slug: Mapped[str] = mapped_column(String(80), default="")
    ally_id: Mapped[int | None] = mapped_column(ForeignKey("allies.id"), nullable=True)  # None: the union itself
    wording: Mapped[str] = mapped_column(Text, default="")  # exactly as shown; empty for a withdrawal
    wording_sha256: Mapped[str] = mapped_column(String(64), default="")
    lang: Mapped[str] = mapped_column(String(2), default="en")
    method: Mapped[str] = mapped_column(String(16))  # web_form | widget | api | unsubscribe_page | one_click
    source: Mapped[str] = mapped_column(String(80), default="")
    ip_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_consent_records_email", "email_hash", "created_at"),)
