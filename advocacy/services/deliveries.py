"""The outbox: queue deliveries, let workers claim them with a lease, and record what happened."""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.orm import QueryableAttribute, Session

from ..domain.errors import InvalidTransition, MessageTextDeleted
from ..domain.states import ALLOWED, DUE_STATES, DeliveryState, check_transition
from ..domain.types import Attachment, OutgoingMessage, RenderedLetter
from ..domain.verp import default_bounce_address, return_path
from ..models import Action, Delivery, DeliveryEvent
from . import pacing
from .pacing import PacingRules

S = DeliveryState
# What the retention purge (services/privacy.py) leaves in place of a message's text once it has expired.
SCRUBBED_BODY = "[This text was deleted after our retention period. The message was delivered as written.]"
# What erasing a supporter (services/people.py) leaves in place of the subject and text of each of their letters.
ERASED_TEXT = "[removed at the supporter's request]"
# Why a message whose text was removed is cancelled by the worker that holds it instead of being sent.
TEXT_REMOVED = "its text was removed (the supporter's data was erased, or retention deleted it)"
# An import-time check of the state table, not input validation.
assert all(S.SENDING in ALLOWED[s] for s in DUE_STATES), "claimable states must be allowed to start sending"  # nosec B101


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 30.0
    cap_seconds: float = 1800.0
    max_attempts: int = 8

    def delay(self, attempts: int, rng: random.Random | None = None) -> float:
        """Exponential back-off with full jitter, never less than a second (no tight loops)."""
        # Clamp the exponent: past 2**62 the float product overflows, and the cap is reached long before.
        ceiling = min(self.cap_seconds, self.base_seconds * 2.0 ** min(max(attempts - 1, 0), 62))
        return max(1.0, (rng or random).uniform(0, ceiling))  # noqa: S311 - jitter, not security


def new_message_id(domain: str) -> str:
    """A Message-ID fixed when the row is created, so every retry carries the same one."""
    return f"<{secrets.token_hex(16)}@{domain}>"


def enqueue_letter(session: Session, action: Action, letter: RenderedLetter, *, reply_to_name: str,
                   reply_to_address: str, now: datetime, message_domain: str, policy: str = "individual",
                   hold_reason: str = "") -> Delivery:
    """One outbox row for one office; ``hold_reason`` keeps it held (e.g. until the supporter confirms)."""
    r = letter.recipient
    delivery = Delivery(
        action_id=action.id, campaign_slug=action.campaign_slug,
        status=(S.HELD if hold_reason else S.QUEUED).value, hold_reason=hold_reason, kind="letter",
        target_group=r.target_group, policy=policy, office_key=r.email.strip().lower(),
        recipient_name=r.name, recipient_email=r.email, recipient_office=r.office, recipient_district=r.district,
        recipient_level=r.level.value, district_key=r.district_key, match=r.match, source=r.source,
        letter_key=r.letter_key,
        confidence=r.confidence, recipient_source_url=r.source_url, recipient_fetched_at=r.fetched_at,
        reply_to_name=reply_to_name, reply_to_address=reply_to_address, subject=letter.subject, body=letter.body,
        message_id=new_message_id(message_domain), attempts=0, next_attempt_at=now, created_at=now,
    )
    session.add(delivery)
    return delivery


# A digest's letters follow it: sent, dead-lettered, bounced or cancelled with it, and carried again
# (back to ``batched``) when staff queue a failed or bounced digest once more.
_LETTERS_FOLLOW = {S.SENT: S.SENT, S.FAILED: S.FAILED, S.BOUNCED: S.BOUNCED, S.CANCELLED: S.CANCELLED,
                   S.QUEUED: S.BATCHED}


def transition(session: Session, delivery: Delivery, new: DeliveryState, *, reason: str, now: datetime) -> None:
    """The only place a delivery changes state; every change is logged with its reason."""
    old = delivery.status
    check_transition(old, new)
    delivery.status = new.value
    session.add(DeliveryEvent(delivery_id=delivery.id, at=now, from_state=old, to_state=new.value,
                              reason=reason[:500]))
    if delivery.kind == "digest" and new in _LETTERS_FOLLOW:
        _letters_follow(session, delivery, _LETTERS_FOLLOW[new], now=now)


