"""Confirm before send: the emailed link lands on a page; only the POST confirms; caps stop mail-bombing."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select, update

from advocacy.models import Action, Confirmation, Delivery, Supporter
from advocacy.models.base import utcnow
from advocacy.services import confirmations

from ..conftest import csrf_token, post_form

LETTER = "/campaigns/stop-offshoring"
PETITION = "/campaigns/the-rich-and-the-rest-of-us"
ME = {"first_name": "Bo", "last_name": "Li", "email": "Bo@Example.com", "postal_code": "K1P 5J2"}


def rows(db, model, *where):
    with db.transaction() as session:
        return list(session.scalars(select(model).where(*where).order_by(model.id)))


def emails_to(db, address: str, kind: str = "confirmation") -> list[Delivery]:
    return rows(db, Delivery, Delivery.office_key == address.lower(), Delivery.kind == kind)


def link_in(delivery: Delivery) -> str:
    return re.search(r"http://campaigns\.test(/confirm/\S+)", delivery.body).group(1)


def send_letter(client, **changes):
    return post_form(client, LETTER, {**ME, **changes, "intent": "send"})


def test_letter_is_held_and_not_counted_until_confirmed(client, db):
    send_letter(client)
    assert {d.status for d in rows(db, Delivery, Delivery.kind == "letter")} == {"held"}
    assert rows(db, Action)[0].status == "pending"
    assert "0</strong> of 5,000 letters" in client.get(LETTER).get_data(as_text=True)
    (email,) = emails_to(db, "bo@example.com")
    assert email.status == "queued" and email.recipient_email == "Bo@example.com"
    assert "Confirm your letter" in email.subject
    assert "Sam Demo-Tremblay, MPP" in email.body and "/unsubscribe/" in email.body


def test_the_link_shows_a_button_and_get_changes_nothing(client, db):
    send_letter(client)
    link = link_in(emails_to(db, "bo@example.com")[0])
    for _ in range(3):  # a mail scanner fetching the link, several times
        page = client.get(link)
        assert page.status_code == 200 and "Confirm and send my letter" in page.get_data(as_text=True)
    assert {d.status for d in rows(db, Delivery, Delivery.kind == "letter")} == {"held"}


def test_post_confirms_releases_letters_and_sends_a_receipt(client, db):
    send_letter(client)
    link = link_in(emails_to(db, "bo@example.com")[0])
    page = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert page.status_code == 200
    assert "Your letter is on its way to 2 offices" in page.get_data(as_text=True)
    assert {d.status for d in rows(db, Delivery, Delivery.kind == "letter")} == {"queued"}
    assert rows(db, Action)[0].status == "confirmed"
    (receipt,) = emails_to(db, "bo@example.com", "receipt")
    assert "Dear Sam Demo-Tremblay," in receipt.body and "unsubscribe" not in receipt.body
    again = client.post(link, data={"csrf_token": csrf_token(client, LETTER)})
    assert again.status_code == 200 and "You have already confirmed" in again.get_data(as_text=True)
    assert len(emails_to(db, "bo@example.com", "receipt")) == 1
    assert "1</strong> of 5,000 letters" in client.get(LETTER).get_data(as_text=True)


def test_unknown_and_expired_links_say_so(client, db):
    assert client.get("/confirm/not-a-real-token").status_code == 404
    send_letter(client)
    link = link_in(emails_to(db, "bo@example.com")[0])
    with db.transaction() as session:
        session.execute(update(Confirmation).values(expires_at=utcnow() - timedelta(minutes=1)))
    page = client.post(link, data={"csrf_token": csrf_token(client, LETTER)})
    assert page.status_code == 410 and "This link has expired" in page.get_data(as_text=True)
    assert {d.status for d in rows(db, Delivery, Delivery.kind == "letter")} == {"held"}


def test_one_email_per_address_per_campaign_per_day_and_three_a_day_overall(client, db, app):
    for _ in range(4):
        send_letter(client)
    assert len(emails_to(db, "bo@example.com")) == 1  # one link confirms all four letters
    link = link_in(emails_to(db, "bo@example.com")[0])
    client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert len(rows(db, Delivery, Delivery.kind == "letter", Delivery.status == "queued")) == 8
    # Other campaigns: the fourth confirmation email in a day is not sent.
    ctx = app.extensions["advocacy"]
    supporter_id = rows(db, Supporter)[0].id
    with db.transaction() as session:
        for slug in ("no-to-bill-c-377", "legal-aid-bargaining-rights", "tb-biomass-conversion"):
            action = Action(campaign_slug=slug, kind="letter", status="pending", supporter_id=supporter_id,
                            email_key="bo@example.com", first_name="Bo", last_name="Li", postal_code="K1P5J2")
            session.add(action)
            session.flush()
            confirmations.request_confirmation(session, ctx.catalog.get(slug), action, mail=ctx.mail, now=utcnow())
    assert len(emails_to(db, "bo@example.com")) == 3


def test_petition_optional_confirmation_counts_at_once_and_verifies(client, db):
    response = post_form(client, PETITION, ME)
    assert "check=1" not in response.location
    assert "1</strong> of 10,000" in client.get(PETITION).get_data(as_text=True)
    (email,) = emails_to(db, "bo@example.com")
    client.post(link_in(email), data={"csrf_token": csrf_token(client, PETITION)})
    assert rows(db, Action)[0].verified_at is not None
    assert emails_to(db, "bo@example.com", "receipt") == []  # the confirmation email was the receipt


def test_reminder_after_a_day_then_expiry_deletes_unconfirmed_details(client, db, app):
    send_letter(client)
    ctx = app.extensions["advocacy"]
    later = utcnow() + timedelta(hours=25)
    with db.transaction() as session:
        assert confirmations.send_reminders(session, ctx.catalog.get, mail=ctx.mail, now=later) == 1
        assert confirmations.send_reminders(session, ctx.catalog.get, mail=ctx.mail, now=later) == 0
    (reminder,) = emails_to(db, "bo@example.com", "reminder")
    assert link_in(reminder) == link_in(emails_to(db, "bo@example.com")[0])  # the same link, repeated
    with db.transaction() as session:
        assert confirmations.expire_unconfirmed(session, now=utcnow() + timedelta(days=8)) == 1
    with db.transaction() as session:
        for model in (Action, Delivery, Confirmation, Supporter):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model


def test_unsubscribe_link_withdraws_opt_in_at_once(client, db):
    send_letter(client, opt_in="y")
    assert rows(db, Action)[0].opt_in is True
    link = re.search(r"http://campaigns\.test(/unsubscribe/\S+)", emails_to(db, "bo@example.com")[0].body).group(1)
    assert "Unsubscribe" in client.get(link).get_data(as_text=True)
    assert rows(db, Action)[0].opt_in is True  # GET changes nothing
    done = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert "You are unsubscribed" in done.get_data(as_text=True)
    assert rows(db, Action)[0].opt_in is False
    assert client.get("/unsubscribe/forged").status_code == 404


def test_private_petition_with_required_confirmation_answers_everyone_alike(tmp_path, settings, db):
    from advocacy import create_app
    from advocacy.config import PROJECT_ROOT

    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    source = (PROJECT_ROOT / "campaigns" / "opa-organizing-campaign.toml").read_text(encoding="utf-8")
    assert "confirm =" not in source
    # A top-level key must come before the first table, so it goes first.
    (campaigns / "opa-organizing-campaign.toml").write_text('confirm = "required"\n' + source, encoding="utf-8")
    app = create_app(settings.with_(campaigns_dir=campaigns))
    client = app.test_client()
    url = "/campaigns/opa-organizing-campaign"
    first = post_form(client, url, ME)
    link = link_in(emails_to(db, "bo@example.com")[0])
    client.post(link, data={"csrf_token": csrf_token(client, url)})
    again = post_form(client, url, ME)
    assert first.location == again.location  # a confirmed signer and a new one see the same page


def test_staff_see_why_letters_wait(client, settings, db):
    from click.testing import CliRunner

    from advocacy.cli import CliState, main

    send_letter(client)
    listing = CliRunner().invoke(main, ["deliveries", "list", "--status", "held"], obj=CliState(settings)).output
    assert listing.count("awaiting confirmation") == 2 and "mpp.ottawa-centre@demo.invalid" in listing
