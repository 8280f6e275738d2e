"""The delivery worker: claim due rows, send each through the channel, record each result at once.

Each outcome is committed right after the channel answers, so a crash can repeat at most
the message in flight (with the same Message-ID). Database hiccups (a locked SQLite file,
a dropped PostgreSQL connection) make the worker back off, never exit.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import OperationalError

from .channels import Channel
from .context import AppContext
from .domain.errors import ChannelError
from .models.base import utcnow
from .services.deliveries import RetryPolicy, claim_due, outgoing_message, record_failure, record_sent

log = logging.getLogger(__name__)


@dataclass
class WorkerReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    database_errors: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


class Worker:
    def __init__(self, ctx: AppContext, channel: Channel, *, name: str | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.ctx = ctx
        self.channel = channel
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 10000}"
        self.clock = clock
        s = ctx.settings
        self.policy = RetryPolicy(s.retry_base_seconds, s.retry_cap_seconds, s.max_attempts)
        self.stopping = threading.Event()

    def run_once(self, report: WorkerReport | None = None) -> WorkerReport:
        """Send everything that is due now, then return."""
        report = report or WorkerReport()
        while not self.stopping.is_set():
            try:
                claimed = self._claim()
            except OperationalError as exc:
                report.database_errors += 1
                log.warning("claim failed, backing off: %s", type(exc).__name__)
                self.stopping.wait(0.5)
                continue
            if not claimed:
                break
            self._send_batch(claimed, report)
        return report

    def run_forever(self) -> None:
        """Poll until SIGTERM or SIGINT; the message in flight is finished first."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stopping.set())
        log.info("worker %s started", self.name)
        while not self.stopping.is_set():
            report = self.run_once()
            if report.handled:
                log.info("worker %s: %d sent, %d to retry, %d failed", self.name, report.sent, report.retried,
                         report.failed)
            self.stopping.wait(self.ctx.settings.worker_poll_seconds)

    def _claim(self) -> list:  # noqa: ANN401 - detached Delivery rows
        s = self.ctx.settings
        with self.ctx.db.transaction() as session:
            return claim_due(session, worker=self.name, now=self.clock(), limit=s.worker_batch,
                             lease_seconds=s.worker_lease_seconds)

    def _send_batch(self, deliveries: list, report: WorkerReport) -> None:
        s = self.ctx.settings
        with self.channel.batch() as sender:
            for delivery in deliveries:
                if self.stopping.is_set():
                    return  # the rest come back when their lease ends
                message = outgoing_message(delivery, from_address=s.from_address, org_name=s.org_name)
                try:
                    sender.send(message)
                except ChannelError as exc:
                    self._record(report, delivery.id, error=str(exc), permanent=exc.permanent)
                else:
                    self._record(report, delivery.id)

    def _record(self, report: WorkerReport, delivery_id: int, *, error: str | None = None,
                permanent: bool = False) -> None:
        for attempt in range(20):
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
                        report.errors.append(error)
                    return
            except OperationalError as exc:
                report.database_errors += 1
                log.warning("recording delivery %s failed (%s), retrying", delivery_id, type(exc).__name__)
                self.stopping.wait(min(0.1 * 2 ** attempt, 2.0))
        # Give up recording; the lease will expire and the delivery will be sent again with the same Message-ID.
        log.error("could not record the outcome of delivery %s", delivery_id)
