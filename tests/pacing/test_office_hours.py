"""Office hours: letters reach an office only while it is open, on its own clock, across DST changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from advocacy.catalog.schema import DeliveryPolicy
from advocacy.models import Delivery
from advocacy.services.pacing import is_open, next_opening

from ..delivery.conftest import events, row
from .conftest import MINISTER, OTTAWA_MPP, campaign, received, statuses, toronto, with_campaigns, worker

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
OFFICE = DeliveryPolicy(hours="09:00-17:00", days=WEEKDAYS)


@pytest.mark.parametrize(("written", "opens"), [
    ("2026-11-23 10:00", "2026-11-23 10:00"),  # open: at once
    ("2026-11-23 08:59", "2026-11-23 09:00"),
    ("2026-11-23 17:00", "2026-11-24 09:00"),  # closing time is closed
    ("2026-11-27 18:00", "2026-11-30 09:00"),  # Friday evening: Monday morning
    ("2026-11-28 12:00", "2026-11-30 09:00"),  # Saturday noon
], ids=["open", "before-opening", "at-closing", "friday-evening", "saturday"])
def test_the_next_opening_is_read_on_the_offices_clock(written, opens):
    assert next_opening(OFFICE, toronto(written)) == toronto(opens)
    assert is_open(OFFICE, toronto(written)) == (written == opens)


def test_a_weekend_across_the_spring_dst_change_opens_at_nine_local_which_is_an_hour_earlier_in_utc():
    monday = next_opening(OFFICE, toronto("2026-03-06 18:00"))  # clocks go forward on Sunday 8 March
    assert monday == toronto("2026-03-09 09:00")
    assert (monday.hour, monday.utcoffset().total_seconds()) == (13, 0)  # 09:00 EDT; 14:00 UTC in winter


def test_a_weekend_across_the_autumn_dst_change_opens_at_nine_local():
    monday = next_opening(OFFICE, toronto("2026-10-30 18:00"))  # clocks go back on Sunday 1 November
    assert monday == toronto("2026-11-02 09:00") and monday.hour == 14


def test_hours_are_read_in_the_offices_own_time_zone():
    vancouver = DeliveryPolicy(hours="09:00-17:00", timezone="America/Vancouver")
    # 11:00 in Toronto is 08:00 in Vancouver: that office opens three hours later.
    assert next_opening(vancouver, toronto("2026-11-23 11:00")) == toronto("2026-11-23 12:00")


def test_hours_past_midnight_and_days_without_hours():
    night = DeliveryPolicy(hours="22:00-06:00")
    assert is_open(night, toronto("2026-11-24 02:00"))
    assert next_opening(night, toronto("2026-11-24 06:00")) == toronto("2026-11-24 22:00")
    weekdays = DeliveryPolicy(days=WEEKDAYS)
    assert is_open(weekdays, toronto("2026-11-27 23:59"))
    assert next_opening(weekdays, toronto("2026-11-28 00:00")) == toronto("2026-11-30 00:00")
    assert is_open(DeliveryPolicy(hours="08:00-24:00"), toronto("2026-11-28 23:59"))


def test_a_letter_written_on_saturday_reaches_the_office_on_monday_at_nine(ctx, writer, clock, smtp_sink):
    clock.now = toronto("2026-11-28 11:00")  # Saturday
    hours = 'hours = "09:00-17:00", days = ["mon", "tue", "wed", "thu", "fri"]'
    paced = with_campaigns(ctx, campaign("weekday-office", mpp=hours, minister=""))
    letter, to_minister = writer.write(paced, "weekday-office")
    sender = worker(paced, smtp_sink.url, clock)

    assert sender.run_once().sent == 1
    assert received(smtp_sink) == {MINISTER: 1}  # the minister's group keeps no office hours
    # Staff see when the letter will leave; no attempt was spent on it.
    waiting = row(ctx.db, letter)
    assert (waiting.status, waiting.attempts, waiting.next_attempt_at) == ("queued", 0, toronto("2026-11-30 09:00"))
    assert events(ctx.db, letter) == []

    clock.now = toronto("2026-11-30 08:59")
    assert sender.run_once().sent == 0
    clock.now = toronto("2026-11-30 09:00")
    assert sender.run_once().sent == 1
    assert received(smtp_sink) == {MINISTER: 1, OTTAWA_MPP: 1}
    assert row(ctx.db, to_minister).status == "sent"


def test_a_retry_due_after_closing_waits_for_the_next_opening(ctx, writer, clock, smtp_sink):
    clock.now = toronto("2026-11-23 16:59")
    paced = with_campaigns(ctx, campaign("short-day", mpp='hours = "09:00-17:00"'))
    [letter] = writer.write(paced, "short-day")
    smtp_sink.rcpt_reply = lambda _address: "451 4.3.0 try again later"
    sender = worker(paced, smtp_sink.url, clock)
    assert sender.run_once().retried == 1
    smtp_sink.rcpt_reply = lambda _address: None
    clock.advance(3600)  # the retry is due, but the office closed at 17:00
    assert sender.run_once().handled == 0
    assert row(ctx.db, letter).next_attempt_at == toronto("2026-11-24 09:00")
    clock.now = toronto("2026-11-24 09:00")
    assert sender.run_once().sent == 1


def test_supporters_emails_go_out_at_any_hour(ctx, writer, clock, smtp_sink):
    """A confirmation link or a receipt answers what the supporter just did; office hours are for offices."""
    clock.now = toronto("2026-11-28 23:00")
    paced = with_campaigns(ctx, campaign("night-owls", mpp='hours = "09:00-17:00"'))
    writer.write(paced, "night-owls")
    with ctx.db.transaction() as session:
        letter = session.scalars(select(Delivery).where(Delivery.kind == "letter")).one()
        session.add(Delivery(action_id=letter.action_id, campaign_slug="night-owls", kind="receipt",
                             recipient_name="Writer", recipient_email="writer1@example.com",
                             office_key="writer1@example.com", subject="Your letter", body="A copy.",
                             message_id="<receipt-1@union.test>", next_attempt_at=clock(), created_at=clock()))
    assert worker(paced, smtp_sink.url, clock).run_once().sent == 1
    assert received(smtp_sink) == {"writer1@example.com": 1}
    assert statuses(ctx.db) == {"sent": 1, "queued": 1}
