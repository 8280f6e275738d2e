"""The worker's webhook job: claim due webhook rows, post each, record each result at once.

Run by ``Worker.run_once`` after the email outbox; each post happens outside any transaction, and its
result is committed right after, so a crash repeats at most the post in flight (same Idempotency-Key).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .channels.webhook import WebhookFailed, post_webhook
from .context import AppContext
from .services.deliveries import RetryPolicy
from .services.webhooks import claim_due_webhooks, record_webhook_result, signed_headers

log = logging.getLogger(__name__)
Poster = Callable[..., None]


@dataclass
class WebhookReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def deliver_webhooks(ctx: AppContext, *, worker: str, clock: Callable[[], datetime],
                     poster: Poster = post_webhook, should_stop: Callable[[], bool] = lambda: False) -> WebhookReport:
    """Post every webhook due now; returns what happened."""
    s = ctx.settings
    policy = RetryPolicy(s.retry_base_seconds, s.retry_cap_seconds, s.max_attempts)
    report = WebhookReport()
    while not should_stop():
        with ctx.db.transaction() as session:
            claimed = claim_due_webhooks(session, worker=worker, now=clock(), limit=s.worker_batch,
                                         lease_seconds=s.worker_lease_seconds)
        if not claimed:
            break
        for hook in claimed:
            if should_stop() or clock() >= hook.claimed_until:
                break  # the rest come back when the lease ends
            body = hook.payload.encode()
            error = None
            try:
                poster(hook.url, body, signed_headers(hook.secret, body, idempotency_key=hook.idempotency_key,
                                                      now=clock()),
                       timeout=s.webhook_timeout_seconds, production=s.production)
            except WebhookFailed as exc:
                error = str(exc)
            with ctx.db.transaction() as session:
                state = record_webhook_result(session, hook.id, worker=worker, now=clock(), error=error,
                                              policy=policy)
            if state == "sent":
                report.sent += 1
            elif state == "retry":
                report.retried += 1
            elif state == "failed":
                report.failed += 1
                log.warning("webhook %s is dead after %d attempts: %s", hook.id, hook.attempts + 1, error)
    return report
