"""From a submitted letter to the SMTP server: what offices receive, and how failures are handled."""

from __future__ import annotations

import dataclasses
import html
import random
import re
import socket
import threading
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import update

from advocacy.cli import CliState, main
from advocacy.models import Delivery
from advocacy.models.base import utcnow
from advocacy.services.deliveries import RetryPolicy

from ..conftest import confirm_by_email, post_form
from ..smtp import SmtpSink, free_port
from .conftest import events, row, rows, smtp_worker

FORM = {"first_name": "Émilie", "last_name": "Côté", "email": "emilie@example.com", "postal_code": "K1P 5J2"}


def _preview(page: str) -> list[tuple[str, str]]:
    """The subject and body of each letter shown on the preview page."""
    found = re.findall(r'<p class="letter-meta"><span>Subject:</span> (.*?)</p>\s*<div class="letter-body">(.*?)</div>',
                       page, re.S)
    return [(html.unescape(subject), html.unescape(body)) for subject, body in found]


def test_a_letter_reaches_each_office_as_previewed(client, ctx, smtp_sink, clock):
    preview = post_form(client, "/campaigns/stop-offshoring", {**FORM, "intent": "preview"})
    shown = _preview(preview.get_data(as_text=True))
    assert len(shown) == 2
    subject = "Keep Ontario's public services in Ontario"
    sent = post_form(client, "/campaigns/stop-offshoring", {**FORM, "intent": "send", "subject": subject,
                                                            "body": dict(_form_fields(preview))["body"]})
    assert sent.status_code == 303
    confirm_by_email(client, ctx.db, FORM["email"])  # letters are held until the supporter confirms
    clock.now = utcnow()  # the form used the wall clock

    report = smtp_worker(ctx, smtp_sink.url, clock).run_once()

    assert (report.sent, report.retried, report.failed) == (4, 0, 0)  # 2 letters, the confirmation, the receipt
    by_office = {message["To"].addresses[0].addr_spec: message for message in smtp_sink.messages}
    assert set(by_office) == {"mpp.ottawa-centre@demo.invalid", "minister.service-delivery@demo.invalid",
                              "emilie@example.com"}
    for delivery in [d for d in rows(ctx.db) if d.kind == "letter"]:
        message = by_office[delivery.recipient_email]
        assert delivery.status == "sent" and delivery.attempts == 1
        assert message["Message-ID"] == delivery.message_id
        sender = message["From"].addresses
        assert len(sender) == 1 and sender[0].addr_spec == "letters@union.test"
        assert sender[0].display_name == "Émilie Côté via Test Union"
        assert [a.addr_spec for a in message["Reply-To"].addresses] == ["emilie@example.com"]
        assert message["Reply-To"].addresses[0].display_name == "Émilie Côté"
        assert message["To"].addresses[0].display_name == delivery.recipient_name
        # Line ends travel as CRLF on the wire; the text is otherwise exactly what the supporter saw.
        assert (message["Subject"], message.get_content().replace("\r\n", "\n")) in shown
        assert "Bcc" not in message and "Cc" not in message
    # Each delivery has its own return path (VERP), so a bounce names the delivery it is about.
    senders = [env[0] for env in smtp_sink.envelopes]
    assert len(set(senders)) == len(senders)
    assert all(re.fullmatch(r"bounces\+[a-z2-7]+@union\.test", sender) for sender in senders)


def _form_fields(response) -> list[tuple[str, str]]:
    page = response.get_data(as_text=True)
    body = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', page, re.S)
    assert body
    return [("body", html.unescape(body.group(1)).strip())]


def test_one_connection_carries_a_whole_batch(ctx, letters, smtp_sink, clock):
    ids = letters.make(15)
    report = smtp_worker(ctx, smtp_sink.url, clock).run_once()
    assert report.sent == len(ids) == 30
    assert len(smtp_sink.messages) == 30
    assert smtp_sink.connections == 1
    assert sorted(m["Message-ID"] for m in smtp_sink.messages) == sorted(d.message_id for d in rows(ctx.db))


