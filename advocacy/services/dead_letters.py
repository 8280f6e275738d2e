"""Dead letters in bulk: retry or cancel every failed delivery of a campaign (or of one office in it) at once.

The rules are those of one delivery at a time (deliveries.retry_delivery, cancel_delivery): a message whose
text retention deleted is never queued again, a dead digest's letters go back inside it when it is retried,
and every move is logged as a DeliveryEvent. The work is a few statements whatever the number of rows, so
staff can clear a hundred thousand dead letters in one request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, literal, select, update
from sqlalchemy.orm import Session, aliased

from ..domain.states import DeliveryState, check_transition
from ..models import Delivery, DeliveryEvent
from ..models.base import UTCDateTime
from .deliveries import text_deleted_where

S = DeliveryState
D = Delivery
_EVENT_COLUMNS = ("delivery_id", "at", "from_state", "to_state", "reason")


@dataclass(frozen=True)
class DeadLetters:
    """How many dead letters a bulk change would touch, and how many of them lost their text to retention."""

    total: int
    text_deleted: int

    @property
    def retriable(self) -> int:
        return self.total - self.text_deleted


@dataclass(frozen=True)
class BulkChange:
    changed: int  # deliveries moved (a retried digest's letters included)
    text_deleted: int = 0  # dead letters left as they were: their text is gone, so they cannot be sent again


def _dead(campaign: str, office: str) -> ColumnElement[bool]:
    """The dead letters of a campaign, or of one office inbox (lower-cased, as ``office_key``) in it."""
    which = and_(D.status == S.FAILED.value, D.campaign_slug == campaign)
    return and_(which, D.office_key == office) if office else which


def count_dead_letters(session: Session, campaign: str, *, office: str = "") -> DeadLetters:
    """What "retry all" or "cancel all" would find now."""
    total, deleted = session.execute(
        select(func.count(), func.count().filter(text_deleted_where(D.body))).where(_dead(campaign, office))).one()
    return DeadLetters(total, deleted)


def retry_dead_letters(session: Session, campaign: str, *, office: str = "", now: datetime,
                       by: str = "staff") -> BulkChange:
    """Queue every dead letter again, due now with a fresh attempt budget, except those whose text was deleted.

    A dead digest goes back to the queue with the dead letters it carries back inside it (``batched``), as
    ``deliveries.transition`` moves them for one digest; the other dead letters are queued on their own.
    """
    dead, reason = _dead(campaign, office), f"retried by {by}"
    digest = aliased(Delivery)
    wanted = [digest.status == S.FAILED.value, digest.campaign_slug == campaign, digest.kind == "digest",
              ~text_deleted_where(digest.body), *([digest.office_key == office] if office else [])]
    # Locked (on PostgreSQL) until the next statement queues them: their letters follow them.
    retried_digests = select(digest.id).where(*wanted).with_for_update()
    carried = _move(session, D.digest_id.in_(retried_digests.scalar_subquery()), S.BATCHED, now=now,
                    reason=f"{reason}, inside its digest")
    queued = _move(session, and_(dead, ~text_deleted_where(D.body)), S.QUEUED, now=now, reason=reason,
                   next_attempt_at=now, attempts=0)
    deleted = session.scalar(select(func.count()).where(dead, text_deleted_where(D.body))) or 0
    return BulkChange(carried + queued, deleted)


def cancel_dead_letters(session: Session, campaign: str, *, office: str = "", now: datetime,
                        by: str = "staff") -> BulkChange:
    """Cancel every dead letter: it will never be sent (a dead digest's letters are dead letters too)."""
    return BulkChange(_move(session, _dead(campaign, office), S.CANCELLED, now=now, reason=f"cancelled by {by}"))


def _move(session: Session, which: ColumnElement[bool], new: DeliveryState, *, now: datetime, reason: str,
          **values: Any) -> int:
    """Move every failed delivery ``which`` selects to ``new``, logging each move; returns how many moved."""
    check_transition(S.FAILED, new)
    failed = and_(D.status == S.FAILED.value, which)
    move = update(D).where(failed).values(status=new.value, **values)

    def events(ids: Any) -> Any:
        return select(ids, literal(now, UTCDateTime()), literal(S.FAILED.value), literal(new.value),
                      literal(reason[:500]))

    if session.get_bind().dialect.name == "postgresql":
        # One statement: the rows the update moved are the rows logged, whatever other sessions commit meanwhile.
        moved = move.returning(D.id).cte("moved")
        result = session.execute(insert(DeliveryEvent).from_select(_EVENT_COLUMNS, events(moved.c.id))
                                 .add_cte(moved).execution_options(preserve_rowcount=True))
        return result.rowcount or 0  # type: ignore[attr-defined]
    # SQLite has one writer at a time and this insert makes the session the writer until it commits: nothing
    # else changes the table between the two statements, so the rows logged are the rows the update moves.
    session.execute(insert(DeliveryEvent).from_select(_EVENT_COLUMNS, events(D.id).where(failed)))
    result = session.execute(move.execution_options(synchronize_session=False))
    return result.rowcount or 0  # type: ignore[attr-defined]