def _letters_follow(session: Session, digest: Delivery, new: DeliveryState, *, now: datetime) -> None:
    """Move the letters carried by ``digest`` along with it (those a person moved on their own stay put)."""
    for letter in session.scalars(select(Delivery).where(Delivery.digest_id == digest.id).order_by(Delivery.id)):
        if new not in ALLOWED[DeliveryState(letter.status)]:
            continue
        transition(session, letter, new, reason=f"digest {digest.id}: {new}", now=now)
        if new == S.SENT:
            letter.sent_at = now
        elif new == S.BOUNCED:
            letter.bounced_at = digest.bounced_at or now
        elif new == S.FAILED:
            letter.last_error = digest.last_error


def note(session: Session, delivery: Delivery, reason: str, *, now: datetime) -> None:
    """Log something that happened to a delivery without changing its state (it was re-addressed)."""
    session.add(DeliveryEvent(delivery_id=delivery.id, at=now, from_state=delivery.status,
                              to_state=delivery.status, reason=reason[:500]))


def claim_due(session: Session, *, worker: str, now: datetime, limit: int, lease_seconds: int,
              rules: PacingRules | None = None) -> list[Delivery]:
    """Atomically take up to ``limit`` due deliveries for ``worker`` until the lease ends.

    A claimed message whose text was removed is cancelled here instead of being returned: it must never be
    sent. That happens when a supporter is erased while a worker holds their letter (erasure cannot cancel
    it then) and that worker crashes or gives it back, so the row comes due again with the placeholder text.
    """
    while True:
        claimed = _claim(session, worker=worker, now=now, limit=limit, lease_seconds=lease_seconds, rules=rules)
        sendable = [delivery for delivery in claimed if not _cancel_if_text_removed(session, delivery, now=now)]
        # Each round that cancels a whole batch takes those rows out of the queue for good, so this ends.
        if sendable or not claimed:
            return sendable


def _cancel_if_text_removed(session: Session, delivery: Delivery, *, now: datetime) -> bool:
    if not text_removed(delivery):
        return False
    delivery.attempts, delivery.claimed_until = max(delivery.attempts - 1, 0), None  # claimed, never attempted
    transition(session, delivery, S.CANCELLED, reason=f"cancelled unsent: {TEXT_REMOVED}", now=now)
    return True


