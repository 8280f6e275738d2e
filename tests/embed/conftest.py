"""An ally whose site may frame the widget, and helpers to load and post the widget like a browser in a frame."""

from __future__ import annotations

import html
import re

import pytest

from advocacy import create_app
from advocacy.models.base import utcnow
from advocacy.services.allies import create_ally, set_embed_origins

PETITION, LETTER, PRIVATE = "the-rich-and-the-rest-of-us", "no-to-bill-c-377", "opa-organizing-campaign"
ALLY_SITE = "https://friends.example.org"
OURS = "http://localhost"  # the test client's origin
WORDING = "Yes, Friends of Transit may email me about their campaigns."
SUPPORTER = {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com", "postal_code": "K1P 5J2"}
_TOKEN = re.compile(r'name="embed_token" value="([^"]+)"')
SNIPPET = re.compile(r'<script src="http://campaigns\.test(/embed\.[0-9a-f]{12}\.js)" integrity="(sha384-[^"]+)" '
                     r'crossorigin="anonymous" data-campaign="')


def make_ally(db, slug: str = "friends-of-transit", *, origins=(ALLY_SITE,), campaigns=(), wording=WORDING):
    with db.transaction() as session:
        create_ally(session, slug, slug.replace("-", " ").title(), campaigns=campaigns, opt_in_wording=wording,
                    now=utcnow())
        set_embed_origins(session, slug, origins)


@pytest.fixture
def ally(db) -> str:
    make_ally(db)
    return "friends-of-transit"


@pytest.fixture
def quick_app(settings, db):
    """The app with no minimum fill time, so a test can post the form as soon as it has loaded it."""
    application = create_app(settings.with_(embed_min_fill_seconds=0.0))
    yield application
    application.extensions["advocacy"].db.dispose()


@pytest.fixture
def quick_client(quick_app):
    return quick_app.test_client()


def widget_token(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    return _TOKEN.search(page.get_data(as_text=True)).group(1)


def post_widget(client, url: str, data: dict[str, str], *, token: str | None = None, origin: str = OURS,
                site: str | None = "same-origin"):
    """What the browser sends from our document inside the ally's frame."""
    headers = {"Origin": origin}
    if site is not None:
        headers["Sec-Fetch-Site"] = site
    form = {"embed_token": widget_token(client, url) if token is None else token, **data}
    return client.post(url, data=form, headers=headers)


def snippet_script(client, url: str = f"/campaigns/{PETITION}") -> tuple[str, str]:
    """The script address (below our host) and integrity value of the "Embed this" snippet on a page."""
    page = client.get(url)
    assert page.status_code == 200
    found = SNIPPET.search(html.unescape(page.get_data(as_text=True)))
    assert found, "no pinned script in the snippet"
    return found.group(1), found.group(2)
