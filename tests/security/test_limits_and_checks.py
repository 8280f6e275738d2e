"""Rate limits answer 429 with the form kept; invisible checks send actions to review, never drop them."""

from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import select

from advocacy.models import Action, RateLimitTrip
from advocacy.services.abuse import canonical_email

from ..conftest import csrf_token
from .conftest import PERSON, campaign_of

FORM_TOKEN = re.compile(r'name="form_issued" value="([^"]+)"')


def sign(client, slug, email, **extra):
    page = client.get(f"/campaigns/{slug}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(client, f"/campaigns/{slug}"), **PERSON, "email": email,
            "form_issued": FORM_TOKEN.search(page).group(1), **extra}
    return client.post(f"/campaigns/{slug}", data=data)


def actions(app):
    with app.extensions["advocacy"].db.session() as session:
        return {a.email_key: (a.review, a.review_reason) for a in session.scalars(select(Action))}


def test_signing_too_often_gets_429_with_the_form_kept_and_a_trip_recorded(make_app):
    app = make_app(limit_sign="2/minute")
    client, slug = app.test_client(), campaign_of(app, "petition")
    assert sign(client, slug, "one@example.com").status_code == 303
    assert sign(client, slug, "two@example.com").status_code == 303
    refused = sign(client, slug, "three@example.com")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Please wait" in page and 'value="three@example.com"' in page
    with app.extensions["advocacy"].db.session() as session:
        trips = session.scalars(select(RateLimitTrip)).all()
    assert [(t.name, t.count) for t in trips] == [("sign", 1)]
    assert "127.0.0.1" not in trips[0].key_hash


def test_per_email_limit_counts_gmail_variants_as_one_address(make_app):
    app = make_app(limit_email="2/hour")
    client, slug = app.test_client(), campaign_of(app, "petition")
    assert sign(client, slug, "ada.byron@gmail.com").status_code == 303
    assert sign(client, slug, "adabyron+x@googlemail.com").status_code == 303
    assert sign(client, slug, "A.da.Byron+y@gmail.com").status_code == 429


def test_api_lookup_limit_answers_json_with_retry_after(make_app):
    app = make_app(limit_lookup="1/minute")
    client = app.test_client()
    client.get("/api/v1/representatives?postal_code=K1P5J2")
    refused = client.get("/api/v1/representatives?postal_code=K1P5J2")
    assert refused.status_code == 429 and refused.is_json and "error" in refused.get_json()
    assert refused.headers["Retry-After"]
    assert client.get("/api/v1/representatives?postal_code=K1P5J2",
                      headers={"Authorization": "Bearer nope"}).status_code == 401


@pytest.mark.parametrize("extra, reason", [({"leave_empty": "http://spam.test"}, "leave this empty"),
                                           ({}, "after the form was shown"),
                                           ({"form_issued": "forged"}, "timing token")])
def test_suspicious_signatures_are_kept_and_sent_to_review(make_app, extra, reason):
    app = make_app(min_fill_seconds=30.0)
    client, slug = app.test_client(), campaign_of(app, "petition")
    assert sign(client, slug, "bot@example.com", **extra).status_code == 303
    review, why = actions(app)["bot@example.com"]
    assert review == "pending" and reason in why


def test_an_ordinary_signature_is_not_flagged(make_app):
    app = make_app(min_fill_seconds=0.0)
    client, slug = app.test_client(), campaign_of(app, "petition")
    sign(client, slug, "person@example.com")
    assert actions(app)["person@example.com"] == ("", "")


@pytest.mark.parametrize("address, canonical", [
    ("J.Doe+petition@GoogleMail.com", "jdoe@gmail.com"), ("j.doe@gmail.com", "jdoe@gmail.com"),
    ("jo+tag@outlook.com", "jo@outlook.com"), ("jo.doe@outlook.com", "jo.doe@outlook.com"),
    ("jo-tag@yahoo.com", "jo-tag@yahoo.com"), ("Jo+tag@union.example.org", "jo+tag@union.example.org")])
def test_canonical_email(address, canonical):
    assert canonical_email(address) == canonical


def test_limits_live_in_redis_when_configured(make_app):
    url = os.environ.get("ADVOCACY_TEST_REDIS_URL", "")
    if not url:
        pytest.skip("needs ADVOCACY_TEST_REDIS_URL (a Redis server) to test shared limit storage")
    first = make_app(limit_sign="2/minute", redis_url=url)
    second = make_app(limit_sign="2/minute", redis_url=url)
    first.extensions["advocacy_limiter"].reset()
    slug = campaign_of(first, "petition")
    # Two processes sharing Redis share one count: the third signature is refused by the other app.
    assert sign(first.test_client(), slug, "r1@example.com").status_code == 303
    assert sign(second.test_client(), slug, "r2@example.com").status_code == 303
    assert sign(first.test_client(), slug, "r3@example.com").status_code == 429
    first.extensions["advocacy_limiter"].reset()
