"""Retry all or cancel all of a campaign's dead letters (or of one office's), asked once, audited once, with the
rules of the one-at-a-time fix: a letter whose text retention deleted is never queued again."""

from __future__ import annotations

import html
import re
from contextlib import nullcontext
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from advocacy import create_app
from advocacy.catalog.schema import CAMPAIGN_TZ
from advocacy.models import AuditEntry, Delivery, DeliveryEvent
from advocacy.models.base import utcnow
from advocacy.services.digests import build_digests
from advocacy.services.privacy import SCRUBBED_BODY, RetentionPolicy, scrub_messages
from advocacy.worker import Worker

from ..conftest import confirm_by_email, csrf_token, post_form
from .conftest import StaffClients
from .editor_forms import create, letter_form, set_status
from .test_dashboard import LETTER, PETITION, RefusingChannel, sign

OTTAWA_MPP = "mpp.ottawa-centre@demo.invalid"
MINISTER = "minister.service-delivery@demo.invalid"


class AcceptingChannel:
    """A mail server that takes everything."""

    name = "accepting"

    def __init__(self) -> None:
        self.sent: list = []

    def batch(self):
        return nullcontext(self)

    def send(self, message) -> None:
        self.sent.append(message)


def words(response) -> str:
    """The page's words as a person reads them: no tags, single spaces."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def office_hours() -> datetime:
    """A weekday morning in Toronto a few days ahead: offices take letters then (letters leave in office hours)."""
    day = utcnow().astimezone(CAMPAIGN_TZ).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(10), CAMPAIGN_TZ)


def refuse_everything(ctx, *, at: datetime | None = None) -> None:
    """A worker whose mail server refuses every message for good: whatever was due is now a dead letter."""
    moment = at or utcnow()
    Worker(ctx, RefusingChannel(), clock=lambda: moment).run_once()


def dead_signers(client, ctx, *names: str) -> list[int]:
    """Petition signers whose confirmation emails are refused for good; their delivery ids."""
    for name in names:
        sign(client, name, f"{name.lower()}@example.com", "K1R7S8")
    refuse_everything(ctx)
    return statuses(ctx, "failed", PETITION)


def statuses(ctx, status: str, campaign: str, **where: str) -> list[int]:
    with ctx.db.transaction() as session:
        query = select(Delivery.id).where(Delivery.status == status, Delivery.campaign_slug == campaign)
        for column, value in where.items():
            query = query.where(getattr(Delivery, column) == value)
        return list(session.scalars(query.order_by(Delivery.id)))


def audit_entries(ctx, action: str) -> list[AuditEntry]:
    with ctx.db.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_viewer_sees_no_bulk_buttons_and_is_refused(client, ctx, staff_client):
    failed = dead_signers(client, ctx, "Ann", "Bo")
    viewer = staff_client("viewer")
    page = viewer.get(f"/admin/campaigns/{PETITION}").get_data(as_text=True)
    assert "Retry all" not in page and "dead-letters/retry" not in page
    url = f"/admin/campaigns/{PETITION}/dead-letters/retry"
    assert viewer.get(url).status_code == 403
    token = csrf_token(viewer, f"/admin/campaigns/{PETITION}")
    for change in ("retry", "cancel"):
        response = viewer.post(f"/admin/campaigns/{PETITION}/dead-letters/{change}", data={"csrf_token": token})
        assert response.status_code == 403
    assert statuses(ctx, "failed", PETITION) == failed


def test_retry_all_asks_once_then_queues_every_dead_letter_of_the_campaign_and_audits_once(client, ctx,
                                                                                            staff_client):
    failed = dead_signers(client, ctx, "Ann", "Bo", "Cy")
    post_form(client, f"/campaigns/{LETTER}", {"first_name": "Di", "last_name": "Li", "email": "di@example.com",
                                               "postal_code": "K1P5J2", "intent": "send"})
    refuse_everything(ctx)
    other = statuses(ctx, "failed", LETTER)  # another campaign's dead letter: left alone
    assert len(failed) == 3 and len(other) == 1
    campaigner = staff_client("campaigner")
    page = words(campaigner.get(f"/admin/campaigns/{PETITION}"))
    assert "3 dead letters in all. Retry all… Cancel all…" in page

    ask = words(campaigner.get(f"/admin/campaigns/{PETITION}/dead-letters/retry"))
    assert "Retry all dead letters" in ask and "The Rich and the Rest of Us" in ask
    assert "3 dead letters will be queued again now, each with a fresh set of attempts" in ask
    assert "Retry 3 dead letters" in ask and "cannot be sent again" not in ask
    assert statuses(ctx, "failed", PETITION) == failed  # asking changed nothing

    response = post_form(campaigner, f"/admin/campaigns/{PETITION}/dead-letters/retry", {})
    assert response.status_code == 302 and response.location.endswith(f"/admin/campaigns/{PETITION}")
    assert "3 dead letters were queued again." in words(campaigner.get(response.location))
    assert statuses(ctx, "queued", PETITION) == failed and statuses(ctx, "failed", LETTER) == other
    with ctx.db.transaction() as session:
        assert {d.attempts for d in session.scalars(select(Delivery).where(Delivery.id.in_(failed)))} == {0}
        logged = session.execute(select(DeliveryEvent.delivery_id, DeliveryEvent.from_state, DeliveryEvent.to_state,
                                        DeliveryEvent.reason).where(DeliveryEvent.to_state == "queued",
                                                                    DeliveryEvent.from_state == "failed")).all()
    assert sorted(logged) == [(i, "failed", "queued", f"retried by {campaigner.staff.email}") for i in failed]
    [entry] = audit_entries(ctx, "delivery.retry_all")
    assert (entry.actor, entry.target) == (campaigner.staff.email, f"campaign:{PETITION}")
    assert entry.detail == {"campaign": PETITION, "changed": 3, "text_deleted": 0}
    # The dashboard's figures follow (they are kept by the database's triggers).
    states = campaigner.get(f"/admin/campaigns/{PETITION}").get_data(as_text=True)
    assert re.search(r'Confirmation emails</th>.*?data-state="queued">3<', states, re.S)
    assert "No dead letters." in states


def test_retry_all_leaves_the_letters_whose_text_was_deleted_and_says_how_many(client, ctx, staff_client):
    old = dead_signers(client, ctx, "Ann", "Bo")
    with ctx.db.transaction() as session:  # the purge, past retention and the dead letters' grace weeks
        scrub_messages(session, RetentionPolicy(), now=utcnow() + timedelta(days=90))
    fresh = [i for i in dead_signers(client, ctx, "Cy") if i not in old]
    campaigner = staff_client("campaigner")
    ask = words(campaigner.get(f"/admin/campaigns/{PETITION}/dead-letters/retry"))
    assert "1 dead letter will be queued again now, with a fresh set of attempts" in ask
    assert ("2 cannot be sent again: their text was deleted after our retention period. They will be left as they "
            "are; cancel them instead.") in ask
    assert "Retry 1 dead letter" in ask

    done = post_form(campaigner, f"/admin/campaigns/{PETITION}/dead-letters/retry", {}, follow=True)
    assert ("1 dead letter was queued again. 2 were left as they were: their text was deleted after our retention "
            "period, so they cannot be sent again. Cancel them instead.") in words(done)
    assert statuses(ctx, "queued", PETITION) == fresh and statuses(ctx, "failed", PETITION) == old
    assert [e.detail for e in audit_entries(ctx, "delivery.retry_all")] == [
        {"campaign": PETITION, "changed": 1, "text_deleted": 2}]

    # Only deleted ones are left: no button, and a forged post changes nothing and records nothing.
    ask = words(campaigner.get(f"/admin/campaigns/{PETITION}/dead-letters/retry"))
    assert "Retry 0" not in ask and "Retry 2" not in ask and "2 cannot be sent again" in ask
    again = post_form(campaigner, f"/admin/campaigns/{PETITION}/dead-letters/retry", {}, follow=True)
    assert "No dead letter was queued again. 2 were left as they were" in words(again)
    assert len(audit_entries(ctx, "delivery.retry_all")) == 1

    # What the message suggests works: cancel them all.
    cancelled = post_form(campaigner, f"/admin/campaigns/{PETITION}/dead-letters/cancel", {}, follow=True)
    assert "2 dead letters were cancelled." in words(cancelled)
    with ctx.db.transaction() as session:
        assert {d.status: d.body for d in session.scalars(select(Delivery).where(Delivery.id.in_(old)))} == {
            "cancelled": SCRUBBED_BODY}


def test_cancel_all_asks_once_and_cancels_for_good(client, ctx, staff_client):
    failed = dead_signers(client, ctx, "Ann", "Bo")
    campaigner = staff_client("campaigner")
    ask = words(campaigner.get(f"/admin/campaigns/{PETITION}/dead-letters/cancel"))
    assert "2 dead letters will be cancelled: they will never be sent. This cannot be undone." in ask
    assert "Cancel 2 dead letters" in ask
    done = post_form(campaigner, f"/admin/campaigns/{PETITION}/dead-letters/cancel", {}, follow=True)
    assert "2 dead letters were cancelled." in words(done)
    assert statuses(ctx, "cancelled", PETITION) == failed
    [entry] = audit_entries(ctx, "delivery.cancel_all")
    assert entry.detail == {"campaign": PETITION, "changed": 2}
    with ctx.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(DeliveryEvent).where(
            DeliveryEvent.to_state == "cancelled", DeliveryEvent.reason == f"cancelled by {campaigner.staff.email}",
            DeliveryEvent.delivery_id.in_(failed))) == 2

    nothing = words(campaigner.get(f"/admin/campaigns/{PETITION}/dead-letters/cancel"))
    assert "There are no dead letters here now. Nothing will be changed." in nothing and "Cancel 0" not in nothing
    again = post_form(campaigner, f"/admin/campaigns/{PETITION}/dead-letters/cancel", {}, follow=True)
    assert "There were no dead letters to cancel. Nothing was changed." in words(again)
    assert len(audit_entries(ctx, "delivery.cancel_all")) == 1


def test_cancel_all_for_one_office_leaves_the_other_offices_letters(client, ctx, staff_client):
    for name in ("Ann", "Bo"):
        post_form(client, f"/campaigns/{LETTER}", {"first_name": name, "last_name": "Li",
                                                   "email": f"{name.lower()}@example.com", "postal_code": "K1P5J2",
                                                   "intent": "send"})
        confirm_by_email(client, ctx.db, f"{name.lower()}@example.com")
    refuse_everything(ctx, at=office_hours())
    to_mpp = statuses(ctx, "failed", LETTER, office_key=OTTAWA_MPP)
    to_minister = statuses(ctx, "failed", LETTER, office_key=MINISTER)
    assert len(to_mpp) == len(to_minister) == 2
    dead = statuses(ctx, "failed", LETTER)  # the writers' confirmation and receipt emails too
    campaigner = staff_client("campaigner")
    page = campaigner.get(f"/admin/campaigns/{LETTER}").get_data(as_text=True)
    offices = re.search(r'id="letters-per-office">(.*?)</table>', page, re.S).group(1)
    link = f"/admin/campaigns/{LETTER}/dead-letters/cancel?office=mpp.ottawa-centre@demo.invalid"
    assert link in html.unescape(offices) and "dead letters to mpp.ottawa-centre@demo.invalid" in offices

    ask = words(campaigner.get(link))
    assert f"Office inbox {OTTAWA_MPP}" in ask and "2 dead letters will be cancelled" in ask
    form = campaigner.get(link).get_data(as_text=True)
    assert f'name="office" value="{OTTAWA_MPP}"' in form
    done = post_form(campaigner, link, {"office": OTTAWA_MPP}, follow=True)
    assert "2 dead letters were cancelled." in words(done)
    assert statuses(ctx, "cancelled", LETTER) == to_mpp
    assert statuses(ctx, "failed", LETTER) == [i for i in dead if i not in to_mpp]
    [entry] = audit_entries(ctx, "delivery.cancel_all")
    assert entry.detail == {"campaign": LETTER, "office": OTTAWA_MPP, "changed": 2}


def test_retry_all_puts_a_dead_digests_letters_back_inside_it_and_they_go_with_it(client, ctx, staff_client):
    digest_retried(client, ctx, staff_client)


def digest_retried(client, ctx, staff_client) -> None:
    """Two letters in a daily digest to an MPP, refused; retry all of that office's: the digest carries them."""
    editor = staff_client("campaigner")
    create(editor, letter_form("fix-the-roof", confirm="off"))  # its MPPs get one digest a day
    set_status(editor, "fix-the-roof", "live")
    for name in ("Ann", "Bo"):
        post_form(client, "/campaigns/fix-the-roof", {"first_name": name, "last_name": "Li", "intent": "send",
                                                      "email": f"{name.lower()}@example.com",
                                                      "postal_code": "K1P5J2"})
    later = office_hours()
    with ctx.db.transaction() as session:
        [digest] = build_digests(session, ctx.catalog, later, message_domain=ctx.message_domain)
        digest_id = digest.id
    refuse_everything(ctx, at=later)
    letters = statuses(ctx, "failed", "fix-the-roof", kind="letter", office_key=OTTAWA_MPP)
    assert len(letters) == 2 and statuses(ctx, "failed", "fix-the-roof", kind="digest") == [digest_id]
    dead = statuses(ctx, "failed", "fix-the-roof")  # and the letters to the Premier, and the receipts

    campaigner = staff_client("campaigner")  # the worker's clock, days ahead, ended the editor's session
    done = post_form(campaigner, f"/admin/campaigns/fix-the-roof/dead-letters/retry?office={OTTAWA_MPP}",
                     {"office": OTTAWA_MPP}, follow=True)
    assert "3 dead letters were queued again." in words(done)
    assert statuses(ctx, "queued", "fix-the-roof") == [digest_id]
    assert statuses(ctx, "batched", "fix-the-roof") == letters  # back inside the digest, not queued on their own
    assert statuses(ctx, "failed", "fix-the-roof") == [i for i in dead if i not in (digest_id, *letters)]
    channel = AcceptingChannel()
    Worker(ctx, channel, clock=lambda: later + timedelta(minutes=1)).run_once()
    assert [m.to_address for m in channel.sent] == ["mpp.ottawa-centre@demo.invalid"]  # one digest, once
    assert statuses(ctx, "sent", "fix-the-roof") == sorted([digest_id, *letters])


