"""Several workers on one outbox: every delivery is sent once, none is lost, a locked database is survived."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import event, text

from advocacy.db import Database
from advocacy.services.deliveries import claim_due
from advocacy.worker import Worker, WorkerReport

from .conftest import rows, smtp_worker

JOIN_SECONDS = 120  # generous: a slow CI machine must not turn into a flaky test


def run_in_threads(workers: list[Worker], job: Callable[[Worker], WorkerReport] = Worker.run_once,
                   ) -> list[WorkerReport]:
    """Start every worker at the same moment, each in its own thread, and wait for all of them."""
    start = threading.Barrier(len(workers))
    reports: list[WorkerReport | None] = [None] * len(workers)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait(timeout=JOIN_SECONDS)
            reports[index] = job(workers[index])
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), name=f"worker-{i}") for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a worker did not finish"
    assert not errors, errors
    return [report for report in reports if report is not None]


def worker_pool(ctx, url: str, sink_url: str, clock, count: int, batch: int) -> list[Worker]:
    """Workers that share nothing but the database file or server: each has its own Database and channel."""
    settings = ctx.settings.with_(worker_batch=batch)
    return [smtp_worker(dataclasses.replace(ctx, db=Database(url), settings=settings), sink_url, clock)
            for _ in range(count)]


def assert_each_sent_once(db: Database, sink, expected: int) -> None:
    counts = Counter(message["Message-ID"] for message in sink.messages)
    sent_twice = [mid for mid, n in counts.items() if n > 1]
    delivered = rows(db)
    assert sent_twice == []
    assert len(delivered) == expected
    assert {d.message_id for d in delivered} == set(counts)  # nothing lost, nothing foreign
    assert Counter(d.status for d in delivered) == {"sent": expected}


def test_sqlite_workers_in_threads_send_each_delivery_exactly_once(ctx, letters, smtp_sink, clock):
    letters.make(110)
    workers = worker_pool(ctx, ctx.db.url, smtp_sink.url, clock, count=3, batch=10)
    try:
        reports = run_in_threads(workers)
    finally:
        for worker in workers:
            worker.ctx.db.dispose()
    assert sum(r.sent for r in reports) == 220
    assert_each_sent_once(ctx.db, smtp_sink, 220)
    assert len({d.claimed_by for d in rows(ctx.db)}) >= 2  # they really did share the work


@pytest.mark.postgres
def test_postgres_workers_drain_a_thousand_deliveries_without_duplicates(ctx, letters, pg_db, pg_url, smtp_sink,
                                                                         clock):
    letters.make(500, db=pg_db)
    pg_ctx = dataclasses.replace(ctx, db=pg_db)
    workers = worker_pool(pg_ctx, pg_url, smtp_sink.url, clock, count=4, batch=20)
    try:
        reports = run_in_threads(workers)
    finally:
        for worker in workers:
            worker.ctx.db.dispose()
    assert sum(r.sent for r in reports) == 1000
    assert all(r.database_errors == 0 for r in reports)
    assert_each_sent_once(pg_db, smtp_sink, 1000)
    assert len({d.claimed_by for d in rows(pg_db)}) == 4


@pytest.mark.postgres
def test_postgres_concurrent_claims_get_disjoint_rows(ctx, letters, pg_db, clock):
    letters.make(10, db=pg_db)
    first, second = pg_db.session(write=True), pg_db.session(write=True)
    try:
        mine = claim_due(first, worker="first", now=clock(), limit=8, lease_seconds=60)  # locks held: not committed
        # A claim that waited for the first transaction instead of skipping its rows would fail here, not hang.
        second.execute(text("SET LOCAL lock_timeout = '5s'"))
        theirs = claim_due(second, worker="second", now=clock(), limit=8, lease_seconds=60)
        first.commit()
        second.commit()
    finally:
        first.close()
        second.close()
    assert (len(mine), len(theirs)) == (8, 8)
    assert not {d.id for d in mine} & {d.id for d in theirs}
    claimed = {d.id: d.claimed_by for d in rows(pg_db)}
    assert Counter(claimed.values()) == {"first": 8, "second": 8, "": 4}


@pytest.mark.postgres
def test_postgres_lease_reclaim_and_late_results(ctx, letters, pg_db, smtp_sink, clock):
    ids = letters.make(2, db=pg_db)
    pg_ctx = dataclasses.replace(ctx, db=pg_db)
    crashed = smtp_worker(pg_ctx, smtp_sink.url, clock)
    crashed._claim()
    clock.advance(121)
    survivor = smtp_worker(pg_ctx, smtp_sink.url, clock)
    assert survivor.run_once().sent == 4
    crashed._record(WorkerReport(), ids[0], error="SMTP 550: late", permanent=True)
    assert [(d.status, d.claimed_by) for d in rows(pg_db, ids)] == [("sent", survivor.name)] * 4


def _hold_write_lock(path: str, seconds: float, locked: threading.Event) -> None:
    connection = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        locked.set()
        time.sleep(seconds)  # the length of the outage being simulated, not a wait for the code under test
        connection.execute("COMMIT")
    finally:
        connection.close()


@pytest.mark.parametrize(("busy_ms", "when"), [(200, "sending"), (200, "claiming"), (None, "sending")],
                         ids=["short-busy-timeout-while-sending", "short-busy-timeout-while-claiming",
                              "default-busy-timeout-while-sending"])
def test_a_worker_survives_a_three_second_write_lock(ctx, letters, smtp_sink, clock, busy_ms, when):
    ids = letters.make(20)
    db = Database(ctx.db.url)
    if busy_ms is not None:
        # Runs after the project's own connect hook, so it wins: the worker sees "database is locked" errors.
        event.listen(db.engine, "connect", lambda conn, _record: conn.execute(f"PRAGMA busy_timeout={busy_ms}"))
    worker = smtp_worker(dataclasses.replace(ctx, db=db, settings=ctx.settings.with_(worker_batch=5)),
                         smtp_sink.url, clock)
    locked = threading.Event()
    locker = threading.Thread(target=_hold_write_lock, args=(db.engine.url.database, 3.0, locked))

    def lock_during_first_message(_message: object) -> None:
        if not locker.is_alive() and not locked.is_set():
            locker.start()
            assert locked.wait(10)  # the message is accepted only once the database is locked
        return None

    if when == "sending":
        smtp_sink.data_reply = lock_during_first_message
    else:
        locker.start()
        assert locked.wait(10)
    started = time.monotonic()
    try:
        report = WorkerReport()
        for _ in range(5):  # bounded: a run gives up after repeated claim failures, the next one resumes
            worker.run_once(report)
            if all(d.status == "sent" for d in rows(ctx.db, ids)):
                break
    finally:
        locker.join(JOIN_SECONDS)
        db.dispose()
    elapsed = time.monotonic() - started

    assert locked.is_set() and not locker.is_alive()
    assert report.sent == 40
    assert_each_sent_once(ctx.db, smtp_sink, 40)
    if busy_ms is not None:
        assert report.database_errors > 0  # the lock really got in the way
    assert elapsed < 60  # a guard against hanging on the lock; about 5 s on an idle machine
