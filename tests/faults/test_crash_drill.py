"""kill -9 the worker process five times at random points while it drains 1,000 deliveries.

The bar (security.md §7 item 21): nothing lost; repeats no more than the kills, each carrying the
Message-ID of the row it repeats. tests/delivery/test_crash.py kills at fixed message counts; this drill
picks the points at random (the seed is printed, and FAULT_SEED replays one) and adds the 2% of letters
an office refuses, which must end as dead letters even when the worker holding them was killed.
"""

from __future__ import annotations

import os
import random
import time

import pytest

from advocacy.models.base import utcnow

from ..delivery.conftest import kill_worker, stop_worker
from .conftest import all_done, drill_instance, outcome, spawn_worker, summary, wait_until, write_letters

KILLS = 5


@pytest.mark.slow
def test_five_kills_at_random_points_lose_nothing_and_repeat_at_most_one_message_each(tmp_path, fault_sink):
    seed = int(os.environ.get("FAULT_SEED") or random.SystemRandom().randrange(1 << 32))
    rng = random.Random(seed)
    env, state = drill_instance(tmp_path, fault_sink.url)
    log = tmp_path / "worker.log"
    assert write_letters(state.ctx, 20, now=utcnow()) == 1000
    # Each worker is killed once the server has accepted a random number of messages from it, and then
    # after a random pause of up to a batch's worth of sending, so the kill lands anywhere in the loop:
    # mid-SMTP, mid-commit, mid-claim, or between them. At most 5 x 180 of the 980 good letters go before
    # the last kill, so every kill hits a worker that is still sending.
    quotas = [rng.randint(20, 180) for _ in range(KILLS)]
    pauses = [rng.uniform(0, 0.15) for _ in range(KILLS)]
    started = time.monotonic()
    kills = 0
    try:
        for quota, pause in zip(quotas, pauses, strict=True):
            point = len(fault_sink.messages) + quota
            worker = spawn_worker(env, log)
            try:
                reached = wait_until(lambda: len(fault_sink.messages) >= point or worker.poll() is not None,  # noqa: B023
                                     seconds=60)
                assert reached, f"the worker stalled before {point} messages (seed {seed})"
                time.sleep(pause)
                assert worker.poll() is None, log.read_text(errors="replace")
            finally:
                kill_worker(worker)  # SIGKILL: no handler runs, nothing is released or recorded
            kills += 1
        worker = spawn_worker(env, log)
        try:
            # The last worker also waits out the 2 s lease on whatever the killed one had claimed.
            assert wait_until(lambda: all_done(state.db), seconds=120, step=0.05), f"not drained (seed {seed})"
            _took, output = stop_worker(worker, tmp_path)
        finally:
            kill_worker(worker)
        runtime = time.monotonic() - started
        result = outcome(state.db, fault_sink)
    finally:
        state.db.dispose()

    summary("kill-9", {"seed": seed, "kills": kills, "killed_after": "/".join(map(str, quotas)), **result,
                       "connections": fault_sink.connections, "runtime_s": runtime})
    assert worker.returncode == 0, output
    assert result["deliveries"] == 1000
    assert result["lost"] == 0
    assert result["foreign"] == 0  # every accepted Message-ID belongs to a row recorded as sent
    # A repeat is counted per extra copy of a Message-ID, so each one carried the same id as its original.
    assert result["duplicates"] <= kills, f"seed {seed}"
    assert result["dead_letters"] == result["dead_letters_bad_office"] == result["bad_office_rows"] == 20
