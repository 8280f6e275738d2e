"""No personal data in logs: the main flows run with every logger at DEBUG, and no record carries a
supporter's email address, name, postal code or letter text."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from advocacy.channels.smtp import SmtpChannel, SmtpTarget
from advocacy.models import Delivery
from advocacy.models.base import utcnow
from advocacy.services.bounces import BounceSummary, process_message
from advocacy.services.privacy import purge
from advocacy.worker import Worker

from ..api.conftest import bearer, make_key
from ..bounces.conftest import report
from ..conftest import confirm_by_email, post_form

WEB_SIGNER = {"first_name": "Perpetua", "last_name": "Quarrington", "email": "perpetua.q@example.com",
              "postal_code": "K1P 6L2", "opt_in": "y"}
WEB_WRITER = {"first_name": "Thaddeus", "last_name": "Ollerenshaw", "email": "thaddeus.o@example.com",
              "postal_code": "M5V 3L9"}
API_SIGNER = {"first_name": "Georgiana", "last_name": "Featherstonehaugh", "email": "georgiana.f@example.com",
              "postal_code": "K2P 1L4", "opt_in": True}
LETTER_TEXT = "Our clinic in Vanier closed last spring and my mother now waits eleven weeks."
SECRETS = [p[k] for p in (WEB_SIGNER, WEB_WRITER, API_SIGNER) for k in ("first_name", "last_name", "email")]
SECRETS += [p["postal_code"] for p in (WEB_SIGNER, WEB_WRITER, API_SIGNER)]
SECRETS += [p["postal_code"].replace(" ", "") for p in (WEB_SIGNER, WEB_WRITER, API_SIGNER)]
SECRETS += [LETTER_TEXT, "eleven weeks"]


@pytest.fixture
def every_logger_at_debug(caplog):
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)
            if not logger.propagate:
                logger.addHandler(caplog.handler)
    yield caplog
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger) and caplog.handler in logger.handlers:
            logger.removeHandler(caplog.handler)


def test_the_main_flows_log_no_personal_data(client, db, ctx, smtp_sink, every_logger_at_debug):
    caplog = every_logger_at_debug
    # Sign, with the opt-in; write a letter with one's own words; confirm it.
    post_form(client, "/campaigns/the-rich-and-the-rest-of-us", WEB_SIGNER)
    post_form(client, "/campaigns/stop-offshoring",
              {**WEB_WRITER, "intent": "send", "subject": "Vanier clinic", "body": LETTER_TEXT})
    confirm_by_email(client, db, WEB_WRITER["email"])
    # An ally posts a signature and a letter through the API.
    key = make_key(db, "friends-of-transit")
    assert client.post("/api/v1/campaigns/the-rich-and-the-rest-of-us/signatures", json=API_SIGNER,
                       headers=bearer(key)).status_code == 201
    assert client.post("/api/v1/campaigns/no-to-bill-c-377/letters", headers=bearer(key),
                       json={**API_SIGNER, "subject": "Vanier", "body": LETTER_TEXT}).status_code in {201, 422}
    # Mistakes and errors: a bad form, a bad API body, an unknown page, a forged link.
    post_form(client, "/campaigns/the-rich-and-the-rest-of-us", {**WEB_SIGNER, "email": "perpetua.q@"})
    client.post("/api/v1/campaigns/the-rich-and-the-rest-of-us/signatures", headers=bearer(key),
                json={**API_SIGNER, "postal_code": "D0D 0D0"})
    client.get("/campaigns/no-such-campaign")
    client.post("/confirm/forged", data={})
    # The worker sends everything, once with the SMTP server refusing the writer's office.
    smtp_sink.rcpt_reply = lambda address: "451 4.3.0 try later" if "ottawa" in address else None
    Worker(ctx, SmtpChannel(SmtpTarget.parse(smtp_sink.url), timeout=10)).run_once()
    smtp_sink.rcpt_reply = lambda _address: None
    Worker(ctx, SmtpChannel(SmtpTarget.parse(smtp_sink.url), timeout=10),
           clock=lambda: utcnow() + timedelta(hours=1)).run_once()
    # An office's server bounces a letter: the writer is told.
    with db.transaction() as session:
        letter = session.scalars(select(Delivery).where(Delivery.kind == "letter", Delivery.sent_at.is_not(None))
                                 ).first()
        assert letter is not None
        bounce_to = f"bounces+{letter.return_token}@union.test"
        process_message(session, report(bounce_to, letter.recipient_email), BounceSummary(), now=utcnow(),
                        mail=ctx.mail, campaign=ctx.catalog.get, bounce_address=ctx.settings.bounce_mailbox)
    # Retention, much later.
    with db.transaction() as session:
        purge(session, ctx.catalog, ctx.retention, now=utcnow() + timedelta(days=400))

    assert caplog.records, "the flows should log something: the capture is not working"
    leaks = []
    # "mail.log" is aiosmtpd, the test's stand-in for the mail server at the other end: not our logging.
    for record in (r for r in caplog.records if not r.name.startswith("mail.log")):
        text = record.getMessage() + (caplog.handler.format(record) if record.exc_info else "")
        leaks += [(record.name, secret) for secret in SECRETS if secret.lower() in text.lower()]
    assert leaks == [], sorted({name for name, _secret in leaks})
