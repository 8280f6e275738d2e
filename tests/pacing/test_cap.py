"""An office gets at most ``per_hour`` individual letters in any rolling hour; the rest wait their turn."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from sqlalchemy import select, text

from advocacy.db import Database
from advocacy.models import Delivery, DeliveryEvent
from advocacy.services.deliveries import claim_due
from advocacy.services.pacing import PacingRules

from ..delivery.test_concurrency import run_in_threads
from .conftest import (
    OTTAWA,
    OTTAWA_MPP,
    THUNDER_BAY,
    THUNDER_BAY_MPP,
    TORONTO_CODE,
    TORONTO_MPP,
    campaign,
    received,
    statuses,
    with_campaigns,
    worker,
)

HOUR = 3600


def test_each_office_gets_its_allowance_and_the_rest_wait_without_spending_an_attempt(ctx, writer, clock,
                                                                                      smtp_sink):
    paced = with_campaigns(ctx, campaign("three-an-hour", mpp="per_hour = 3"))
    ottawa = writer.write(paced, "three-an-hour", OTTAWA, 10)
    writer.write(paced, "three-an-hour", TORONTO_CODE, 2)
    sender = worker(paced, smtp_sink.url, clock)

    assert sender.run_once().sent == 5
    assert received(smtp_sink) == {OTTAWA_MPP: 3, TORONTO_MPP: 2}
    with ctx.db.transaction() as session:
        waiting = session.scalars(select(Delivery).where(Delivery.status == "queued")).all()
        assert len(waiting) == 7 and all(d.attempts == 0 for d in waiting)
        assert not session.scalars(select(DeliveryEvent).where(DeliveryEvent.delivery_id.in_(
            [d.id for d in waiting]))).all()  # waiting for a slot is not an event staff need to read

    clock.advance(HOUR - 1)
    assert sender.run_once().sent == 0  # the first three are still within the hour
    clock.advance(1)
    assert sender.run_once().sent == 3
    clock.advance(HOUR)
    sender.run_once()
    clock.advance(HOUR)
    sender.run_once()
    assert received(smtp_sink) == {OTTAWA_MPP: 10, TORONTO_MPP: 2}
    assert statuses(ctx.db, ottawa) == {"sent": 10}
    assert_never_over(ctx.db, 3)


def test_the_hour_rolls_rather_than_resetting_on_the_clock(ctx, writer, clock, smtp_sink):
    paced = with_campaigns(ctx, campaign("rolling", mpp="per_hour = 3"))
    sender = worker(paced, smtp_sink.url, clock)
    writer.write(paced, "rolling", OTTAWA, 2)
    sender.run_once()  # 10:00: two sent
    clock.advance(40 * 60)
    writer.write(paced, "rolling", OTTAWA, 5)
    assert sender.run_once().sent == 1  # 10:40: only one more fits in the hour since 10:00
    clock.advance(20 * 60)
    assert sender.run_once().sent == 2  # 11:00: the two from 10:00 have left the window
    clock.advance(40 * 60)
    assert sender.run_once().sent == 1  # 11:40: the one from 10:40 has left it
    assert_never_over(ctx.db, 3)


def test_campaigns_writing_to_one_office_share_its_inbox(ctx, writer, clock, smtp_sink):
    """The allowance belongs to the office: two campaigns together still send it at most per_hour."""
    paced = with_campaigns(ctx, campaign("first", mpp="per_hour = 4"), campaign("second", mpp="per_hour = 4"))
    writer.write(paced, "first", OTTAWA, 5)
    writer.write(paced, "second", OTTAWA, 5)
    assert worker(paced, smtp_sink.url, clock).run_once().sent == 4
    assert received(smtp_sink) == {OTTAWA_MPP: 4}


def test_supporters_emails_are_not_paced(ctx, writer, clock, smtp_sink):
    paced = with_campaigns(ctx, campaign("chatty", mpp="per_hour = 1"))
    writer.write(paced, "chatty", OTTAWA, 1)
    with ctx.db.transaction() as session:
        session.add_all(Delivery(campaign_slug="chatty", kind="confirmation", recipient_name="Writer",
                                 recipient_email="writer@example.com", office_key="writer@example.com",
                                 subject="Confirm", body="Press the button.", message_id=f"<c{n}@union.test>",
                                 next_attempt_at=clock(), created_at=clock()) for n in range(5))
    assert worker(paced, smtp_sink.url, clock).run_once().sent == 6
    assert received(smtp_sink) == {"writer@example.com": 5, OTTAWA_MPP: 1}


def test_three_sqlite_workers_together_keep_to_the_allowance(ctx, writer, clock, smtp_sink):
    paced = with_campaigns(ctx, campaign("busy", mpp="per_hour = 5"))
    writer.write(paced, "busy", OTTAWA, 40)
    writer.write(paced, "busy", TORONTO_CODE, 40)
    workers = [worker(dataclasses.replace(paced, db=Database(ctx.db.url)), smtp_sink.url, clock, batch=2)
               for _ in range(3)]
    try:
        reports = run_in_threads(workers)
    finally:
        for each in workers:
            each.ctx.db.dispose()
    assert sum(r.sent for r in reports) == 10
    assert received(smtp_sink) == {OTTAWA_MPP: 5, TORONTO_MPP: 5}


@pytest.mark.postgres
def test_postgres_workers_keep_to_every_offices_allowance(ctx, writer, clock, smtp_sink, pg_db, pg_url):
    """Busy offices (more waiting than their allowance) are claimed by one worker at a time; the others
    are shared. Four workers, small batches, many rounds: no office ever gets more than its allowance."""
    paced = with_campaigns(ctx, campaign("crowded", mpp="per_hour = 7"), db=pg_db)
    writer.write(paced, "crowded", OTTAWA, 30)
    writer.write(paced, "crowded", TORONTO_CODE, 30)
    writer.write(paced, "crowded", THUNDER_BAY, 5)  # fits: shared by every worker
    workers = [worker(dataclasses.replace(paced, db=Database(pg_url)), smtp_sink.url, clock, batch=3)
               for _ in range(4)]
    try:
        for _ in range(3):  # three hours, four workers each
            run_in_threads(workers)
            assert_never_over(pg_db, 7)
            clock.advance(HOUR)
    finally:
        for each in workers:
            each.ctx.db.dispose()
    assert received(smtp_sink) == {OTTAWA_MPP: 21, TORONTO_MPP: 21, THUNDER_BAY_MPP: 5}


@pytest.mark.postgres
def test_postgres_a_claim_never_waits_and_never_spends_an_allowance_another_claim_holds(ctx, writer, clock,
                                                                                       pg_db):
    paced = with_campaigns(ctx, campaign("contested", mpp="per_hour = 5"), db=pg_db)
    writer.write(paced, "contested", OTTAWA, 8)  # more than the allowance: one claim at a time
    writer.write(paced, "contested", TORONTO_CODE, 4)  # fits: claims may share it
    rules = PacingRules.from_catalog(paced.catalog)
    first, second = pg_db.session(write=True), pg_db.session(write=True)
    try:
        mine = claim_due(first, worker="first", now=clock(), limit=4, lease_seconds=60, rules=rules)
        second.execute(text("SET LOCAL lock_timeout = '5s'"))  # waiting for the first would fail, not hang
        theirs = claim_due(second, worker="second", now=clock(), limit=10, lease_seconds=60, rules=rules)
        first.commit()
        second.commit()
    finally:
        first.close()
        second.close()
    offices = Counter(d.office_key for d in mine + theirs)
    assert offices[OTTAWA_MPP] <= 5 and offices[TORONTO_MPP] == 4
    assert not {d.id for d in mine} & {d.id for d in theirs}
    with pg_db.transaction() as session:
        later = claim_due(session, worker="third", now=clock(), limit=10, lease_seconds=60, rules=rules)
    assert offices[OTTAWA_MPP] + sum(d.office_key == OTTAWA_MPP for d in later) == 5


def assert_never_over(db: Database, per_hour: int) -> None:
    """For every letter sent, count the letters its office got in the hour up to it."""
    with db.transaction() as session:
        sent = session.execute(select(Delivery.office_key, Delivery.sent_at).where(Delivery.kind == "letter",
                                                                                  Delivery.sent_at.is_not(None)))
        by_office: dict[str, list] = {}
        for office, at in sent:
            by_office.setdefault(office, []).append(at)
    for office, times in by_office.items():
        times.sort()
        for index, at in enumerate(times):
            in_hour = [t for t in times[: index + 1] if (at - t).total_seconds() < HOUR]
            assert len(in_hour) <= per_hour, f"{office} got {len(in_hour)} letters in the hour up to {at}"