@pytest.mark.parametrize("failure", ["450 on RCPT", "451 on DATA", "552 mailbox full", "connection refused"])
def test_temporary_failure_is_retried_later_with_the_same_message_id(ctx, letters, smtp_sink, clock, failure):
    ids = letters.make(1)
    url = smtp_sink.url
    if failure == "450 on RCPT":
        smtp_sink.rcpt_reply = lambda _address: "450 4.2.0 Mailbox busy, try later"
    elif failure == "451 on DATA":
        smtp_sink.data_reply = lambda _message: "451 4.7.1 Greylisted, try later"
    elif failure == "552 mailbox full":
        smtp_sink.rcpt_reply = lambda _address: "552 5.2.2 Mailbox full"
    else:
        url = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there

    report = smtp_worker(ctx, url, clock).run_once()

    assert (report.sent, report.retried, report.failed) == (0, 2, 0)
    assert smtp_sink.messages == []
    first = {d.id: d for d in rows(ctx.db, ids)}
    for delivery in first.values():
        assert delivery.status == "retry" and delivery.attempts == 1
        # The first back-off is drawn from [0, base] (base is 1 s in tests) and never shorter than a second.
        assert delivery.next_attempt_at == clock.now + timedelta(seconds=1)
        reason = {"450 on RCPT": "450", "451 on DATA": "451", "552 mailbox full": "552",
                  "connection refused": "ConnectionRefused"}[failure]
        assert reason in delivery.last_error
        assert events(ctx.db, delivery.id) == [("sending", "retry", f"temporary failure: {delivery.last_error}")]

    # Nothing is due until the clock reaches next_attempt_at: no tight retry loop.
    assert smtp_worker(ctx, url, clock).run_once().handled == 0
    smtp_sink.rcpt_reply = lambda _address: None
    smtp_sink.data_reply = lambda _message: None
    clock.advance(1)
    report = smtp_worker(ctx, smtp_sink.url, clock).run_once()

    assert report.sent == 2
    assert sorted(m["Message-ID"] for m in smtp_sink.messages) == sorted(d.message_id for d in first.values())
    for delivery in rows(ctx.db, ids):
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
        assert [e[:2] for e in events(ctx.db, delivery.id)] == [("sending", "retry"), ("sending", "sent")]


def test_back_off_is_exponential_with_full_jitter_and_a_one_second_floor():
    policy = RetryPolicy(base_seconds=30, cap_seconds=1800, max_attempts=8)
    rng = random.Random(7)
    for attempts, ceiling in [(1, 30), (2, 60), (3, 120), (5, 480), (7, 1800), (8, 1800), (500, 1800)]:
        delays = [policy.delay(attempts, rng) for _ in range(2000)]
        assert all(1.0 <= d <= ceiling for d in delays)
        # Full jitter spreads retries over the whole window rather than bunching them at the ceiling.
        assert min(delays) < ceiling * 0.1 and max(delays) > ceiling * 0.9
    assert RetryPolicy(base_seconds=0.01).delay(1, rng) == 1.0


def test_retries_spread_out_and_grow(ctx, letters, smtp_sink, clock):
    ids = letters.make(20)
    smtp_sink.rcpt_reply = lambda _address: "451 4.3.0 Try again later"
    worker = smtp_worker(ctx, smtp_sink.url, clock)
    for attempt in range(1, 5):
        start = clock.now
        worker.run_once()
        waits = [(d.next_attempt_at - start).total_seconds() for d in rows(ctx.db, ids)]
        assert all(d.attempts == attempt and d.status == "retry" for d in rows(ctx.db, ids))
        assert all(1 <= w <= 2 ** (attempt - 1) for w in waits)
        clock.advance(2 ** (attempt - 1))
    assert len(set(waits)) > 10  # jittered, not in lock-step


def test_permanent_failure_is_dead_lettered_at_once(ctx, letters, smtp_sink, clock):
    ids = letters.make(1)
    smtp_sink.rcpt_reply = lambda address: "550 5.1.1 No such mailbox" if address.startswith("mpp.") else None
    report = smtp_worker(ctx, smtp_sink.url, clock).run_once()
    assert (report.sent, report.retried, report.failed) == (1, 0, 1)
    failed = [d for d in rows(ctx.db, ids) if d.status == "failed"]
    assert len(failed) == 1 and failed[0].attempts == 1
    assert failed[0].last_error == "SMTP 550: 5.1.1 No such mailbox"
    assert events(ctx.db, failed[0].id)[-1][:2] == ("sending", "failed")
    clock.advance(86400)
    assert smtp_worker(ctx, smtp_sink.url, clock).run_once().handled == 0  # never retried by itself


