"""Statuses and dates on the public site: drafts do not exist, and nothing closed accepts an action."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from advocacy.catalog.schema import CAMPAIGN_TZ
from advocacy.models import Action, Delivery

from .conftest import campaign_toml

# Two days either side of today in Toronto, so a test running across midnight still means the same thing.
TODAY = datetime.now(CAMPAIGN_TZ).date()
PAST, FUTURE = TODAY - timedelta(days=2), TODAY + timedelta(days=2)
HEADS = {
    "draft": 'status = "draft"',
    "paused": 'status = "paused"',
    "closed": 'status = "closed"',
    "expired": f'status = "live"\nopens = {PAST - timedelta(days=30)}\ncloses = {PAST}',
    "upcoming": f'status = "live"\nopens = {FUTURE}',
    "open": f'status = "live"\nopens = {PAST}\ncloses = {FUTURE}',
}
NOT_OPEN = ["paused", "closed", "expired", "upcoming"]
NOTICE = {"paused": "This campaign is paused", "closed": "This campaign is closed",
          "expired": "This campaign is closed", "upcoming": ""}
ME = {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com", "postal_code": "K1P 5J2"}


@pytest.fixture
def client(campaign_app):
    files = {}
    for state, head in HEADS.items():
        for kind in ("petition", "letter"):
            slug = f"{state}-{kind}"
            files[f"{slug}.toml"] = campaign_toml(slug, kind=kind, head=head)
    return campaign_app(files).test_client()


def token(client) -> str:
    """A CSRF token from an open campaign's form (closed pages have no form to take one from)."""
    page = client.get("/campaigns/open-petition").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def stored(db) -> tuple[int, int]:
    with db.transaction() as session:
        return (session.scalar(select(func.count()).select_from(Action)),
                session.scalar(select(func.count()).select_from(Delivery).where(Delivery.kind == "letter")))


def test_only_open_public_campaigns_are_listed(client):
    page = client.get("/").get_data(as_text=True)
    assert set(re.findall(r'href="/campaigns/([a-z-]+)"', page)) == {"open-petition", "open-letter"}


@pytest.mark.parametrize("kind", ["petition", "letter"])
def test_a_draft_does_not_exist_for_the_public(client, db, kind):
    url = f"/campaigns/draft-{kind}"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"csrf_token": token(client), **ME, "intent": "send"}).status_code == 404
    assert client.get(f"{url}/thanks").status_code == 404
    assert stored(db) == (0, 0)


@pytest.mark.parametrize("kind", ["petition", "letter"])
@pytest.mark.parametrize("state", NOT_OPEN)
def test_a_campaign_that_is_not_open_shows_a_notice_and_no_form(client, state, kind):
    response = client.get(f"/campaigns/{state}-{kind}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"Title of {state}-{kind}" in page
    assert '<p class="notice">' in page and NOTICE[state] in page
    assert '<form method="post"' not in page and 'name="postal_code"' not in page


@pytest.mark.parametrize("kind", ["petition", "letter"])
@pytest.mark.parametrize("state", NOT_OPEN)
def test_a_post_to_a_campaign_that_is_not_open_is_refused_and_stores_nothing(client, db, state, kind):
    response = client.post(f"/campaigns/{state}-{kind}", data={"csrf_token": token(client), **ME, "intent": "send"})
    assert response.status_code == 200
    assert "This campaign is not accepting actions now." in response.get_data(as_text=True)
    assert stored(db) == (0, 0)


def test_the_open_campaigns_do_accept_actions(client, db):
    assert client.post("/campaigns/open-petition", data={"csrf_token": token(client), **ME}).status_code == 303
    sent = client.post("/campaigns/open-letter", data={"csrf_token": token(client), **ME, "intent": "send"})
    assert sent.status_code == 303
    assert stored(db) == (2, 1)  # a signature, and a letter to the Ottawa Centre MPP


def test_a_draft_stays_hidden_when_the_form_token_is_missing(client):
    response = client.post("/campaigns/draft-petition", data=ME)
    assert "Title of draft-petition" not in response.get_data(as_text=True)
