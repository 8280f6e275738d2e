"""Leases: a crashed worker's rows come back, and a late result never overwrites a newer one."""

from __future__ import annotations

import dataclasses

from advocacy.domain.types import OutgoingMessage
from advocacy.services.deliveries import record_failure, record_sent
from advocacy.worker import NAME_LENGTH, Worker, WorkerReport

from ..smtp import SmtpSink
from .conftest import events, row, rows, smtp_worker

LEASE = 120  # the default worker_lease_seconds


def test_each_worker_has_its_own_name(ctx, smtp_sink, clock):
    workers = [smtp_worker(ctx, smtp_sink.url, clock) for _ in range(50)]
    assert len({w.name for w in workers}) == 50
    assert all(len(w.name) <= NAME_LENGTH for w in workers)


def test_a_crashed_workers_rows_are_reclaimed_after_the_lease_and_sent_with_the_same_message_id(
        ctx, letters, smtp_sink, clock):
    ids = letters.make(3)
    crashed = smtp_worker(ctx, smtp_sink.url, clock)
    claimed = crashed._claim()  # it claims, then dies before sending or recording anything
    assert sorted(d.id for d in claimed) == ids
    message_ids = {d.id: d.message_id for d in claimed}

    survivor = smtp_worker(ctx, smtp_sink.url, clock)
    assert survivor.run_once().handled == 0  # the lease still holds
    clock.advance(LEASE - 1)
    assert survivor.run_once().handled == 0
    clock.advance(2)
    report = survivor.run_once()

    assert report.sent == len(ids)
    assert sorted(m["Message-ID"] for m in smtp_sink.messages) == sorted(message_ids.values())
    for delivery in rows(ctx.db, ids):
        assert (delivery.status, delivery.attempts, delivery.claimed_by) == ("sent", 2, survivor.name)
        assert delivery.message_id == message_ids[delivery.id]


def test_a_late_result_from_the_first_worker_does_not_overwrite_the_second(ctx, letters, smtp_sink, clock):
    bounced, delivered = letters.make(1)
    slow = smtp_worker(ctx, smtp_sink.url, clock)
    slow._claim()
    clock.advance(LEASE + 1)
    smtp_sink.rcpt_reply = lambda address: "550 5.1.1 No such mailbox" if address.startswith("mpp.") else None
    fast = smtp_worker(ctx, smtp_sink.url, clock)
    assert fast.run_once().handled == 2
    assert (row(ctx.db, bounced).status, row(ctx.db, delivered).status) == ("failed", "sent")

    # The first worker comes back from a long stall and reports the opposite outcomes.
    report = WorkerReport()
    slow._record(report, bounced)
    slow._record(report, delivered, error="SMTP 451: try later", permanent=False)
    with ctx.db.transaction() as session:
        assert not record_sent(session, bounced, worker=slow.name, now=clock())
        assert record_failure(session, delivered, worker=slow.name, error="x", permanent=True, now=clock(),
                              policy=slow.policy) is None

    assert report.handled == 0
    assert (row(ctx.db, bounced).status, row(ctx.db, bounced).last_error) == ("failed",
                                                                              "SMTP 550: 5.1.1 No such mailbox")
    assert (row(ctx.db, delivered).status, row(ctx.db, delivered).last_error) == ("sent", "")
    assert len(events(ctx.db, bounced)) == len(events(ctx.db, delivered)) == 1


def test_a_worker_whose_lease_ran_out_mid_batch_stops_sending_it(ctx, letters, smtp_sink, clock):
    """The other worker owns the rest now: sending them too would duplicate every one of them."""
    ids = letters.make(5)
    other_sink = SmtpSink()
    other_sink.start()
    try:
        other = smtp_worker(ctx, other_sink.url, clock)
        first = smtp_worker(ctx, smtp_sink.url, clock)
        stalled = []

        def stall_then_accept(_message: object) -> None:
            # The first message takes longer than the lease; meanwhile another worker reclaims the batch.
            if not stalled:
                stalled.append(clock.advance(LEASE + 1))
                other.run_once()
            return None

        smtp_sink.data_reply = stall_then_accept
        first.run_once()
    finally:
        other_sink.stop()

    assert len(other_sink.messages) == len(ids)
    assert len(smtp_sink.messages) == 1  # only the message that was already on the wire
    assert smtp_sink.messages[0]["Message-ID"] in {m["Message-ID"] for m in other_sink.messages}
    assert all(d.status == "sent" and d.claimed_by == other.name for d in rows(ctx.db, ids))


def test_a_stopping_worker_finishes_the_message_in_flight_and_gives_back_the_rest(ctx, letters, smtp_sink, clock):
    ids = letters.make(5)
    worker = smtp_worker(ctx, smtp_sink.url, clock)

    def stop_after_first(_message: object) -> None:
        worker.stop()  # SIGTERM arrives while the first message is being sent
        return None

    smtp_sink.data_reply = stop_after_first
    report = worker.run_once()
    assert (report.sent, report.released) == (1, len(ids) - 1)
    assert len(smtp_sink.messages) == 1

    smtp_sink.data_reply = lambda _message: None
    after = smtp_worker(ctx, smtp_sink.url, clock).run_once()  # at once: no need to wait for the lease
    assert after.sent == len(ids) - 1
    assert all((d.status, d.attempts) == ("sent", 1) for d in rows(ctx.db, ids))
    assert len({m["Message-ID"] for m in smtp_sink.messages}) == len(ids) == len(smtp_sink.messages)


class _Exploding:
    name = "exploding"

    def __init__(self, fail_on: set[str]) -> None:
        self.fail_on = fail_on
        self.sent: list[OutgoingMessage] = []

    def batch(self):  # noqa: ANN201
        import contextlib

        return contextlib.nullcontext(self)

    def send(self, message: OutgoingMessage) -> None:
        if message.to_address in self.fail_on:
            raise RuntimeError("a bug in a channel")
        self.sent.append(message)


def test_an_unexpected_channel_error_fails_one_message_not_the_worker(ctx, letters, clock):
    ids = letters.make(2)
    channel = _Exploding({"mpp.ottawa-centre@demo.invalid"})
    limited = dataclasses.replace(ctx, settings=ctx.settings.with_(max_attempts=2))
    worker = Worker(limited, channel, clock=clock)
    report = worker.run_once()
    assert (report.sent, report.retried) == (2, 2)
    clock.advance(3600)
    report = worker.run_once()
    assert (report.sent, report.failed) == (0, 2)
    failed = [d for d in rows(ctx.db, ids) if d.status == "failed"]
    assert len(failed) == 2 and all(d.last_error == "RuntimeError: a bug in a channel" for d in failed)
