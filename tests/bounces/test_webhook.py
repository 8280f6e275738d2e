"""POST /hooks/bounces: a provider reports bounces with a shared secret, as JSON or as the raw report."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from advocacy import create_app
from advocacy.models import AddressFlag, Delivery

from ..conftest import prepare_database
from .conftest import envelope_sender, events, report, row, send_all

SECRET = "s3cret-for-tests-0123456789abcdefghij"
OTTAWA = "mpp.ottawa-centre@demo.invalid"
URL = "/hooks/bounces"


@pytest.fixture
def hook_app(settings):
    prepare_database(settings.sqlalchemy_url).dispose()
    application = create_app(settings.with_(bounce_webhook_secret=SECRET))
    yield application
    application.extensions["advocacy"].db.dispose()


@pytest.fixture
def hook(hook_app):
    return hook_app.test_client()


@pytest.fixture
def hook_ctx(hook_app):
    return hook_app.extensions["advocacy"]


def bearer(secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def sent_letter(ctx, smtp_sink):
    from .conftest import Letters

    ottawa, _minister = Letters(ctx).write()
    send_all(ctx, smtp_sink)
    return ottawa


@pytest.mark.parametrize("headers", [{}, bearer("wrong-secret-of-the-same-length-000000"), bearer(SECRET + "x"),
                                     {"Authorization": f"Basic {SECRET}"}, {"Authorization": SECRET}])
def test_without_the_secret_nothing_is_read(hook, hook_ctx, smtp_sink, headers):
    ottawa = sent_letter(hook_ctx, smtp_sink)
    response = hook.post(URL, json={"token": row(hook_ctx, ottawa).return_token, "status": "5.1.1"}, headers=headers)
    assert response.status_code == 401 and response.is_json
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert row(hook_ctx, ottawa).status == "sent"


def test_a_json_event_bounces_the_delivery_named_by_its_token(hook, hook_ctx, smtp_sink):
    ottawa = sent_letter(hook_ctx, smtp_sink)
    token = row(hook_ctx, ottawa).return_token
    event = {"token": token.upper(), "status": "5.1.1", "reason": "550 5.1.1 mailbox does not exist"}

    first = hook.post(URL, json=event, headers=bearer())
    again = hook.post(URL, json=event, headers=bearer())

    assert first.status_code == 200 and first.get_json()["bounced"] == [ottawa] and first.get_json()["notices"] == 1
    assert again.status_code == 200 and again.get_json()["bounced"] == [] and again.get_json()["unchanged"] == 1
    assert row(hook_ctx, ottawa).status == "bounced"
    assert "mailbox does not exist" in events(hook_ctx, ottawa)[-1][2]
    with hook_ctx.db.transaction() as session:
        assert session.get(AddressFlag, OTTAWA).bounces == 1
        assert len(session.scalars(select(Delivery).where(Delivery.kind == "notice")).all()) == 1


def test_a_temporary_status_is_only_noted(hook, hook_ctx, smtp_sink):
    ottawa = sent_letter(hook_ctx, smtp_sink)
    response = hook.post(URL, json={"token": row(hook_ctx, ottawa).return_token, "status": "4.2.2",
                                    "reason": "mailbox full"}, headers=bearer())
    assert response.get_json()["delayed"] == [ottawa] and row(hook_ctx, ottawa).status == "sent"


def test_a_raw_report_is_read_like_one_from_the_maildir(hook, hook_ctx, smtp_sink):
    ottawa = sent_letter(hook_ctx, smtp_sink)
    raw = report(envelope_sender(smtp_sink, OTTAWA), OTTAWA)
    response = hook.post(URL, data=raw, content_type="message/rfc822", headers=bearer())
    assert response.status_code == 200 and response.get_json()["bounced"] == [ottawa]


def test_a_report_larger_than_a_form_post_is_accepted(hook, hook_ctx, smtp_sink):
    ottawa = sent_letter(hook_ctx, smtp_sink)
    raw = report(envelope_sender(smtp_sink, OTTAWA), OTTAWA).replace(b"I'm sorry", b"x" * 200_000 + b" sorry")
    assert len(raw) > hook_ctx.settings.max_letter_chars * 20  # more than the app's 64 KB for forms
    response = hook.post(URL, data=raw, content_type="message/rfc822", headers=bearer())
    assert response.status_code == 200 and response.get_json()["bounced"] == [ottawa]
    too_big = hook.post(URL, data=b"x" * (3 * 1024 * 1024), content_type="message/rfc822", headers=bearer())
    assert too_big.status_code == 413 and too_big.is_json


@pytest.mark.parametrize("body", [{"status": "5.1.1"}, {"token": "abc", "status": "bounced"}, [1, 2],
                                  {"token": 5, "status": "5.1.1"}])
def test_a_malformed_event_is_refused(hook, body):
    response = hook.post(URL, json=body, headers=bearer())
    assert response.status_code == 400 and "token" in response.get_json()["error"]


def test_an_unknown_token_is_answered_but_changes_nothing(hook):
    response = hook.post(URL, json={"token": "a" * 26, "status": "5.1.1"}, headers=bearer())
    assert response.status_code == 200 and response.get_json()["unmatched"] == 1


def test_the_webhook_is_off_until_a_secret_is_set(client):
    response = client.post(URL, json={"token": "a" * 26, "status": "5.1.1"}, headers=bearer())
    assert response.status_code == 404 and response.is_json
