"""Every supporter email but the receipt names us (name and mailing address) and carries a one-click
unsubscribe, in the body and as List-Unsubscribe headers; the one-click POST works at once, without a login."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from advocacy.channels.smtp import SmtpChannel, SmtpTarget
from advocacy.models import Suppression
from advocacy.models.base import utcnow
from advocacy.services.confirmations import send_reminders
from advocacy.services.consent import consent_history
from advocacy.worker import Worker

from ..conftest import confirm_by_email, post_form
from .conftest import ORG_ADDRESS

LETTER = "/campaigns/stop-offshoring"
ME = {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com", "postal_code": "K1P 5J2", "opt_in": "y"}


def send_all(ctx, sink) -> None:
    Worker(ctx, SmtpChannel(SmtpTarget.parse(sink.url), timeout=10)).run_once()


def to_supporter(sink) -> list:
    return [m for m in sink.messages if m["To"].addresses[0].addr_spec == ME["email"]]


def test_confirmation_names_us_and_offers_one_click_unsubscribe(client, db, ctx, smtp_sink):
    post_form(client, LETTER, {**ME, "intent": "send"})
    send_all(ctx, smtp_sink)
    (confirmation,) = to_supporter(smtp_sink)
    body = confirmation.get_content()
    assert "Test Union" in body and ORG_ADDRESS in body
    url = confirmation["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://campaigns.test/unsubscribe/") and url in body
    assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # What a mail provider does when the supporter presses its Unsubscribe button: no form token, no login.
    done = client.post(urlsplit(url).path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    with db.transaction() as session:
        assert session.scalars(select(Suppression)).one().reason == "unsubscribed"
        assert [(r.event, r.method) for r in consent_history(session, ME["email"])][-1] == ("withdrawal", "one_click")
        # At once: the reminder due tomorrow is not sent.
        assert send_reminders(session, ctx.catalog.get, mail=ctx.mail, now=utcnow() + timedelta(hours=25)) == 0


def test_the_receipt_names_us_but_is_not_a_mailing(client, db, ctx, smtp_sink):
    post_form(client, LETTER, {**ME, "intent": "send"})
    confirm_by_email(client, db, ME["email"])
    send_all(ctx, smtp_sink)
    receipt = next(m for m in to_supporter(smtp_sink) if "on its way" in m["Subject"])
    assert "Test Union" in receipt.get_content() and ORG_ADDRESS in receipt.get_content()
    assert receipt["List-Unsubscribe"] is None and "/unsubscribe/" not in receipt.get_content()
    offices = [m for m in smtp_sink.messages if m not in to_supporter(smtp_sink)]
    assert offices and all(m["List-Unsubscribe"] is None for m in offices)  # letters to offices are not mailings
