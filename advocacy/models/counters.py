"""Running totals behind the staff dashboard, fed by database triggers through change logs (migration 0014).

Counting a million actions per page view took seconds; these tables hold the same figures already grouped,
a few hundred rows per campaign. Triggers on ``actions`` and ``deliveries`` see every insert, update and delete,
whichever code path (ORM, Core, bulk) wrote the row, so no service has to remember them. A trigger only appends
to a change log (``*_changes``: the row's keys and +1 or -1), because updating a shared total would make every
concurrent transaction touching the same campaign, state or office wait for the first one to commit. The
housekeeping fold (services/counters.py) adds the logged changes into the totals and deletes them; readers add
the changes not yet folded, so every figure is exact. A total can reach 0 and its row stays: readers skip rows
with ``total = 0``.
"""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

# SQLite keeps each of these tables as a b-tree on its key alone (WITHOUT ROWID): one lookup per trigger upsert.
_CLUSTERED = {"sqlite_with_rowid": False}


class ActionCountByRiding(Base):
    """Actions per campaign, riding and state (status, review): the riding table and the headline counts."""

    __tablename__ = "action_counts_by_riding"
    __table_args__ = _CLUSTERED

    campaign_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    district: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    review: Mapped[str] = mapped_column(String(16), primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)


class ActionCountByHour(Base):
    """Counted actions (services/stats.COUNTED) per campaign and UTC hour "YYYY-MM-DD HH" of created_at."""

    __tablename__ = "action_counts_by_hour"
    __table_args__ = _CLUSTERED

    campaign_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    hour: Mapped[str] = mapped_column(String(13), primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)


class ActionCountBySource(Base):
    """Counted actions per campaign and source (what ?source= said, or "ally:<slug>")."""

    __tablename__ = "action_counts_by_source"
    __table_args__ = _CLUSTERED

    campaign_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    source: Mapped[str] = mapped_column(String(80), primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)


class DeliveryCount(Base):
    """Deliveries per campaign, kind (letter, petition, confirmation, ...) and state."""

    __tablename__ = "delivery_counts"
    __table_args__ = _CLUSTERED

    campaign_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)


class LetterCountByOffice(Base):
    """Letters (deliveries of kind "letter") per campaign, office inbox and state."""

    __tablename__ = "letter_counts_by_office"
    __table_args__ = _CLUSTERED

    campaign_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    office_key: Mapped[str] = mapped_column(String(320), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    total: Mapped[int] = mapped_column(Integer, default=0)


class LetterOffice(Base):
    """Who an office inbox of a campaign is, as the letter last written or re-addressed to it names them."""

    __tablename__ = "letter_offices"
    __table_args__ = _CLUSTERED

    campaign_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    office_key: Mapped[str] = mapped_column(String(320), primary_key=True)
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    recipient_office: Mapped[str] = mapped_column(String(200), default="")
    recipient_district: Mapped[str] = mapped_column(String(200), default="")


class ActionCountChange(Base):
    """One action counted in (+1) or out (-1) under these keys, not yet folded into the totals above."""

    __tablename__ = "action_count_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_slug: Mapped[str] = mapped_column(String(80))
    district: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    review: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(80))
    hour: Mapped[str] = mapped_column(String(13))  # UTC "YYYY-MM-DD HH" of created_at, as ActionCountByHour
    delta: Mapped[int] = mapped_column(Integer)


class DeliveryCountChange(Base):
    """One delivery counted in (+1) or out (-1) under these keys, not yet folded into the totals above."""

    __tablename__ = "delivery_count_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_slug: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    office_key: Mapped[str] = mapped_column(String(320))
    delta: Mapped[int] = mapped_column(Integer)


class LetterOfficeChange(Base):
    """An office inbox's name as a letter written or re-addressed to it gave it; the latest id wins."""

    __tablename__ = "letter_office_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_slug: Mapped[str] = mapped_column(String(80))
    office_key: Mapped[str] = mapped_column(String(320))
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_office: Mapped[str] = mapped_column(String(200))
    recipient_district: Mapped[str] = mapped_column(String(200))
