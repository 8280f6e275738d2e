"""Fair turns: a campaign with thousands of letters waiting cannot starve another campaign's few."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import insert, select

from advocacy.models import Delivery
from advocacy.services.deliveries import claim_due
from advocacy.services.pacing import PacingRules

from .conftest import OTTAWA, OTTAWA_MPP, TORONTO_CODE, campaign, received, with_campaigns, worker

BATCH = 10


def flood(db, slug: str, count: int, *, now, offices: int = 100) -> None:
    """``count`` queued letters of campaign ``slug`` spread over ``offices`` inboxes (bulk, for speed)."""
    rows = [dict(campaign_slug=slug, kind="letter", status="queued", recipient_name=f"Member {n % offices}",
                 recipient_email=f"member{n % offices}@offices.test", office_key=f"member{n % offices}@offices.test",
                 subject="Letter", body="Please act.", message_id=f"<{slug}-{n}@union.test>", attempts=0,
                 next_attempt_at=now, created_at=now) for n in range(count)]
    with db.transaction() as session:
        for start in range(0, count, 1000):
            session.execute(insert(Delivery), rows[start:start + 1000])


def test_a_few_letters_go_in_the_first_batch_behind_ten_thousand_of_another_campaign(ctx, writer, clock,
                                                                                     smtp_sink):
    big = campaign("big-campaign", mpp="per_hour = 1000")
    small = campaign("small-campaign")
    paced = with_campaigns(ctx, big, small)
    clock.advance(-60)
    flood(ctx.db, "big-campaign", 10_000, now=clock())  # older than the small campaign's letters
    clock.advance(60)
    mine = writer.write(paced, "small-campaign", TORONTO_CODE, 3)
    sender = worker(paced, smtp_sink.url, clock, batch=BATCH)
    with ctx.db.transaction() as session:
        first = claim_due(session, worker=sender.name, now=clock(), limit=BATCH, lease_seconds=60,
                          rules=sender.rules)
    assert set(mine) <= {d.id for d in first}
    assert Counter(d.campaign_slug for d in first) == {"big-campaign": 7, "small-campaign": 3}


def test_one_office_shares_its_allowance_between_the_campaigns_writing_to_it(ctx, writer, clock, smtp_sink):
    paced = with_campaigns(ctx, campaign("loud", mpp="per_hour = 5"), campaign("quiet", mpp="per_hour = 5"))
    writer.write(paced, "loud", OTTAWA, 30)
    clock.advance(60)
    writer.write(paced, "quiet", OTTAWA, 2)
    assert worker(paced, smtp_sink.url, clock).run_once().sent == 5
    with ctx.db.transaction() as session:
        sent = Counter(session.scalars(select(Delivery.campaign_slug).where(Delivery.status == "sent")))
    assert sent == {"loud": 3, "quiet": 2}
    assert received(smtp_sink) == {OTTAWA_MPP: 5}


def test_supporters_emails_are_claimed_before_letters(ctx, writer, clock, smtp_sink):
    paced = with_campaigns(ctx, campaign("busy", mpp="per_hour = 1000"))
    writer.write(paced, "busy", OTTAWA, 20)
    clock.advance(60)
    with ctx.db.transaction() as session:
        session.add(Delivery(campaign_slug="busy", kind="confirmation", recipient_name="New Supporter",
                             recipient_email="new@example.com", office_key="new@example.com", subject="Confirm",
                             body="Press the button.", message_id="<confirm@union.test>", next_attempt_at=clock(),
                             created_at=clock()))
        first = claim_due(session, worker="w", now=clock(), limit=5, lease_seconds=60,
                          rules=PacingRules.from_catalog(paced.catalog))
    assert "confirmation" in {d.kind for d in first}  # 20 older letters were waiting; 5 were claimed


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_claim_behind_ten_thousand_waiting_letters_stays_quick(ctx, clock, request, backend):
    """The claim ranks every due row: with 10,000 waiting (one office over its allowance) it must stay cheap."""
    db = request.getfixturevalue("pg_db") if backend == "postgres" else ctx.db
    paced = with_campaigns(ctx, campaign("backlog", mpp="per_hour = 10"), db=db)
    flood(db, "backlog", 10_000, now=clock(), offices=1)
    rules = PacingRules.from_catalog(paced.catalog)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        with db.transaction() as session:
            claimed = claim_due(session, worker="w", now=clock(), limit=50, lease_seconds=60, rules=rules)
        timings.append(time.perf_counter() - started)
    assert len(claimed) == 0  # the first claim took the office's 10, the others found it full
    # About 0.05 s a claim here on either database; the bound only catches a blow-up, not a slow machine.
    assert min(timings) < 1.0, timings
