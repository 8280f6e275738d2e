"""Allies' webhooks: queue one signed JSON post per confirmed action an ally brought, claim and record them.

The rows are an outbox of their own (``webhook_deliveries``) with the same habits as the email outbox:
queued in the transaction that makes the action count, claimed by workers with a lease (PostgreSQL:
``FOR UPDATE SKIP LOCKED``), retried with back-off, dead after the attempt budget. Every attempt sends the
same body and ``Idempotency-Key``, so an ally whose server saw a post before a crash can ignore the repeat.

The supporter's name, email and postal code go to the ally only when the supporter ticked the ally's own
opt-in on that action; otherwise the ally learns that an action happened, on which campaign, from which of
its pages, and the riding.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from ..models import Action, Ally, AllyAction, WebhookDelivery
from .deliveries import RetryPolicy
from .stats import COUNTED

EVENT = "action.confirmed"
SIGNATURE_HEADER = "X-Advocacy-Signature"
TIMESTAMP_HEADER = "X-Advocacy-Timestamp"
FINISHED = ("sent", "failed")


@dataclass(frozen=True)
class ClaimedWebhook:
    """What a worker needs to post one row, read inside the claim so the post happens outside any transaction."""

    id: int
    url: str
    secret: str
    payload: str
    idempotency_key: str
    attempts: int
    claimed_until: datetime


def queue_action_webhooks(session: Session, action_ids: Sequence[int], *, now: datetime) -> int:
    """Queue the webhook of every ally that brought one of these actions, if the action counts now."""
    if not action_ids:
        return 0
    rows = session.execute(
        select(Action, AllyAction, Ally).join(AllyAction, AllyAction.action_id == Action.id)
        .join(Ally, Ally.id == AllyAction.ally_id)
        .where(Action.id.in_(list(action_ids)), COUNTED, Ally.webhook_url != "")).all()
    queued = 0
    for action, attribution, ally in rows:
        exists = session.scalar(select(WebhookDelivery.id).where(
            WebhookDelivery.ally_id == ally.id, WebhookDelivery.action_id == action.id, WebhookDelivery.event == EVENT))
        if exists is not None:
            continue
        key = secrets.token_hex(16)
        body = action_payload(action, attribution, ally, key=key, now=now)
        session.add(WebhookDelivery(ally_id=ally.id, action_id=action.id, event=EVENT, idempotency_key=key,
                                    payload=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
                                    status="queued", attempts=0, next_attempt_at=now, created_at=now))
        queued += 1
    session.flush()
    return queued


def action_payload(action: Action, attribution: AllyAction, ally: Ally, *, key: str,
                   now: datetime) -> dict[str, object]:
    """The JSON body posted for one action (documented in README, "For allies")."""
    supporter = None
    if attribution.opt_in:  # the supporter agreed, in the ally's own words, to hear from the ally
        supporter = {"first_name": action.first_name, "last_name": action.last_name, "email": action.email_key,
                     "postal_code": action.postal_code}
    return {
        "id": key, "type": EVENT, "created_at": now.isoformat(),
        "ally": ally.slug, "campaign": action.campaign_slug, "kind": action.kind, "lang": action.lang,
        "source": attribution.source, "tags": list(attribution.tags), "district": action.district,
        "action_at": action.created_at.isoformat(), "opt_in": attribution.opt_in,
        "opt_in_wording": attribution.opt_in_wording, "supporter": supporter,
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``"<timestamp>." + body`` with the ally's secret (see README)."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_headers(secret: str, body: bytes, *, idempotency_key: str, now: datetime) -> dict[str, str]:
    timestamp = int(now.timestamp())
    return {"Content-Type": "application/json", "User-Agent": "advocacy-webhooks/1",
            "Idempotency-Key": idempotency_key, "X-Advocacy-Event": EVENT,
            TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, body)}


def claim_due_webhooks(session: Session, *, worker: str, now: datetime, limit: int,
                       lease_seconds: int) -> list[ClaimedWebhook]:
    """Take up to ``limit`` due rows for ``worker`` until the lease ends (an expired lease is due again)."""
    due = or_(and_(WebhookDelivery.status.in_(("queued", "retry")), WebhookDelivery.next_attempt_at <= now),
              and_(WebhookDelivery.status == "sending", WebhookDelivery.claimed_until < now))
    chosen = select(WebhookDelivery.id).where(due).order_by(WebhookDelivery.next_attempt_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        chosen = chosen.with_for_update(skip_locked=True)
    until = now + timedelta(seconds=lease_seconds)
    ids = list(session.scalars(update(WebhookDelivery).where(WebhookDelivery.id.in_(chosen.scalar_subquery()))
                               .values(status="sending", claimed_by=worker, claimed_until=until)
                               .returning(WebhookDelivery.id)))
    if not ids:
        return []
    rows = session.execute(select(WebhookDelivery, Ally).join(Ally, Ally.id == WebhookDelivery.ally_id)
                           .where(WebhookDelivery.id.in_(ids)).order_by(WebhookDelivery.id)).all()
    return [ClaimedWebhook(row.id, ally.webhook_url, ally.webhook_secret, row.payload, row.idempotency_key,
                           row.attempts, until) for row, ally in rows]


def record_webhook_result(session: Session, webhook_id: int, *, worker: str, now: datetime, error: str | None,
                          policy: RetryPolicy) -> str | None:
    """sent, retry or failed (dead after ``policy.max_attempts``); ``None`` if the lease was lost meanwhile."""
    row = session.get(WebhookDelivery, webhook_id)
    if row is None or row.status != "sending" or row.claimed_by != worker:
        return None
    row.attempts += 1
    row.claimed_until, row.claimed_by = None, ""
    if error is None:
        row.status, row.sent_at, row.last_error = "sent", now, ""
    elif row.attempts >= policy.max_attempts:
        row.status, row.last_error = "failed", error[:500]
    else:
        row.status, row.last_error = "retry", error[:500]
        row.next_attempt_at = now + timedelta(seconds=policy.delay(row.attempts))
    if row.status in FINISHED:
        row.payload = "{}"  # it may name a supporter: keep nothing once the row is done
    session.flush()
    return row.status


def retry_webhooks(session: Session, ally_slug: str, *, now: datetime) -> int:
    """Queue an ally's dead webhooks once more (after they fixed their server); their payloads are rebuilt."""
    rows = session.execute(select(WebhookDelivery, Ally).join(Ally, Ally.id == WebhookDelivery.ally_id)
                           .where(Ally.slug == ally_slug, WebhookDelivery.status == "failed")).all()
    retried = 0
    for row, ally in rows:
        found = session.execute(select(Action, AllyAction).join(AllyAction, AllyAction.action_id == Action.id)
                                .where(Action.id == row.action_id, AllyAction.ally_id == ally.id)).first()
        if found is None:
            continue  # the action is gone (expired or erased): nothing to tell
        row.payload = json.dumps(action_payload(found[0], found[1], ally, key=row.idempotency_key, now=now),
                                 separators=(",", ":"), ensure_ascii=False)
        row.status, row.attempts, row.next_attempt_at, row.last_error = "queued", 0, now, ""
        retried += 1
    session.flush()
    return retried