def test_554_on_data_is_permanent(ctx, letters, smtp_sink, clock):
    letters.make(1)
    smtp_sink.data_reply = lambda _message: "554 5.7.1 Message rejected"
    report = smtp_worker(ctx, smtp_sink.url, clock).run_once()
    assert report.failed == 2 and {d.status for d in rows(ctx.db)} == {"failed"}


def test_attempts_are_bounded(ctx, letters, smtp_sink, clock):
    ids = letters.make(1)
    limited = dataclasses.replace(ctx, settings=ctx.settings.with_(max_attempts=3))
    smtp_sink.rcpt_reply = lambda _address: "421 4.3.2 Service shutting down"
    worker = smtp_worker(limited, smtp_sink.url, clock)
    states = []
    for _ in range(5):
        worker.run_once()
        states.append([(d.status, d.attempts) for d in rows(ctx.db, ids)][0])
        clock.advance(3600)
    assert states == [("retry", 1), ("retry", 2), ("failed", 3), ("failed", 3), ("failed", 3)]
    reason = events(ctx.db, ids[0])[-1][2]
    assert reason.startswith("gave up after 3 attempts: SMTP 421")


def cli(ctx, *args: str):
    return CliRunner().invoke(main, list(args), obj=CliState(ctx.settings))


def test_staff_see_retry_and_cancel_dead_letters_from_the_command_line(ctx, letters, smtp_sink, clock):
    first, second = letters.make(1)
    smtp_sink.rcpt_reply = lambda _address: "550 5.1.1 No such mailbox"
    smtp_worker(ctx, smtp_sink.url, clock).run_once()

    listed = cli(ctx, "deliveries", "list", "--status", "failed")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert any(line.split()[:2] == [str(first), "failed"] and "SMTP 550: 5.1.1 No such mailbox" in line
               for line in lines)
    assert lines[-1] == "failed: 2"

    retried = cli(ctx, "deliveries", "retry", str(first))
    assert retried.exit_code == 0 and retried.output.strip() == f"retry: {first}"
    cancelled = cli(ctx, "deliveries", "cancel", str(second))
    assert cancelled.exit_code == 0 and cancelled.output.strip() == f"cancel: {second}"
    assert (row(ctx.db, first).status, row(ctx.db, second).status) == ("queued", "cancelled")

    smtp_sink.rcpt_reply = lambda _address: None
    clock.now = utcnow()  # the command queued it at the wall-clock time
    report = smtp_worker(ctx, smtp_sink.url, clock).run_once()
    assert report.sent == 1
    assert [m["Message-ID"] for m in smtp_sink.messages] == [row(ctx.db, first).message_id]
    assert [e[:2] for e in events(ctx.db, first)] == [("sending", "failed"), ("failed", "queued"),
                                                       ("sending", "sent")]
    assert cli(ctx, "deliveries", "list").output.splitlines()[-1] == "cancelled: 1, sent: 1"


@pytest.mark.parametrize(("command", "target", "message"), [
    ("retry", "sent", "cannot go from sent to queued"),
    ("cancel", "sent", "cannot go from sent to cancelled"),
    ("retry", "missing", "no delivery 9999"),
    ("retry", "queued", "cannot go from queued to queued"),
])
def test_invalid_staff_changes_are_refused_with_a_clear_error(ctx, letters, smtp_sink, clock, command, target,
                                                              message):
    delivery_id = letters.make(1)[0]
    if target == "sent":
        smtp_worker(ctx, smtp_sink.url, clock).run_once()
    result = cli(ctx, "deliveries", command, "9999" if target == "missing" else str(delivery_id))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert isinstance(result.exception, SystemExit)  # a ClickException, not a traceback


