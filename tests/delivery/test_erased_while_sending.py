"""A supporter erased while a worker holds their letter: the office never gets the placeholder text.

Erasure (the People page) cancels every unsent letter but one a worker is sending, whose text it replaces all the
same. If that send fails, or the worker gives the letter back, the letter must end cancelled, never be sent again.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlalchemy import select

from advocacy.models import Supporter as SupporterRow
from advocacy.services import people
from advocacy.services.people import PLACEHOLDER

from ..admin.conftest import light_password_hashing, staff_client  # noqa: F401 - fixtures shared with tests/admin
from ..conftest import csrf_token
from .conftest import CAMPAIGN, events, rows, smtp_worker

LEASE = 120  # the default worker_lease_seconds
EMAIL = "supporter1@example.com"  # the first supporter the letter factory makes


def erase(admin, db, email: str = EMAIL) -> None:
    """What an admin does on the People page: type the address to confirm, then erase."""
    with db.transaction() as session:
        person = session.scalars(select(SupporterRow.id).where(SupporterRow.email == email)).one()
    page = f"/admin/people/{person}/erase"
    done = admin.post(page, data={"csrf_token": csrf_token(admin, page), "email": email})
    assert done.status_code == 302, done.get_data(as_text=True)[:500]


def dashboard_letters(admin) -> tuple[dict[str, str], list[str], str]:
    """The campaign dashboard as staff read it: the letters' row of the deliveries table, each office's
    letters still waiting, and the dead letters section."""
    page = admin.get(f"/admin/campaigns/{CAMPAIGN}").get_data(as_text=True)
    states = re.search(r'<table class="data-table" id="delivery-states">.*?</table>', page, re.S).group(0)
    letters = re.search(r'<tr><th scope="row">Letters to offices</th>(.*?)</tr>', states, re.S).group(1)
    by_state = dict(re.findall(r'data-state="(\w+)">([\d,]+)</td>', letters))
    offices = re.search(r'<table class="data-table" id="letters-per-office">.*?</table>', page, re.S).group(0)
    waiting = re.findall(r'<td class="number">([\d,]+)</td><td class="number">([\d,]+)</td>\s*'
                         r'<td class="number">([\d,]+)</td><td class="number">([\d,]+)</td>', offices)
    dead = re.search(r"<h2>Dead letters</h2>(.*?)(<h2>|$)", page, re.S).group(1)
    return by_state, [w[2] for w in waiting], dead


@pytest.mark.parametrize("reply", ["451 4.7.1 Greylisted, try later", "550 5.1.1 No such mailbox"])
def test_a_letter_erased_during_a_failed_send_is_cancelled_not_retried(ctx, letters, smtp_sink, clock,
                                                                        staff_client, reply):  # noqa: F811
    ids = letters.make(1)
    originals = {d.id: d.body for d in rows(ctx.db, ids)}
    admin = staff_client("admin")
    erased = []

    def erase_then_refuse(_message) -> str:
        # The office's server is slow to answer; meanwhile an admin erases the supporter.
        if not erased:
            erase(admin, ctx.db)
            erased.append(True)
        return reply

    smtp_sink.data_reply = erase_then_refuse
    worker = smtp_worker(ctx, smtp_sink.url, clock)
    report = worker.run_once()

    assert erased and smtp_sink.messages == []
    assert (report.sent, report.retried, report.failed, report.cancelled) == (0, 0, 0, 2)
    for delivery in rows(ctx.db, ids):
        assert (delivery.status, delivery.subject, delivery.body) == ("cancelled", PLACEHOLDER, PLACEHOLDER)
        [(old, new, why)] = events(ctx.db, delivery.id)
        assert (old, new) == ("sending", "cancelled")
        assert why.startswith("cancelled, not retried: its text was removed") and reply[:3] in why

    # The office's server is well again and every back-off has passed: nothing goes, ever.
    smtp_sink.data_reply = lambda _message: None
    clock.advance(ctx.settings.retry_cap_seconds * 2)
    assert worker.run_once().handled == 0
    assert smtp_worker(ctx, smtp_sink.url, clock).run_once().handled == 0
    assert smtp_sink.messages == []
    assert all(body not in str(rows(ctx.db)) for body in originals.values())

    # Staff see two cancelled letters: none waiting, and no dead letter offering a retry.
    by_state, waiting, dead = dashboard_letters(admin)
    assert by_state == {"cancelled": "2"}
    assert waiting == ["0", "0"]
    assert "No dead letters." in dead and "Retry" not in dead


def test_a_letter_accepted_while_its_supporter_was_erased_counts_as_sent(ctx, letters, smtp_sink, clock,
                                                                          staff_client):  # noqa: F811
    """The letter left as written before the erasure took effect: it is recorded as sent, text removed."""
    ids = letters.make(1)
    originals = sorted(d.body for d in rows(ctx.db, ids))
    admin = staff_client("admin")

    def erase_then_accept(_message) -> None:
        if not admin.erased:
            erase(admin, ctx.db)
            admin.erased = True

    admin.erased = False
    smtp_sink.data_reply = erase_then_accept
    report = smtp_worker(ctx, smtp_sink.url, clock).run_once()

    assert (report.sent, report.cancelled) == (2, 0)
    assert sorted(m.get_content().replace("\r\n", "\n") for m in smtp_sink.messages) == originals
    assert {(d.status, d.body) for d in rows(ctx.db, ids)} == {("sent", PLACEHOLDER)}


def test_a_crashed_workers_erased_letter_is_cancelled_when_claimed_again(ctx, letters, smtp_sink, clock,
                                                                         staff_client):  # noqa: F811
    ids = letters.make(1)
    later = letters.make(1)  # another supporter's letter, claimed after the lease too
    crashed = smtp_worker(ctx, smtp_sink.url, clock)
    claimed = crashed._claim()  # it claims, then dies before sending anything
    assert sorted(d.id for d in claimed) == sorted(ids + later)
    admin = staff_client("admin")
    erase(admin, ctx.db)  # erasure cannot cancel letters a worker holds
    assert {d.status for d in rows(ctx.db, ids)} == {"sending"}

    clock.advance(LEASE + 1)
    survivor = smtp_worker(ctx, smtp_sink.url, clock)
    report = survivor.run_once()

    assert report.sent == 2  # the other supporter's letters
    assert sorted(m["Message-ID"] for m in smtp_sink.messages) == sorted(d.message_id for d in rows(ctx.db, later))
    assert all(PLACEHOLDER not in m.get_content() for m in smtp_sink.messages)
    for delivery in rows(ctx.db, ids):
        # Claimed twice, attempted never: the attempt counted by the second claim is taken back.
        assert (delivery.status, delivery.attempts, delivery.claimed_until) == ("cancelled", 1, None)
        assert events(ctx.db, delivery.id)[-1] == (
            "sending", "cancelled",
            "cancelled unsent: its text was removed (the supporter's data was erased, or retention deleted it)")


def test_a_batch_of_only_erased_letters_does_not_stop_the_worker_before_the_rest(
        ctx, letters, smtp_sink, clock, staff_client, monkeypatch):  # noqa: F811
    erased = letters.make(1)
    crashed = smtp_worker(ctx, smtp_sink.url, clock)
    assert sorted(d.id for d in crashed._claim()) == erased  # then it dies
    erase(staff_client("admin"), ctx.db)
    clock.advance(LEASE + 1)
    kept = letters.make(1)  # due after the erased ones: a claim takes those first
    monkeypatch.setattr(ctx, "settings", dataclasses.replace(ctx.settings, worker_batch=2))

    report = smtp_worker(ctx, smtp_sink.url, clock).run_once()

    # The first claim took only the two erased letters and cancelled them; the worker claimed again.
    assert report.sent == 2 and len(smtp_sink.messages) == 2
    assert {d.status for d in rows(ctx.db, erased)} == {"cancelled"}
    assert {d.status for d in rows(ctx.db, kept)} == {"sent"}


def test_staff_cannot_cancel_a_letter_a_worker_is_sending(ctx, letters, smtp_sink, clock, staff_client):  # noqa: F811
    """Only the worker holding a letter may cancel it: the message may be on its way."""
    [delivery, _other] = letters.make(1)
    smtp_worker(ctx, smtp_sink.url, clock)._claim()
    campaigner = staff_client("campaigner")
    page = f"/admin/deliveries/{delivery}/cancel"
    response = campaigner.post(page, data={"csrf_token": csrf_token(campaigner, page)}, follow_redirects=True)
    assert "is sending now, so it cannot be changed that way. Nothing was changed." in response.get_data(as_text=True)
    assert {d.status for d in rows(ctx.db, [delivery])} == {"sending"}


@pytest.mark.postgres
def test_postgres_erased_letters_are_cancelled_when_claimed_again(ctx, letters, pg_db, smtp_sink, clock):
    erased = letters.make(1, db=pg_db)
    pg_ctx = dataclasses.replace(ctx, db=pg_db, settings=dataclasses.replace(ctx.settings, worker_batch=2))
    assert sorted(d.id for d in smtp_worker(pg_ctx, smtp_sink.url, clock)._claim()) == erased  # then it dies
    with pg_db.transaction() as session:
        supporter = session.scalars(select(SupporterRow).where(SupporterRow.email == EMAIL)).one()
        people.erase_person(session, supporter, now=clock())
    clock.advance(LEASE + 1)
    kept = letters.make(1, db=pg_db)

    report = smtp_worker(pg_ctx, smtp_sink.url, clock).run_once()

    assert report.sent == 2 and all(PLACEHOLDER not in m.get_content() for m in smtp_sink.messages)
    assert [(d.status, d.body) for d in rows(pg_db, erased)] == [("cancelled", PLACEHOLDER)] * 2
    assert {d.status for d in rows(pg_db, kept)} == {"sent"}
