"""The review queue: actions flagged by abuse checks or held by staff wait here until approved or rejected.

An action in review is not counted, and its letters stay held (the worker never claims held rows) until
staff decide. Review and email confirmation are independent: a letter leaves only when both allow it.
An erased supporter's action (services/people.py) is never held, approved or edited: erasure rejects it if it
was waiting for review, so it stays uncounted, and no letter of theirs can be released.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..domain.states import DeliveryState
from ..models import Action, Delivery
from .deliveries import transition
from .letters import AWAITING
from .stats import forget_public_count
from .webhooks import queue_action_webhooks

S = DeliveryState
IN_REVIEW = "held for review"  # the hold reason of letters whose action is in review
PENDING, REJECTED = "pending", "rejected"
ERASED_NOTE = "closed: the supporter's data was erased"  # the review note of an action erasure rejected
# Letters not yet handed to a worker or a digest: the ones a review can still stop or change.
UNSENT = (S.HELD.value, S.QUEUED.value, S.RETRY.value)


class ReviewError(ValueError):
    """A review decision that cannot be made (the action is not waiting for one, or the edit is empty)."""


class ActionErased(ReviewError):
    """The action's supporter was erased: it may not be held, approved or edited (only rejected)."""


def is_erased(action: Action) -> bool:
    """Whether the action's supporter was erased: only erasure unlinks an action from its supporter."""
    return action.supporter_id is None


def _refuse_erased(action: Action) -> None:
    # Counting it again would change a count erasure kept, and its letters were cancelled for good.
    if is_erased(action):
        raise ActionErased("The supporter's data was erased: the action stays as it is and no letter of theirs "
                           "is sent.")


@dataclass(frozen=True)
class LetterEdit:
    """New text for one delivery of a letter, written by staff before approving it."""

    delivery_id: int
    subject: str
    body: str


def _persistent(session: Session, action: Action) -> Action:
    # record_signature answers with a plain object for a row written with Core: load the real row.
    if action in session:
        return action
    row = session.get(Action, action.id)
    if row is None:
        raise ReviewError(f"action {action.id} does not exist")
    return row


def letters_of(session: Session, action_id: int, states: Sequence[str] = UNSENT) -> list[Delivery]:
    return list(session.scalars(select(Delivery).where(Delivery.action_id == action_id, Delivery.kind == "letter",
                                                       Delivery.status.in_(states)).order_by(Delivery.id)))


def flag_for_review(session: Session, action: Action, reason: str, *, now: datetime) -> None:
    """Put an action (signature or letter) in review: not counted, and its letters held, until staff decide.

    Flagging an action already in review keeps the first reason. Letters already with a worker or in a
    digest cannot be stopped; every other unsent letter is held, including those still waiting for the
    supporter's confirmation (they then need both: see ``approve``). An erased supporter's action cannot be
    held (``ActionErased``): erasure keeps every count as it was.
    """
    action = _persistent(session, action)
    if action.review == PENDING:
        return
    _refuse_erased(action)
    action.review, action.review_reason, action.review_note = PENDING, reason.strip()[:200], ""
    action.flagged_at, action.reviewed_at = now, None
    for delivery in letters_of(session, action.id):
        if delivery.status != S.HELD.value:
            transition(session, delivery, S.HELD, reason=f"{IN_REVIEW}: {reason}", now=now)
        # Review takes over the supporter's confirmation (``approve`` restores it); another hold (a vacant
        # seat) keeps its reason, and whoever releases it asks ``release_reason`` first.
        if delivery.hold_reason in ("", AWAITING):
            delivery.hold_reason = IN_REVIEW
    forget_public_count(session, action.campaign_slug)
    session.flush()


def release_reason(action: Action | None) -> str:
    """Why a held letter of ``action`` must stay held once nothing else holds it ("" = it may go)."""
    if action is None:
        return ""
    if action.review:
        return IN_REVIEW
    return AWAITING if action.status == "pending" else ""


def pending_reviews(session: Session, *, limit: int = 100, offset: int = 0) -> list[Action]:
    """The queue, oldest first."""
    return list(session.scalars(select(Action).where(Action.review == PENDING)
                                .order_by(Action.flagged_at, Action.id).limit(limit).offset(offset)))


def _decide(action: Action, review: str, note: str, now: datetime) -> None:
    if action.review != PENDING:
        raise ReviewError("This action is not waiting for review.")
    action.review, action.review_note, action.reviewed_at = review, note.strip(), now


def approve(session: Session, action: Action, *, now: datetime, note: str = "") -> int:
    """Count the action and send its letters on (or keep them for the supporter's confirmation).

    Returns how many letters were queued. An erased supporter's action is refused (``ActionErased``).
    """
    action = _persistent(session, action)
    _refuse_erased(action)
    _decide(action, "", note, now)
    queued = 0
    for delivery in letters_of(session, action.id, (S.HELD.value,)):
        if delivery.hold_reason != IN_REVIEW:
            continue  # held for another reason (a vacant seat) that will release it itself
        still = release_reason(action)
        if still:
            delivery.hold_reason = still
            continue
        transition(session, delivery, S.QUEUED, reason="approved in review", now=now)
        delivery.hold_reason, delivery.next_attempt_at = "", now
        queued += 1
    forget_public_count(session, action.campaign_slug)
    session.flush()
    queue_action_webhooks(session, [action.id], now=now)  # the ally hears of it once it counts
    return queued


def reject(session: Session, action: Action, *, now: datetime, note: str = "") -> int:
    """Never count the action and cancel its unsent letters; the rows stay for the record."""
    action = _persistent(session, action)
    _decide(action, REJECTED, note, now)
    cancelled = 0
    for delivery in letters_of(session, action.id):
        transition(session, delivery, S.CANCELLED, reason="rejected in review", now=now)
        delivery.hold_reason = ""
        cancelled += 1
    forget_public_count(session, action.campaign_slug)
    session.flush()
    return cancelled


def reject_erased(session: Session, action_ids: Sequence[int], *, now: datetime) -> int:
    """Close the reviews of an erased supporter's actions as rejected (their letters erasure cancels itself).

    They were not counted while waiting and never will be: nobody can decide on them any more. Returns how
    many were waiting.
    """
    return session.execute(update(Action).where(Action.id.in_(action_ids), Action.review == PENDING).values(
        review=REJECTED, review_note=ERASED_NOTE, reviewed_at=now)).rowcount


def edit_and_approve(session: Session, action: Action, edits: Sequence[LetterEdit], *, note: str,
                     now: datetime) -> int:
    """Replace the subject and body of the action's held letters, then approve it. A note is required."""
    action = _persistent(session, action)
    _refuse_erased(action)
    if not note.strip():
        raise ReviewError("Say why the letter was edited.")
    if action.review != PENDING:
        raise ReviewError("This action is not waiting for review.")
    held = {d.id: d for d in letters_of(session, action.id, (S.HELD.value,))}
    for edit in edits:
        delivery = held.get(edit.delivery_id)
        if delivery is None:
            raise ReviewError("That letter can no longer be edited.")
        subject, body = " ".join(edit.subject.split()), edit.body.strip()
        if not subject or not body:
            raise ReviewError("A letter needs a subject and a body.")
        if len(subject) > 300:
            raise ReviewError("A subject can be at most 300 characters.")
        delivery.subject, delivery.body = subject, body + "\n"
    return approve(session, action, now=now, note=note)