def _claim(session: Session, *, worker: str, now: datetime, limit: int, lease_seconds: int,
           rules: PacingRules | None) -> list[Delivery]:
    """The claim itself (see ``claim_due``).

    ``rules`` (the campaigns' delivery policies; default: the default policy everywhere) decide what may go
    now: office hours, each office's hourly allowance, and a fair turn for every campaign (see pacing.py).
    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets several workers claim disjoint rows at once, and advisory
    locks per office keep them from spending one office's allowance twice.
    SQLite: the writer session starts with ``BEGIN IMMEDIATE``, so claims are serialised.
    Rows whose lease has run out (a worker crashed) are due again.
    """
    rules = rules or PacingRules()
    postgres = session.get_bind().dialect.name == "postgresql"
    closed = rules.closed_groups(now)
    if closed:
        pacing.defer_closed(session, closed, now=now, skip_locked=postgres)
    if postgres:
        # Look first, lock the offices seen, then choose again: the second look sees every claim committed
        # by whoever held those offices before us.
        seen = session.execute(pacing.claimable(rules, now, closed).limit(limit * 2)).all()
        locks = pacing.lock_offices(session, [(r.office_key, r.capped, r.used, r.waiting, r.cap) for r in seen])
        ranked = pacing.claimable(rules, now, closed, locks).subquery("ranked")
        # Postgres refuses FOR UPDATE next to window functions: lock the rows by joining the ranked ids. The
        # repeated ``due`` is what Postgres checks again on a row another claim changed since our snapshot.
        candidates = (select(Delivery.id).join(ranked, ranked.c.id == Delivery.id).where(pacing.due(now))
                      .order_by(*pacing.best_first(ranked)).limit(limit)
                      .with_for_update(skip_locked=True, of=Delivery))
    else:
        ranked = pacing.claimable(rules, now, closed).subquery("ranked")
        candidates = select(ranked.c.id).order_by(*pacing.best_first(ranked)).limit(limit)
    # A CTE runs once. As an IN subquery Postgres may run it again for each row it updates, and each run
    # skips the rows this very statement just took: the claim would take every due row, not ``limit``.
    picked = candidates.cte("picked").prefix_with("MATERIALIZED", dialect="postgresql")
    claimed_ids = session.scalars(
        update(Delivery)
        .where(Delivery.id.in_(select(picked.c.id)), pacing.due(now))
        .values(status=S.SENDING.value, claimed_by=worker, claimed_until=now + timedelta(seconds=lease_seconds),
                attempts=Delivery.attempts + 1)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed_ids:
        return []
    return list(session.scalars(select(Delivery).where(Delivery.id.in_(claimed_ids)).order_by(Delivery.id)
                                .execution_options(populate_existing=True)))


def _owned(session: Session, delivery_id: int, worker: str) -> Delivery | None:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.status != S.SENDING.value or delivery.claimed_by != worker:
        return None  # the lease ran out and another worker took it over
    return delivery


check_transition(S.SENDING, S.SENT)  # the fast path below relies on this move being allowed


def record_sent(session: Session, delivery_id: int, *, worker: str, now: datetime) -> bool:
    """Mark a delivery we still own as sent and log it.

    The common case (anything but a digest, whose letters must follow it) is one conditional UPDATE
    and the event row, without loading the delivery: it only matches a row in ``sending`` that this
    worker holds, and sending → sent is checked against the state table above.
    """
    done = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == S.SENDING.value, Delivery.claimed_by == worker,
               Delivery.kind != "digest")
        .values(status=S.SENT.value, sent_at=now, claimed_until=None, last_error="")
        .returning(Delivery.attempts)
        .execution_options(synchronize_session=False)
    ).first()
    if done is not None:
        session.execute(insert(DeliveryEvent).values(delivery_id=delivery_id, at=now, from_state=S.SENDING.value,
                                                     to_state=S.SENT.value,
                                                     reason=f"accepted (attempt {done.attempts})"))
        return True
    delivery = _owned(session, delivery_id, worker)
    if delivery is None:
        return False
    transition(session, delivery, S.SENT, reason=f"accepted (attempt {delivery.attempts})", now=now)
    delivery.sent_at, delivery.claimed_until, delivery.last_error = now, None, ""
    return True


def record_failure(session: Session, delivery_id: int, *, worker: str, error: str, permanent: bool,
                   now: datetime, policy: RetryPolicy) -> DeliveryState | None:
    """Schedule a retry for a temporary failure, or dead-letter a permanent one (or the last attempt).

    A message whose text was removed while it was being sent (its supporter was erased) is cancelled
    instead: a retry would send the placeholder, and so would staff retrying it as a dead letter.
    """
    delivery = _owned(session, delivery_id, worker)
    if delivery is None:
        return None
    delivery.last_error, delivery.claimed_until = error[:500], None
    if text_removed(delivery):
        transition(session, delivery, S.CANCELLED, reason=f"cancelled, not retried: {TEXT_REMOVED}; the attempt "
                   f"failed: {error}", now=now)
        return S.CANCELLED
    if permanent or delivery.attempts >= policy.max_attempts:
        why = "permanent failure" if permanent else f"gave up after {delivery.attempts} attempts"
        transition(session, delivery, S.FAILED, reason=f"{why}: {error}", now=now)
        return S.FAILED
    delivery.next_attempt_at = now + timedelta(seconds=policy.delay(delivery.attempts))
    transition(session, delivery, S.RETRY, reason=f"temporary failure: {error}", now=now)
    return S.RETRY


def release_claim(session: Session, delivery_id: int, *, worker: str, now: datetime) -> bool:
    """Give back a claimed delivery that was never attempted (the worker is stopping, or its lease ran out).

    It is due again at once, and the attempt counted by the claim is taken back.
    """
    delivery = _owned(session, delivery_id, worker)
    if delivery is None:
        return False
    delivery.attempts = max(delivery.attempts - 1, 0)
    transition(session, delivery, S.RETRY if delivery.attempts else S.QUEUED, reason="released unsent by the worker",
               now=now)
    delivery.next_attempt_at, delivery.claimed_until = now, None
    return True


