"""Allies' webhooks: each confirmed action their widget or key brought is posted, signed, retried, idempotent."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from advocacy.channels.webhook import check_webhook_url
from advocacy.models import WebhookDelivery
from advocacy.models.base import utcnow
from advocacy.services.allies import set_webhook
from advocacy.services.confirmations import confirm
from advocacy.webhook_worker import deliver_webhooks

from ..conftest import confirm_by_email
from .conftest import LETTER, SUPPORTER, post_widget

WIDGET = "/embed/{}?ally=friends-of-transit"


class Receiver:
    """A local HTTP server that answers with the given statuses in turn and keeps every request."""

    def __init__(self, statuses):
        self.statuses, self.requests = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/advocacy"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def with_webhook(db, url: str) -> str:
    with db.transaction() as session:
        return set_webhook(session, "friends-of-transit", url, check_url=lambda u: check_webhook_url(u,
                                                                                                   production=False))


def verified(secret: str, headers: dict, body: bytes) -> bool:
    expected = hmac.new(secret.encode(), headers["X-Advocacy-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Advocacy-Signature"], f"sha256={expected}")


def run(ctx, at):
    return deliver_webhooks(ctx, worker="test-worker", clock=lambda: at)


def rows(db):
    with db.transaction() as session:
        return [(r.status, r.attempts) for r in session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]


def test_a_signature_is_posted_signed_retried_after_a_500_with_the_same_key(quick_client, quick_app, db, ally):
    ctx = quick_app.extensions["advocacy"]
    with Receiver([500, 200]) as receiver:
        secret = with_webhook(db, receiver.url)
        petition = "the-rich-and-the-rest-of-us"
        post_widget(quick_client, WIDGET.format(petition), {**SUPPORTER, "ally_opt_in": "y"})
        now = utcnow()
        first = run(ctx, now)
        assert (first.sent, first.retried) == (0, 1) and rows(db) == [("retry", 1)]
        assert run(ctx, now).sent == 0  # not due yet: it waits its back-off
        second = run(ctx, now + timedelta(hours=1))
        assert second.sent == 1 and rows(db) == [("sent", 2)]
        assert run(ctx, now + timedelta(hours=2)).sent == 0  # sent once is sent

    assert len(receiver.requests) == 2
    (h1, b1), (h2, b2) = receiver.requests
    assert verified(secret, h1, b1) and verified(secret, h2, b2)
    assert h1["Idempotency-Key"] == h2["Idempotency-Key"] and b1 == b2
    body = json.loads(b2)
    assert body["id"] == h1["Idempotency-Key"] and body["type"] == "action.confirmed"
    assert (body["ally"], body["campaign"], body["kind"], body["opt_in"]) == (
        "friends-of-transit", petition, "signature", True)
    assert body["supporter"]["email"] == "bo@example.com"  # the supporter agreed to hear from the ally
    with db.transaction() as session:
        assert session.scalars(select(WebhookDelivery.payload)).one() == "{}"  # nothing personal kept once sent


def test_without_the_allys_opt_in_the_post_names_nobody(quick_client, quick_app, db, ally):
    with Receiver([200]) as receiver:
        with_webhook(db, receiver.url)
        post_widget(quick_client, WIDGET.format("the-rich-and-the-rest-of-us"), SUPPORTER)
        run(quick_app.extensions["advocacy"], utcnow())
    body = json.loads(receiver.requests[0][1])
    assert body["supporter"] is None and body["opt_in"] is False
    assert "bo@example.com" not in receiver.requests[0][1].decode()


def test_a_letter_is_posted_only_once_the_supporter_confirms(quick_client, quick_app, db, ally):
    with_webhook(db, "http://127.0.0.1:9/never-called")
    post_widget(quick_client, WIDGET.format(LETTER), {**SUPPORTER, "intent": "send"})
    assert rows(db) == []  # pending: not counted, so nothing to tell the ally yet
    confirm_by_email(quick_client, db, SUPPORTER["email"])
    assert rows(db) == [("queued", 0)]


def test_a_webhook_that_keeps_failing_is_dead_after_the_attempt_budget(quick_client, quick_app, db, ally):
    ctx = quick_app.extensions["advocacy"]
    with Receiver([503]) as receiver:
        with_webhook(db, receiver.url)
        post_widget(quick_client, WIDGET.format("the-rich-and-the-rest-of-us"), SUPPORTER)
        now = utcnow()
        for hour in range(ctx.settings.max_attempts):
            run(ctx, now + timedelta(hours=hour))
    assert rows(db) == [("failed", ctx.settings.max_attempts)]
    assert len(receiver.requests) == ctx.settings.max_attempts


@pytest.mark.parametrize("url", ["https://127.0.0.1/x", "https://10.0.0.5/x", "https://169.254.169.254/latest",
                                 "https://[::1]/x", "http://hooks.example.org/x", "ftp://hooks.example.org/x",
                                 "https://user:pw@hooks.example.org/x"])
def test_production_refuses_private_local_and_plain_http_addresses(url):
    with pytest.raises(ValueError):
        check_webhook_url(url, production=True, resolver=lambda host, port: [host.strip("[]")])


def test_production_accepts_a_public_https_address():
    check_webhook_url("https://hooks.example.org/advocacy", production=True, resolver=lambda h, p: ["93.184.215.14"])


def test_a_private_address_behind_a_public_name_is_refused():
    with pytest.raises(ValueError, match="private or local"):
        check_webhook_url("https://hooks.example.org/x", production=True, resolver=lambda h, p: ["192.168.1.20"])


def test_confirming_twice_queues_one_webhook(quick_client, quick_app, db, ally):
    with_webhook(db, "http://127.0.0.1:9/never-called")
    post_widget(quick_client, WIDGET.format(LETTER), {**SUPPORTER, "intent": "send"})
    confirm_by_email(quick_client, db, SUPPORTER["email"])
    with db.transaction() as session:
        outcome = confirm(session, lambda slug: None, "no-such-token", mail=quick_app.extensions["advocacy"].mail,
                          now=utcnow())
    assert outcome.state == "unknown" and rows(db) == [("queued", 0)]
