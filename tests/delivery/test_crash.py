"""Crash safety: ``kill -9`` the worker process mid-flight, again and again; nothing is lost.

Each outcome is committed as soon as the server answers, so a kill can repeat at most the one
message on the wire, and the repeat carries the same Message-ID.
"""

from __future__ import annotations

from collections import Counter

import pytest

from advocacy.models.base import utcnow

from .conftest import (
    Clock,
    LetterFactory,
    all_sent,
    kill_worker,
    rows,
    start_worker,
    stop_worker,
    wait_for,
    worker_instance,
)


@pytest.mark.slow
def test_killing_the_worker_loses_nothing_and_repeats_at_most_one_message_per_kill(tmp_path, smtp_sink):
    env, state = worker_instance(tmp_path, poll_seconds="0.1", ADVOCACY_SMTP_URL=smtp_sink.url,
                                 ADVOCACY_WORKER_LEASE_SECONDS="1", ADVOCACY_WORKER_BATCH="10")
    LetterFactory(state.ctx, Clock(utcnow())).make(150)
    kills = 0
    try:
        for target in (30, 100, 170, 240):  # kill once the server has seen this many messages
            worker = start_worker(env, tmp_path)
            try:
                assert wait_for(lambda: len(smtp_sink.messages) >= target or worker.poll() is not None)  # noqa: B023
                assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            finally:
                kill_worker(worker)
            kills += 1
        worker = start_worker(env, tmp_path)
        try:
            # The last worker waits out the one-second lease of the rows the killed one had claimed.
            assert wait_for(lambda: all_sent(state), 60)
            _took, output = stop_worker(worker, tmp_path)
        finally:
            kill_worker(worker)
    finally:
        state.db.dispose()

    assert worker.returncode == 0, output
    delivered = rows(state.db)
    counts = Counter(message["Message-ID"] for message in smtp_sink.messages)
    assert set(counts) == {d.message_id for d in delivered}  # none lost
    assert sum(n - 1 for n in counts.values()) <= kills  # repeats bounded, each with the same Message-ID
    assert Counter(d.status for d in delivered) == {"sent": 300}
    state.db.dispose()