def outgoing_message(delivery: Delivery, *, from_address: str, org_name: str, bounce_address: str = "",
                     extra_headers: tuple[tuple[str, str], ...] = ()) -> OutgoingMessage:
    """The email for a delivery: from the organisation on the supporter's behalf, replies to the supporter.

    Bounces go to ``bounce_address`` (default: bounces@ the sender's domain) plus the delivery's token,
    so a bounce names the delivery it is about. Attachments (a petition package) travel as stored.
    """
    sender = f"{delivery.reply_to_name} via {org_name}" if delivery.reply_to_name else org_name
    bounces = bounce_address or default_bounce_address(from_address)
    return OutgoingMessage(
        message_id=delivery.message_id, from_name=sender, from_address=from_address,
        to_name=delivery.recipient_name, to_address=delivery.recipient_email,
        reply_to_name=delivery.reply_to_name, reply_to_address=delivery.reply_to_address,
        subject=delivery.subject, body=delivery.body,
        return_path=return_path(bounces, delivery.return_token) if delivery.return_token else "",
        attachments=tuple(Attachment(a.filename, a.content_type, a.data) for a in delivery.attachments),
        extra_headers=extra_headers,
    )


# -- staff operations -------------------------------------------------------

def list_deliveries(session: Session, *, status: str | None = None, campaign: str | None = None,
                    limit: int = 100) -> Sequence[Delivery]:
    query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
    if status:
        query = query.where(Delivery.status == status)
    if campaign:
        query = query.where(Delivery.campaign_slug == campaign)
    return session.scalars(query).all()


def count_by_status(session: Session, campaign: str | None = None) -> dict[str, int]:
    query = select(Delivery.status, func.count()).group_by(Delivery.status)
    if campaign:
        query = query.where(Delivery.campaign_slug == campaign)
    return {status: count for status, count in session.execute(query)}


def _staff_transition(session: Session, delivery_id: int, new: DeliveryState, *, reason: str,
                      now: datetime) -> Delivery:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise InvalidTransition(f"there is no delivery {delivery_id}")
    try:
        transition(session, delivery, new, reason=reason, now=now)
    except InvalidTransition as exc:
        raise InvalidTransition(f"delivery {delivery_id}: {exc}") from exc
    return delivery


def text_deleted(delivery: Delivery) -> bool:
    """True once retention has replaced the message's text: sending it again would send the placeholder."""
    return delivery.body == SCRUBBED_BODY


def text_deleted_where(body: QueryableAttribute[str]) -> ColumnElement[bool]:
    """``text_deleted`` as SQL, for statements over many deliveries (``body``: a Delivery.body column)."""
    return body == SCRUBBED_BODY


def text_removed(delivery: Delivery) -> bool:
    """True once retention or an erasure has replaced the message's text: it must never be sent (again)."""
    return text_deleted(delivery) or delivery.body == ERASED_TEXT


def retry_delivery(session: Session, delivery_id: int, *, now: datetime, by: str = "staff") -> Delivery:
    """Put a dead letter back in the queue, due now, with a fresh attempt budget.

    Refused with ``MessageTextDeleted`` when retention has already deleted its text.
    """
    delivery = session.get(Delivery, delivery_id)
    if delivery is not None and text_deleted(delivery):
        raise MessageTextDeleted(f"delivery {delivery_id}: its text was deleted after the retention period, so it "
                                 "cannot be sent again; cancel it instead")
    delivery = _staff_transition(session, delivery_id, S.QUEUED, reason=f"retried by {by}", now=now)
    delivery.next_attempt_at, delivery.attempts = now, 0
    return delivery


def cancel_delivery(session: Session, delivery_id: int, *, now: datetime, by: str = "staff") -> Delivery:
    """Cancel a delivery that has not gone; refused (``InvalidTransition``) while a worker is sending it."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is not None and delivery.status == S.SENDING.value:
        # The state table lets the worker holding it cancel it (its text was removed), not staff: the
        # message may be on its way at this very moment.
        raise InvalidTransition(f"delivery {delivery_id}: a worker is sending it now")
    return _staff_transition(session, delivery_id, S.CANCELLED, reason=f"cancelled by {by}", now=now)