def test_a_sent_row_stays_sent_when_staff_try_to_cancel_several(ctx, letters, smtp_sink, clock):
    first, second = letters.make(1)
    with ctx.db.transaction() as session:
        session.execute(update(Delivery).where(Delivery.id == first).values(status="sent"))
    result = cli(ctx, "deliveries", "cancel", str(second), str(first))
    assert result.exit_code == 1
    assert row(ctx.db, second).status == "queued"  # all or nothing


class _Slammer:
    """A TCP port that accepts connections and closes them at once: an SMTP relay that is down but listening."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.accepts = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.accepts += 1
            connection.close()

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not
        self.sock.close()
        self.thread.join(10)


def test_a_relay_that_is_down_is_tried_once_per_batch_not_once_per_message(ctx, letters, smtp_sink, clock):
    ids = letters.make(10)
    relay = _Slammer()
    try:
        report = smtp_worker(ctx, relay.url, clock).run_once()
    finally:
        relay.close()
    assert report.retried == len(ids) == 20
    assert relay.accepts == 1
    assert all(d.status == "retry" and d.last_error.startswith("cannot use the SMTP server 127.0.0.1:")
               and "SMTPServerDisconnected" in d.last_error for d in rows(ctx.db, ids))


def test_a_refused_greeting_is_a_server_problem_not_a_dead_letter(ctx, letters, smtp_sink, clock):
    ids = letters.make(3)
    greetings = []

    async def refuse_ehlo(server, session, envelope, hostname, responses):
        greetings.append("EHLO")
        return ["554 5.7.1 Not now"]

    async def refuse_helo(server, session, envelope, hostname):
        greetings.append("HELO")
        return "554 5.7.1 Not now"

    smtp_sink.handle_EHLO = refuse_ehlo  # looked up when each connection starts
    smtp_sink.handle_HELO = refuse_helo
    report = smtp_worker(ctx, smtp_sink.url, clock).run_once()
    assert report.retried == len(ids) and report.failed == 0
    assert greetings == ["EHLO", "HELO"]  # smtplib falls back to HELO; one connection for the whole batch
    assert all("SMTPHeloError" in d.last_error for d in rows(ctx.db, ids))


def test_a_connection_dropped_mid_batch_is_reopened_for_the_next_message(ctx, letters, smtp_sink, clock):
    ids = letters.make(3)
    replies = iter(["421 4.3.0 Closing connection"])
    smtp_sink.data_reply = lambda _message: next(replies, None)
    report = smtp_worker(ctx, smtp_sink.url, clock).run_once()
    assert (report.sent, report.retried) == (len(ids) - 1, 1)
    assert smtp_sink.connections == 2


def _sink(smtputf8: bool) -> SmtpSink:
    sink = SmtpSink()
    sink.controller = Controller(sink, hostname="127.0.0.1", port=sink.port, enable_SMTPUTF8=smtputf8)
    return sink


@pytest.mark.parametrize("smtputf8", [True, False], ids=["server-offers-smtputf8", "server-lacks-smtputf8"])
def test_an_internationalised_address_needs_smtputf8_and_never_crashes_the_worker(ctx, letters, clock, smtputf8):
    international, plain = letters.make(1)
    with ctx.db.transaction() as session:
        session.execute(update(Delivery).where(Delivery.id == international).values(
            recipient_email="député.ottawa-centre@assnat.test"))
    sink = _sink(smtputf8)
    sink.start()
    try:
        report = smtp_worker(ctx, sink.url, clock).run_once()
    finally:
        sink.stop()
    assert row(ctx.db, plain).status == "sent"
    if smtputf8:
        assert report.sent == 2
        assert ["député.ottawa-centre@assnat.test"] in [rcpts for _from, rcpts in sink.envelopes]
        to = [m["To"] for m in sink.messages if "assnat" in str(m["To"])][0]
        assert to.addresses[0].addr_spec.encode("utf-8", "surrogateescape").decode() == \
            "député.ottawa-centre@assnat.test"
    else:
        failed = row(ctx.db, international)
        assert (report.sent, report.failed) == (1, 1)
        assert (failed.status, failed.attempts) == ("failed", 1)
        assert "SMTPUTF8 not supported by server" in failed.last_error
