"""The delivery worker: claim due rows, send each through the channel, record each result at once.

Each outcome is committed right after the channel answers, so a crash can repeat at most
the message in flight (with the same Message-ID). Database hiccups (a locked SQLite file,
a dropped PostgreSQL connection) make the worker back off, never exit.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from .channels import Channel
from .context import AppContext
from .domain.errors import ChannelError
from .models import Delivery
from .models.base import utcnow
from .services.counters import fold_counters
from .services.deliveries import (
    RetryPolicy,
    claim_due,
    outgoing_message,
    record_failure,
    record_sent,
    release_claim,
)
from .services.digests import any_waiting, build_digests
from .services.housekeeping import run_housekeeping
from .services.pacing import PacingRules
from .services.supporter_mail import list_unsubscribe_headers
from .webhook_worker import deliver_webhooks

log = logging.getLogger(__name__)

# Errors that mean "the database is busy or unreachable for now", not "this code is wrong".
DATABASE_TROUBLE = (OperationalError, InterfaceError, PoolTimeout)
NAME_LENGTH = 80  # the width of deliveries.claimed_by
CLAIM_TRIES = 20  # consecutive failed claims before run_once gives up until the next poll
RECORD_TRIES = 20
HOUSEKEEPING_SECONDS = 60


def default_name() -> str:
    """host:pid:random, unique per worker object.

    Leases are checked by name, so two workers must never share one, even in one thread
    of one process: otherwise a late result from one could overwrite the other's.
    """
    suffix = f":{os.getpid()}:{secrets.token_hex(4)}"
    return socket.gethostname()[: NAME_LENGTH - len(suffix)] + suffix


@dataclass
class WorkerReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0  # failed after their text was removed (the supporter was erased meanwhile): never retried
    released: int = 0
    digests: int = 0
    webhooks: int = 0  # posted to allies
    database_errors: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.cancelled


class Worker:
    def __init__(self, ctx: AppContext, channel: Channel, *, name: str | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.ctx = ctx
        self.channel = channel
        self.name = name or default_name()
        if len(self.name) > NAME_LENGTH:
            raise ValueError(f"a worker name has at most {NAME_LENGTH} characters")
        self.clock = clock
        s = ctx.settings
        self.policy = RetryPolicy(s.retry_base_seconds, s.retry_cap_seconds, s.max_attempts)
        self._rules_revision = ctx.catalog.revision
        self.rules = PacingRules.from_catalog(ctx.catalog)
        self.stopping = threading.Event()
        self._housekeeping_at: datetime | None = None

    def stop(self) -> None:
        """Finish the message in flight, give back the rest of the batch, and return."""
        self.stopping.set()

    def run_once(self, report: WorkerReport | None = None) -> WorkerReport:
        """Do the periodic jobs, build the digests that are due, send everything that is due now, then return."""
        report = report or WorkerReport()
        self._housekeeping(report)
        self._build_digests(report)
        failed_claims = 0
        while not self.stopping.is_set():
            try:
                claimed = self._claim()
            except DATABASE_TROUBLE as exc:
                report.database_errors += 1
                failed_claims += 1
                log.warning("claim failed, backing off: %s", type(exc).__name__)
                if failed_claims >= CLAIM_TRIES:
                    break  # try again at the next poll rather than spin here for ever
                self.stopping.wait(0.5)
                continue
            failed_claims = 0
            if not claimed:
                break
            self._send_batch(claimed, report)
        self._webhooks(report)
        return report

    def _webhooks(self, report: WorkerReport) -> None:
        """Allies' webhooks (webhook_worker.py); a busy database only postpones them to the next poll."""
        try:
            done = deliver_webhooks(self.ctx, worker=self.name, clock=self.clock, should_stop=self.stopping.is_set)
        except DATABASE_TROUBLE as exc:
            report.database_errors += 1
            log.warning("webhooks failed, trying at the next poll: %s", type(exc).__name__)
            return
        report.webhooks += done.sent

    def run_forever(self) -> None:
        """Poll until SIGTERM or SIGINT (or ``stop()``); the message in flight is finished and recorded first."""
        restore = self._catch_signals()
        log.info("worker %s started", self.name)
        try:
            while not self.stopping.is_set():
                report = self.run_once()
                if report.handled:
                    log.info("worker %s: %d sent, %d to retry, %d failed, %d cancelled", self.name, report.sent,
                             report.retried, report.failed, report.cancelled)
                self.stopping.wait(self.ctx.settings.worker_poll_seconds)
        finally:
            restore()
        log.info("worker %s stopped", self.name)

    def _catch_signals(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None  # only the main thread may set handlers; the caller stops us with stop()
        signals = (signal.SIGTERM, signal.SIGINT)
        previous = {sig: signal.getsignal(sig) for sig in signals}

        def handle(signum: int, _frame: Any) -> None:  # noqa: ANN401 - a frame object
            log.info("worker %s stopping on signal %d", self.name, signum)
            self.stop()

        for sig in signals:
            signal.signal(sig, handle)

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore

    def _housekeeping(self, report: WorkerReport) -> None:
        """Reminders, expiry and due petition deliveries, then the dashboard counters' fold, at most once a minute
        per worker (they are idempotent)."""
        now = self.clock()
        if self._housekeeping_at is not None and (now - self._housekeeping_at).total_seconds() < HOUSEKEEPING_SECONDS:
            return
        self._housekeeping_at = now
        try:
            with self.ctx.db.transaction() as session:
                done = run_housekeeping(session, self.ctx.catalog, self.ctx.provider, mail=self.ctx.mail, now=now,
                                        retention=self.ctx.retention, staff_timeouts=self.ctx.staff_timeouts)
            with self.ctx.db.transaction() as session:  # its own short transaction, apart from any claim
                fold_counters(session)
        except DATABASE_TROUBLE as exc:
            report.database_errors += 1
            log.warning("housekeeping failed, trying at the next poll: %s", type(exc).__name__)
            self._housekeeping_at = None
            return
        if done.anything_done:
            log.info("housekeeping: %s", done)

    def _build_digests(self, report: WorkerReport) -> None:
        """Gather letters whose digest is due; a busy database only postpones that to the next poll."""
        try:
            with self.ctx.db.session() as reader:
                if not any_waiting(reader):
                    return
            with self.ctx.db.transaction() as session:
                built = build_digests(session, self.ctx.catalog, self.clock(),
                                      message_domain=self.ctx.message_domain)
        except DATABASE_TROUBLE as exc:
            report.database_errors += 1
            log.warning("building digests failed, trying at the next poll: %s", type(exc).__name__)
            return
        report.digests += len(built)
        for digest in built:
            log.info("digest %s: %s to %s", digest.id, digest.subject, digest.recipient_email)

    def _claim(self) -> list[Delivery]:
        s = self.ctx.settings
        if self.ctx.catalog.revision != self._rules_revision:  # a campaign was made or changed in the admin
            self._rules_revision = self.ctx.catalog.revision
            self.rules = PacingRules.from_catalog(self.ctx.catalog)
        with self.ctx.db.transaction() as session:
            return claim_due(session, worker=self.name, now=self.clock(), limit=s.worker_batch,
                             lease_seconds=s.worker_lease_seconds, rules=self.rules)

    def _send_batch(self, deliveries: list[Delivery], report: WorkerReport) -> None:
        s = self.ctx.settings
        pending = list(deliveries)
        with self.channel.batch() as sender:
            while pending:
                delivery = pending[0]
                # Once the lease has run out another worker may own the row: sending it here could duplicate it.
                if self.stopping.is_set() or self.clock() >= delivery.claimed_until:
                    break
                pending.pop(0)
                try:
                    message = outgoing_message(delivery, from_address=s.from_address, org_name=s.org_name,
                                               bounce_address=s.bounce_mailbox,
                                               extra_headers=list_unsubscribe_headers(self.ctx.mail, delivery))
                    sender.send(message)
                except ChannelError as exc:
                    self._record(report, delivery.id, error=str(exc), permanent=exc.permanent)
                except Exception as exc:  # noqa: BLE001 - one bad message must not stop the others
                    # Counted as a temporary failure, so the attempt budget still ends it as a dead letter.
                    log.exception("delivery %s failed unexpectedly", delivery.id)
                    self._record(report, delivery.id, error=f"{type(exc).__name__}: {exc}", permanent=False)
                else:
                    self._record(report, delivery.id)
        if pending:
            self._release(pending, report)

    def _release(self, deliveries: list[Delivery], report: WorkerReport) -> None:
        """Hand unsent rows back now rather than leave them locked until the lease ends."""
        try:
            with self.ctx.db.transaction() as session:
                for delivery in deliveries:
                    report.released += release_claim(session, delivery.id, worker=self.name, now=self.clock())
        except DATABASE_TROUBLE as exc:
            report.database_errors += 1
            log.warning("could not release %d deliveries (%s); their lease will", len(deliveries),
                        type(exc).__name__)

    def _record(self, report: WorkerReport, delivery_id: int, *, error: str | None = None,
                permanent: bool = False) -> None:
        for attempt in range(RECORD_TRIES):
            try:
                with self.ctx.db.transaction() as session:
                    if error is None:
                        if record_sent(session, delivery_id, worker=self.name, now=self.clock()):
                            report.sent += 1
                        return
                    state = record_failure(session, delivery_id, worker=self.name, error=error,
                                           permanent=permanent, now=self.clock(), policy=self.policy)
                    if state is not None:
                        report.failed += state == "failed"
                        report.retried += state == "retry"
                        report.cancelled += state == "cancelled"
                        report.errors.append(error)
                    return
            except DATABASE_TROUBLE as exc:
                report.database_errors += 1
                log.warning("recording delivery %s failed (%s), retrying", delivery_id, type(exc).__name__)
                # A plain sleep, not stopping.wait(): a stopping worker must still record what it sent.
                time.sleep(min(0.1 * 2 ** attempt, 2.0))
        # Give up recording; the lease will expire and the delivery will be sent again with the same Message-ID.
        log.error("could not record the outcome of delivery %s", delivery_id)
