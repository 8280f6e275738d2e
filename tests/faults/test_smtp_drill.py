"""A relay that goes away, greylists, and refuses: 1,000 deliveries, nothing lost, the refusals dead-lettered.

The bar (security.md §7 item 22): relay down 4 s; 451 for the first 20% of RCPTs; 550 for 2% (in both
drills). Nothing lost, at most 8 attempts with full-jitter back-off, the 550s dead-lettered and listed
with their reason, and no tight retry loop: while the relay is down each batch tries to connect once,
and no row is tried again sooner than the back-off's one-second floor. (One pass over many due rows
still makes one attempt per batch; the summary line shows how many.)

The worker runs in this process on a clock the test moves: back-off is waited out by moving the clock
as run_forever would (a poll interval, or on to the next due row), not by sleeping, so the drill takes
seconds, not minutes.
"""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from advocacy.channels.smtp import SmtpChannel, SmtpTarget
from advocacy.cli import CliState, main
from advocacy.models import Delivery, DeliveryEvent
from advocacy.worker import Worker, WorkerReport

from ..conftest import prepare_database
from ..delivery.conftest import Clock
from .conftest import BAD_ADDRESS, all_done, drill_settings, outcome, summary, write_letters

OUTAGE_SECONDS = 4.0
POLL_SECONDS = 0.5  # the worker's pause between passes (ADVOCACY_WORKER_POLL_SECONDS), on the test's clock
PASSES = 200  # bounds the drill: each pass is one run_once at one moment of the test's clock
WALL_SECONDS = 120.0


class CountingChannel(SmtpChannel):
    """The real SMTP channel, counting batches and connection attempts (refused ones too)."""

    def __init__(self, url: str, clock: Clock) -> None:
        super().__init__(SmtpTarget.parse(url), timeout=10)
        self.clock = clock
        self.connects: list = []  # the test clock's time of each attempt
        self.batches = 0

    def batch(self):
        self.batches += 1
        return super().batch()

    def connect(self):
        self.connects.append(self.clock())
        return super().connect()


def next_due(db) -> object:
    with db.transaction() as session:
        return session.scalar(select(func.min(Delivery.next_attempt_at))
                              .where(Delivery.status.in_(["queued", "retry"])))


@pytest.fixture
def drill(tmp_path):
    settings = drill_settings(tmp_path)  # retry base 1 s: the back-off floor, so every wait is 1 s or more
    prepare_database(settings.sqlalchemy_url).dispose()
    state = CliState(settings)
    yield state
    state.db.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("faults", ["down", "451"])
def test_relay_faults_lose_nothing_and_dead_letter_only_the_refusals(drill, fault_sink, clock, faults):
    ctx = drill.ctx
    assert write_letters(ctx, 20, now=clock()) == 1000
    start = clock()
    if faults == "451":
        fault_sink.temporary_budget = 200  # the first 20% of RCPT commands
    if faults == "down":
        fault_sink.down()
    channel = CountingChannel(fault_sink.url, clock)
    worker = Worker(ctx, channel, clock=clock)
    report = WorkerReport()
    passes, connects_while_down, batches_while_down, most_connects_in_a_pass = 0, 0, 0, 0
    started = time.monotonic()
    while passes < PASSES and time.monotonic() - started < WALL_SECONDS:
        down = fault_sink.is_down
        if down and (clock() - start).total_seconds() >= OUTAGE_SECONDS:
            fault_sink.up()
            down = False
        connects, batches = len(channel.connects), channel.batches
        worker.run_once(report)
        passes += 1
        if down:
            connects_while_down += len(channel.connects) - connects
            batches_while_down += channel.batches - batches
            most_connects_in_a_pass = max(most_connects_in_a_pass, len(channel.connects) - connects)
        due = next_due(ctx.db)
        if due is None:
            break
        # What run_forever does after a pass: wait a poll interval; nothing earlier than the next due row matters.
        clock.now = max(clock.advance(POLL_SECONDS), due)
    runtime = time.monotonic() - started

    result = outcome(ctx.db, fault_sink)
    with ctx.db.transaction() as session:
        # Rows that were retried: the shortest wait between two attempts of one row, in the clock's seconds.
        retry_times = session.execute(select(DeliveryEvent.delivery_id, DeliveryEvent.at)
                                      .where(DeliveryEvent.from_state == "sending")
                                      .order_by(DeliveryEvent.delivery_id, DeliveryEvent.id)).all()
    gaps = [(b.at - a.at).total_seconds() for a, b in zip(retry_times, retry_times[1:], strict=False)
            if a.delivery_id == b.delivery_id]
    listed = CliRunner().invoke(main, ["deliveries", "list", "--status", "failed", "--limit", "1000"],
                                obj=CliState(ctx.settings))
    summary(f"smtp-{faults}", {**result, "passes": passes, "clock_s": (clock() - start).total_seconds(),
                               "connects": len(channel.connects), "batches": channel.batches,
                               "connects_while_down": connects_while_down, "batches_while_down": batches_while_down,
                               "most_connects_in_one_pass_while_down": most_connects_in_a_pass,
                               "rcpt_451": fault_sink.temporary_replies, "rcpt_550": fault_sink.permanent_replies,
                               "min_retry_gap_s": min(gaps, default=0.0), "db_errors": report.database_errors,
                               "runtime_s": runtime})

    assert all_done(ctx.db), "the drill ran out of passes or time"
    assert result["deliveries"] == 1000
    assert result["lost"] == 0 and result["foreign"] == 0
    assert result["duplicates"] == 0  # nothing was killed: a refusal or an outage never sends twice
    assert result["dead_letters"] == result["dead_letters_bad_office"] == result["bad_office_rows"] == 20
    assert result["max_attempts"] <= ctx.settings.max_attempts == 8
    assert result["retried_rows"] > 0  # the faults really did bite
    # No tight loop: one connection attempt per batch at most while the relay is down, and never two
    # attempts of one row less than the one-second floor of the back-off apart.
    assert connects_while_down <= batches_while_down
    assert all(gap >= 1.0 for gap in gaps)
    if faults == "down":
        assert connects_while_down > 0
    if faults == "451":
        assert fault_sink.temporary_replies == 200
    # Staff see each dead letter with its reason.
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert "failed: 20" in lines[-1].split(", ")
    for delivery_id in result["failed_ids"]:
        line = next(line for line in lines if line.split()[:2] == [str(delivery_id), "failed"])
        assert "SMTP 550: 5.1.1 No such mailbox" in line and BAD_ADDRESS in line
