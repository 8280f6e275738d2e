"""The database gets in the way: SQLite write-locked for 3 s mid-send, and four PostgreSQL workers at once.

The bar (security.md §7 item 23): a 3 s exclusive lock during sending loses nothing and crashes nothing;
on PostgreSQL, four workers draining the same outbox send no message twice. Both run the real
``advocacy worker`` command in separate processes. tests/delivery/test_concurrency.py covers the same
faults in threads on 20 letters (lock) and 1,000 deliveries (PostgreSQL); these are the full-size drills.
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from advocacy.models import Delivery
from advocacy.models.base import utcnow

from ..delivery.conftest import kill_worker
from .conftest import all_done, drill_instance, outcome, spawn_worker, statuses, summary, wait_until, write_letters

LOCK_SECONDS = 3.0


def hold_write_lock(path: str, seconds: float, held: threading.Event, released: threading.Event) -> None:
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        held.set()
        time.sleep(seconds)  # the outage being simulated, not a wait for the code under test
        connection.execute("COMMIT")
    finally:
        connection.close()
        released.set()


def sigterm(worker, log) -> str:
    """Stop a worker the way a service manager does; bounded, then SIGKILL."""
    worker.terminate()
    try:
        worker.wait(timeout=30)
    finally:
        kill_worker(worker)
    return log.read_text(errors="replace")


@pytest.mark.slow
@pytest.mark.parametrize("busy_timeout_ms", [None, 300], ids=["default-busy-timeout", "busy-timeout-300ms"])
def test_a_three_second_write_lock_mid_send_loses_nothing_and_crashes_nothing(tmp_path, fault_sink,
                                                                              busy_timeout_ms):
    # With the project's 10 s busy timeout the worker simply waits the lock out; with 300 ms it sees
    # "database is locked" on its claims and records and must back off and carry on.
    seed = int(os.environ.get("FAULT_SEED") or random.SystemRandom().randrange(1 << 32))
    point = random.Random(seed).randrange(150, 600)
    env, state = drill_instance(tmp_path, fault_sink.url)
    log = tmp_path / "worker.log"
    assert write_letters(state.ctx, 20, now=utcnow()) == 1000
    held, released = threading.Event(), threading.Event()
    locker = threading.Thread(target=hold_write_lock, daemon=True,
                              args=(state.db.engine.url.database, LOCK_SECONDS, held, released))
    started = time.monotonic()
    worker = spawn_worker(env, log, busy_timeout_ms=busy_timeout_ms)
    try:
        assert wait_until(lambda: len(fault_sink.messages) >= point or worker.poll() is not None, 60)
        locker.start()
        assert held.wait(30), "could not take the write lock"
        assert released.wait(30)
        assert worker.poll() is None, log.read_text(errors="replace")  # survived the lock
        assert wait_until(lambda: all_done(state.db), 120, step=0.05), log.read_text(errors="replace")
        runtime = time.monotonic() - started
        assert worker.poll() is None
        output = sigterm(worker, log)
    finally:
        kill_worker(worker)
        state.db.dispose()
    result = outcome(state.db, fault_sink)
    state.db.dispose()
    locked_lines = len(re.findall(r"claim failed|recording delivery \d+ failed|could not release|"
                                  r"building digests failed", output))
    summary(f"sqlite-lock-{busy_timeout_ms or 'default'}ms", {
        "seed": seed, "lock_at_message": point, "lock_s": LOCK_SECONDS, **result,
        "worker_db_error_lines": locked_lines, "longest_send_gap_s": fault_sink.longest_gap(),
        "exit_code": worker.returncode, "runtime_s": runtime})

    assert worker.returncode == 0, output
    assert "Traceback" not in output
    assert result["deliveries"] == 1000
    assert result["lost"] == 0 and result["foreign"] == 0
    assert result["duplicates"] == 0  # each outcome was recorded in the end, so nothing went twice
    assert result["dead_letters"] == result["dead_letters_bad_office"] == 20
    assert fault_sink.longest_gap() >= LOCK_SECONDS * 0.5  # the lock really stalled the sending
    if busy_timeout_ms is not None:
        assert locked_lines > 0  # the worker met "database is locked" and carried on


@pytest.mark.slow
@pytest.mark.postgres
def test_four_postgres_workers_drain_ten_thousand_deliveries_and_send_none_twice(tmp_path, fault_sink, pg_url):
    env, state = drill_instance(tmp_path, fault_sink.url, database_url=pg_url,
                                ADVOCACY_WORKER_LEASE_SECONDS="30")
    queued_at = time.monotonic()
    assert write_letters(state.ctx, 200, now=utcnow()) == 10_000
    queue_seconds = time.monotonic() - queued_at
    logs = [tmp_path / f"worker-{n}.log" for n in range(4)]
    started = time.monotonic()
    workers = [spawn_worker(env, log) for log in logs]
    try:
        drained = wait_until(lambda: all_done(state.db), 300, step=0.2)
        runtime = time.monotonic() - started
        alive = [w.poll() is None for w in workers]
        outputs = [sigterm(w, log) for w, log in zip(workers, logs, strict=True)]
    finally:
        for worker in workers:
            kill_worker(worker)
    try:
        result = outcome(state.db, fault_sink)
        with state.db.transaction() as session:
            per_worker = Counter(dict(session.execute(
                select(Delivery.claimed_by, func.count()).where(Delivery.status == "sent")
                .group_by(Delivery.claimed_by)).all()))
        counts = statuses(state.db)
    finally:
        state.db.dispose()
    sent_twice = sum(1 for n in fault_sink.message_ids().values() if n > 1)
    summary("postgres-4-workers", {**result, "sent_twice": sent_twice, "workers": len(per_worker),
                                   "per_worker": "/".join(str(n) for n in sorted(per_worker.values())),
                                   "queue_s": queue_seconds, "drain_s": runtime,
                                   "letters_per_s": result["received"] / runtime})

    assert drained, counts
    assert all(alive), outputs
    assert all(w.returncode == 0 for w in workers), outputs
    assert result["deliveries"] == 10_000
    assert result["lost"] == 0 and result["foreign"] == 0
    assert sent_twice == 0 and result["duplicates"] == 0
    assert result["dead_letters"] == result["dead_letters_bad_office"] == 200
    assert len(per_worker) == 4  # all four really took part
