"""Bounce fixtures: letters on their way to offices, and the reports a mail server sends back."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from advocacy.channels.smtp import SmtpChannel, SmtpTarget
from advocacy.context import AppContext
from advocacy.models import Action, Delivery, DeliveryEvent, Supporter
from advocacy.services.deliveries import new_message_id
from advocacy.worker import Worker

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
CAMPAIGN = "stop-offshoring"
OFFICES = {
    "mpp.ottawa-centre@demo.invalid": ("Sam Demo-Tremblay", "MPP", "Ottawa Centre"),
    "minister.service-delivery@demo.invalid": ("Emerson Demo-Service", "Minister of Public and Business "
                                               "Service Delivery and Procurement", ""),
}


class Letters:
    """Letters as the outbox holds them once written and confirmed: one delivery per office, queued."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.count = 0

    def write(self, first: str = "Émilie", last: str = "Côté", offices: tuple[str, ...] = tuple(OFFICES),
              kind: str = "letter") -> list[int]:
        self.count += 1
        email = f"writer{self.count}@example.com"
        with self.ctx.db.transaction() as session:
            person = Supporter(email_key=email, email=email, first_name=first, last_name=last, postal_code="K1R7S8",
                               created_at=NOW, updated_at=NOW)
            session.add(person)
            session.flush()
            action = Action(campaign_slug=CAMPAIGN, kind="letter", status="confirmed", supporter_id=person.id,
                            email_key=email, first_name=first, last_name=last, postal_code="K1R7S8",
                            district="Ottawa Centre", created_at=NOW)
            session.add(action)
            session.flush()
            rows = []
            for address in offices:
                name, office, district = OFFICES[address]
                rows.append(Delivery(
                    action_id=action.id if kind == "letter" else None, campaign_slug=CAMPAIGN, kind=kind,
                    status="queued", office_key=address, recipient_name=name, recipient_email=address,
                    recipient_office=office, recipient_district=district, reply_to_name=f"{first} {last}",
                    reply_to_address=email, subject="Keep Ontario's public services in Ontario",
                    body="Dear member,\n\nPlease keep the work here.\n", message_id=new_message_id("union.test"),
                    next_attempt_at=NOW, created_at=NOW))
            session.add_all(rows)
            session.flush()
            return [row.id for row in rows]


@pytest.fixture
def letters(ctx: AppContext) -> Letters:
    return Letters(ctx)


def send_all(ctx: AppContext, sink, now: datetime = NOW) -> None:
    """Everything queued goes through the worker to the SMTP sink."""
    Worker(ctx, SmtpChannel(SmtpTarget.parse(sink.url), timeout=10), clock=lambda: now).run_once()


def envelope_sender(sink, office: str) -> str:
    return next(sender for sender, recipients in sink.envelopes if recipients == [office])


def report(to: str, office: str, *, action: str = "failed", status: str = "5.1.1", message_id: str = "",
           report_id: str = "<20261124.A1@mx.union.test>",
           diagnostic: str = "smtp; 550 5.1.1 <{office}>: Recipient address rejected: User unknown") -> bytes:
    """A delivery-status notification the way Postfix writes one."""
    returned = f"Message-ID: {message_id}\n" if message_id else ""
    return f"""Return-Path: <>
Delivered-To: {to}
From: MAILER-DAEMON@mx.union.test (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: {to}
Message-Id: {report_id}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.union.test
Arrival-Date: Tue, 24 Nov 2026 10:00:00 -0500 (EST)

Final-Recipient: rfc822; {office}
Action: {action}
Status: {status}
Diagnostic-Code: {diagnostic.format(office=office)}

--B1
Content-Type: text/rfc822-headers

From: Test Union <letters@union.test>
To: <{office}>
Subject: Keep Ontario's public services in Ontario
{returned}
--B1--
""".replace("\n", "\r\n").encode()


def maildir_with(path: Path, *messages: bytes) -> Path:
    box = mailbox.Maildir(path, create=True)
    for raw in messages:
        box.add(raw)
    return path


def row(ctx: AppContext, delivery_id: int) -> Delivery:
    with ctx.db.transaction() as session:
        found = session.get(Delivery, delivery_id)
        assert found is not None
        return found


def events(ctx: AppContext, delivery_id: int) -> list[tuple[str, str, str]]:
    with ctx.db.transaction() as session:
        return [(e.from_state, e.to_state, e.reason) for e in session.scalars(
            select(DeliveryEvent).where(DeliveryEvent.delivery_id == delivery_id).order_by(DeliveryEvent.id))]