def test_bad_addresses_and_missing_tokens(client, ctx, staff_client):
    dead_signers(client, ctx, "Ann")
    campaigner = staff_client("campaigner")
    assert campaigner.get("/admin/campaigns/no-such-campaign/dead-letters/retry").status_code == 404
    assert campaigner.get(f"/admin/campaigns/{PETITION}/dead-letters/delete").status_code == 404
    refused = campaigner.post(f"/admin/campaigns/{PETITION}/dead-letters/cancel", data={})
    assert refused.status_code == 400 and "This form could not be sent" in refused.get_data(as_text=True)
    odd = campaigner.get(f"/admin/campaigns/{PETITION}/dead-letters/retry?office=" + "x" * 5000)
    assert odd.status_code == 200 and "There are no dead letters here now" in words(odd)
    assert len(statuses(ctx, "failed", PETITION)) == 1


@pytest.fixture
def pg_app(settings, pg_db, pg_url):
    app = create_app(settings.with_(database_url=pg_url))
    yield app
    app.extensions["advocacy"].db.dispose()


@pytest.mark.postgres
def test_retry_and_cancel_all_on_postgres_log_each_move_once(pg_app, pg_db):
    ctx = pg_app.extensions["advocacy"]
    failed = dead_signers(pg_app.test_client(), ctx, "Ann", "Bo", "Cy")
    with ctx.db.transaction() as session:
        session.get(Delivery, failed[0]).body = SCRUBBED_BODY
    campaigner = StaffClients(pg_app, pg_db)("campaigner")
    done = post_form(campaigner, f"/admin/campaigns/{PETITION}/dead-letters/retry", {}, follow=True)
    assert "2 dead letters were queued again. 1 was left as it was" in words(done)
    assert statuses(ctx, "queued", PETITION) == failed[1:]
    done = post_form(campaigner, f"/admin/campaigns/{PETITION}/dead-letters/cancel", {}, follow=True)
    assert "1 dead letter was cancelled." in words(done)
    with ctx.db.transaction() as session:
        moves = session.execute(select(DeliveryEvent.delivery_id, DeliveryEvent.to_state)
                                .where(DeliveryEvent.from_state == "failed")).all()
    assert sorted(moves) == [(failed[0], "cancelled"), (failed[1], "queued"), (failed[2], "queued")]


@pytest.mark.postgres
def test_retry_all_of_a_dead_digest_on_postgres(pg_app, pg_db):
    digest_retried(pg_app.test_client(), pg_app.extensions["advocacy"], StaffClients(pg_app, pg_db))
