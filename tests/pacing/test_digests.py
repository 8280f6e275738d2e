"""Digests and thresholds: an office reads one email listing many letters, and each letter follows it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from advocacy.db import Database
from advocacy.models import Delivery
from advocacy.services.deliveries import retry_delivery
from advocacy.services.digests import MAX_LETTERS, build_digests

from ..delivery.conftest import events, row
from .conftest import (
    MINISTER,
    OTTAWA,
    OTTAWA_MPP,
    TORONTO_CODE,
    TORONTO_MPP,
    campaign,
    received,
    statuses,
    toronto,
    with_campaigns,
    worker,
)

TITLE = "Fund Legal Aid"


def digests(db: Database) -> list[Delivery]:
    with db.transaction() as session:
        return list(session.scalars(select(Delivery).where(Delivery.kind == "digest").order_by(Delivery.id)))


def messages_to(sink, address: str) -> list:
    return [m for m in sink.messages if m["To"].addresses[0].addr_spec == address]


def test_a_daily_digest_lists_every_letter_of_the_day_for_each_office(ctx, writer, clock, smtp_sink):
    daily = with_campaigns(ctx, campaign("legal-aid", title=TITLE, mpp='mode = "digest"'))
    ottawa = writer.write(daily, "legal-aid", OTTAWA, 3)
    clock.now = toronto("2026-11-23 16:00")
    writer.write(daily, "legal-aid", TORONTO_CODE, 2)
    sender = worker(daily, smtp_sink.url, clock)

    clock.now = toronto("2026-11-23 23:59")
    assert sender.run_once().sent == 0  # the day is not over
    assert statuses(ctx.db) == {"queued": 5}

    clock.now = toronto("2026-11-24 00:01")
    report = sender.run_once()
    assert (report.digests, report.sent) == (2, 2)
    assert received(smtp_sink) == {OTTAWA_MPP: 1, TORONTO_MPP: 1}
    [email] = messages_to(smtp_sink, OTTAWA_MPP)
    assert email["Subject"] == f"3 constituents wrote about {TITLE}"
    assert email["Reply-To"] is None and "via" not in email["From"].addresses[0].display_name
    text = email.get_content().replace("\r\n", "\n")
    assert text.startswith(f"3 constituents in Ottawa Centre wrote to you about {TITLE} on 2026-11-23.")
    for n in (1, 2, 3):  # each letter in full: who wrote it, from where, and what they wrote
        assert f"--- Letter {n} of 3 ---\nFrom: Writer Number {n}, K1P 5J2\nSubject: About {TITLE}\n" in text
    assert text.count(f"Please act on {TITLE}.") == 3
    assert "writer2@example.com" in text  # the signature, so the office can answer each writer

    # The letters followed the digest; staff can see which email carried each one.
    [digest, _] = digests(ctx.db)
    for letter in (row(ctx.db, i) for i in ottawa):
        assert (letter.status, letter.digest_id, letter.sent_at) == ("sent", digest.id, clock())
    assert [e[1] for e in events(ctx.db, ottawa[0])] == ["batched", "sent"]

    assert sender.run_once().digests == 0  # nothing is built twice
    clock.now = toronto("2026-11-24 10:00")
    writer.write(daily, "legal-aid", OTTAWA, 1)
    clock.now = toronto("2026-11-25 00:00")
    sender.run_once()
    assert messages_to(smtp_sink, OTTAWA_MPP)[-1]["Subject"] == f"1 constituent wrote about {TITLE}"


def test_an_hourly_digest_follows_the_hour_on_the_offices_clock_and_waits_for_office_hours(ctx, writer, clock,
                                                                                         smtp_sink):
    hourly = with_campaigns(ctx, campaign("hourly", mpp='mode = "digest", period = "hour", hours = "09:00-17:00"'))
    clock.now = toronto("2026-11-23 16:20")
    writer.write(hourly, "hourly", OTTAWA, 2)
    sender = worker(hourly, smtp_sink.url, clock)
    clock.now = toronto("2026-11-23 16:59")
    assert sender.run_once().digests == 0
    clock.now = toronto("2026-11-23 17:00")
    report = sender.run_once()
    assert (report.digests, report.sent) == (1, 0)  # built when the hour ended, kept until the office opens
    [digest] = digests(ctx.db)
    assert (digest.status, digest.next_attempt_at) == ("queued", toronto("2026-11-24 09:00"))
    clock.now = toronto("2026-11-24 09:00")
    assert sender.run_once().sent == 1


def test_a_threshold_delivers_when_the_count_is_reached_then_every_so_many_and_the_rest_at_close(
        ctx, writer, clock, smtp_sink):
    rule = 'mode = "threshold", first = 5, every = 3'
    counted = with_campaigns(ctx, campaign("counted", title=TITLE, mpp=rule))
    sender = worker(counted, smtp_sink.url, clock)
    writer.write(counted, "counted", OTTAWA, 4)
    assert sender.run_once().digests == 0
    writer.write(counted, "counted", OTTAWA, 1)
    assert sender.run_once().sent == 1
    assert messages_to(smtp_sink, OTTAWA_MPP)[-1]["Subject"] == f"5 constituents wrote about {TITLE}"
    writer.write(counted, "counted", OTTAWA, 2)
    assert sender.run_once().digests == 0
    writer.write(counted, "counted", OTTAWA, 1)
    assert sender.run_once().sent == 1
    assert messages_to(smtp_sink, OTTAWA_MPP)[-1]["Subject"] == f"3 constituents wrote about {TITLE}"

    writer.write(counted, "counted", OTTAWA, 2)
    closed = campaign("counted", title=TITLE, mpp=rule, extra='closes = "2026-11-23"')
    clock.now = toronto("2026-11-24 00:00")  # the campaign has closed: no more letters will come
    assert worker(with_campaigns(ctx, closed), smtp_sink.url, clock).run_once().sent == 1
    assert messages_to(smtp_sink, OTTAWA_MPP)[-1]["Subject"] == f"2 constituents wrote about {TITLE}"
    assert statuses(ctx.db) == {"sent": 10 + 3}  # ten letters, three digests


def test_an_officials_digest_counts_people_not_constituents(ctx, writer, clock, smtp_sink):
    both = with_campaigns(ctx, campaign("energy", title=TITLE, mpp='mode = "digest"', minister='mode = "digest"'))
    writer.write(both, "energy", OTTAWA, 2)
    writer.write(both, "energy", TORONTO_CODE, 1)
    clock.advance(24 * 3600)
    worker(both, smtp_sink.url, clock).run_once()
    [email] = messages_to(smtp_sink, MINISTER)
    assert email["Subject"] == f"3 people wrote about {TITLE}"
    assert "K1P 5J2" in email.get_content() and "M5V 3L9" in email.get_content()


def test_a_refused_digest_dead_letters_its_letters_and_a_staff_retry_carries_them_again(ctx, writer, clock,
                                                                                     smtp_sink):
    daily = with_campaigns(ctx, campaign("refused", mpp='mode = "digest"'))
    letters = writer.write(daily, "refused", OTTAWA, 2)
    clock.advance(24 * 3600)
    smtp_sink.rcpt_reply = lambda _address: "550 5.1.1 No such mailbox"
    sender = worker(daily, smtp_sink.url, clock)
    assert sender.run_once().failed == 1
    [digest] = digests(ctx.db)
    assert statuses(ctx.db) == {"failed": 3}
    assert row(ctx.db, letters[0]).last_error == "SMTP 550: 5.1.1 No such mailbox"

    smtp_sink.rcpt_reply = lambda _address: None
    with ctx.db.transaction() as session:
        retry_delivery(session, digest.id, now=clock(), by="staff")
    assert statuses(ctx.db, letters) == {"batched": 2}
    assert sender.run_once().sent == 1
    assert statuses(ctx.db) == {"sent": 3} and len(digests(ctx.db)) == 1


def test_a_huge_day_is_split_into_parts(ctx, writer, clock, smtp_sink):
    daily = with_campaigns(ctx, campaign("huge", title=TITLE, mpp='mode = "digest"'))
    writer.write(daily, "huge", OTTAWA, MAX_LETTERS + 1)
    clock.advance(24 * 3600)
    assert worker(daily, smtp_sink.url, clock).run_once().sent == 2
    subjects = sorted(m["Subject"] for m in smtp_sink.messages)
    assert subjects == [f"1 constituent wrote about {TITLE} (part 2 of 2)",
                        f"{MAX_LETTERS} constituents wrote about {TITLE} (part 1 of 2)"]


@pytest.mark.postgres
def test_postgres_two_workers_building_at_once_put_each_letter_in_one_digest(ctx, writer, clock, pg_db, pg_url):
    daily = with_campaigns(ctx, campaign("together", mpp='mode = "digest"'), db=pg_db)
    writer.write(daily, "together", OTTAWA, 20)
    writer.write(daily, "together", TORONTO_CODE, 20)
    clock.advance(24 * 3600)
    databases = [Database(pg_url) for _ in range(2)]
    start = threading.Barrier(2)
    built: list[int] = []

    def build(db: Database) -> None:
        start.wait(timeout=30)
        with db.transaction() as session:
            built.append(len(build_digests(session, daily.catalog, clock(), message_domain="union.test")))

    threads = [threading.Thread(target=build, args=(db,)) for db in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for db in databases:
        db.dispose()
    assert sorted(built) == [0, 2]
    assert [d.office_key for d in digests(pg_db)] == sorted([OTTAWA_MPP, TORONTO_MPP])
    with pg_db.transaction() as session:
        assert {n for n, in session.execute(select(Delivery.digest_id).where(Delivery.kind == "letter"))} == \
            {d.id for d in digests(pg_db)}


def test_individual_letters_of_another_group_are_not_held_back_by_a_digest_group(ctx, writer, clock, smtp_sink):
    mixed = with_campaigns(ctx, campaign("mixed", mpp='mode = "digest"', minister=""))
    writer.write(mixed, "mixed", OTTAWA, 2)
    assert worker(mixed, smtp_sink.url, clock).run_once().sent == 2
    assert received(smtp_sink) == {MINISTER: 2}
