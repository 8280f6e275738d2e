"""Load shedding: a page view that queued too long behind the proxy is refused at once with a clear 503."""

from __future__ import annotations

import hashlib
import time

import pytest
from sqlalchemy import func, select, text

from advocacy.config import Settings, SettingsError
from advocacy.models import Action
from advocacy.web.shedding import request_start

from ..conftest import csrf_token

PAGE = "/campaigns/the-rich-and-the-rest-of-us"
SUPPORTER = {"first_name": "Maya", "last_name": "Okafor", "postal_code": "K1P 5J2", "email": "maya@example.org"}



def stamped(seconds_ago: float) -> dict[str, str]:
    """The header nginx adds with proxy_set_header X-Request-Start "t=${msec}"."""
    return {"X-Request-Start": f"t={time.time() - seconds_ago:.3f}"}


def stored_actions(app) -> int:
    with app.extensions["advocacy"].db.session() as session:
        return session.scalar(select(func.count()).select_from(Action))


def test_a_page_view_that_queued_too_long_is_told_to_come_back(make_app):
    client = make_app(queue_limit_seconds=5).test_client()
    page = client.get(PAGE, headers=stamped(8))
    assert page.status_code == 503
    assert int(page.headers["Retry-After"]) in (8, 9)  # how long it queued, rounded up
    html = page.get_data(as_text=True)
    assert "We are very busy right now" in html
    assert "Please try again in a moment." in html


def test_a_page_view_that_queued_briefly_is_served(make_app):
    client = make_app(queue_limit_seconds=5).test_client()
    assert client.get(PAGE, headers=stamped(1)).status_code == 200
    assert client.get(PAGE).status_code == 200  # no stamp: nothing to judge by


def test_a_signature_is_always_taken_however_long_it_queued(make_app):
    app = make_app(queue_limit_seconds=5)
    client = app.test_client()
    token = csrf_token(client, PAGE)
    signed = client.post(PAGE, data={"csrf_token": token, **SUPPORTER}, headers=stamped(30))
    assert signed.status_code == 303
    assert stored_actions(app) == 1


def test_nothing_is_shed_unless_configured(make_app):
    client = make_app().test_client()
    assert client.get(PAGE, headers=stamped(30)).status_code == 200


def test_health_checks_and_a_proxy_clock_far_apart_are_never_shed(make_app):
    client = make_app(queue_limit_seconds=5).test_client()
    assert client.get("/healthz", headers=stamped(30)).status_code == 200
    assert client.get(PAGE, headers=stamped(3600)).status_code == 200  # an hour's queue is a wrong clock


def test_the_refusal_speaks_the_page_language(make_app):
    client = make_app(queue_limit_seconds=5).test_client()
    for _ in range(2):  # the second time from the kept page
        english = client.get(PAGE, headers=stamped(8))
        french = client.get(f"{PAGE}?lang=fr", headers=stamped(8))
        assert (english.status_code, french.status_code) == (503, 503)
        assert "We are very busy right now" in english.get_data(as_text=True)
        assert "Nous sommes très occupés en ce moment" in french.get_data(as_text=True)
        assert french.headers["Retry-After"].isdigit()


@pytest.mark.parametrize(("header", "expected"), [
    ("t=1700000000.123", 1700000000.123),  # nginx's $msec
    ("1700000000123", 1700000000.123),  # milliseconds
    ("t=1700000000123456", 1700000000.123456),  # microseconds
    ("", None), ("t=soon", None), ("t=-5", None), ("t=nan", None),
])
def test_the_proxy_stamp_is_read_in_its_usual_forms(header, expected):
    assert request_start(header) == pytest.approx(expected) if expected else request_start(header) is None


def test_the_setting_is_read_and_checked():
    assert Settings.from_env({"ADVOCACY_QUEUE_LIMIT_SECONDS": "5"}).queue_limit_seconds == 5.0
    assert Settings.from_env({}).queue_limit_seconds == 0.0
    with pytest.raises(SettingsError, match="ADVOCACY_QUEUE_LIMIT_SECONDS"):
        Settings.from_env({"ADVOCACY_QUEUE_LIMIT_SECONDS": "-1"})


def test_a_busy_database_says_when_to_come_back(make_app):
    app = make_app()
    client = app.test_client()
    token = csrf_token(client, PAGE)
    with app.extensions["advocacy"].db.engine.begin() as conn:
        conn.execute(text("DROP TABLE actions"))  # every write of a signature now fails in the database
    refused = client.post(PAGE, data={"csrf_token": token, **SUPPORTER})
    assert refused.status_code == 503
    assert refused.headers["Retry-After"].isdigit()
    assert "We are very busy right now" in refused.get_data(as_text=True)


def test_an_api_read_that_queued_too_long_gets_the_apis_json_error(make_app):
    client = make_app(queue_limit_seconds=5).test_client()
    for path in ("/api/v1/campaigns", "/api/v1/campaigns/the-rich-and-the-rest-of-us", "/api/v1/nowhere"):
        refused = client.get(path, headers=stamped(8))
        assert refused.status_code == 503 and refused.is_json, path
        assert refused.get_json() == {"error": "We are very busy; try again shortly."}
        assert int(refused.headers["Retry-After"]) in (8, 9)
        assert refused.headers["Cache-Control"] == "no-store"
    # A page on another site reading the API can see the refusal and when to come back, as for any read.
    refused = client.get("/api/v1/campaigns", headers={**stamped(8), "Origin": "https://ally.example"})
    assert refused.headers["Access-Control-Allow-Origin"] == "*"
    assert "Retry-After" in refused.headers["Access-Control-Expose-Headers"]
    assert client.get("/api/v1/campaigns", headers=stamped(1)).status_code == 200


def test_a_widget_that_queued_too_long_shows_a_notice_its_frame_can_show(make_app):
    client = make_app(queue_limit_seconds=5).test_client()
    widget = "/embed/the-rich-and-the-rest-of-us?ally=friends-of-transit&origin=https://friends.example.org"
    for _ in range(2):  # the second time from the kept page
        refused = client.get(widget, headers=stamped(8))
        assert refused.status_code == 503 and int(refused.headers["Retry-After"]) in (8, 9)
        html = refused.get_data(as_text=True)
        assert "We are very busy right now" in html and "Please try again in a moment." in html
        assert '<body class="embed">' in html and "See all campaigns" not in html  # the widget's frame, not our site
        # Any host page may frame it: it has nothing to click or send (and who may frame the widget is not known
        # without the database).
        assert "frame-ancestors *" in refused.headers["Content-Security-Policy"]
        assert "X-Frame-Options" not in refused.headers and "Set-Cookie" not in refused.headers
        french = client.get(f"{widget}&lang=fr", headers=stamped(8))
        assert "Nous sommes très occupés en ce moment" in french.get_data(as_text=True)
    # The rest of the site keeps its framing rule.
    assert "frame-ancestors 'none'" in client.get(PAGE, headers=stamped(8)).headers["Content-Security-Policy"]


def test_the_widgets_count_is_refused_in_json_and_its_script_is_always_served(make_app):
    client = make_app(queue_limit_seconds=5).test_client()
    count = client.get("/embed/the-rich-and-the-rest-of-us/count", headers=stamped(8))
    assert count.status_code == 503 and count.is_json
    assert count.get_json() == {"error": "We are very busy; try again shortly."}
    assert count.headers["Access-Control-Allow-Origin"] == "*" and count.headers["Retry-After"].isdigit()
    script = client.get("/embed.js", headers=stamped(8))
    assert script.status_code == 200 and "javascript" in script.mimetype
    pinned = client.get(f"/embed.{hashlib.sha256(script.get_data()).hexdigest()[:12]}.js", headers=stamped(8))
    assert pinned.status_code == 200 and pinned.get_data() == script.get_data()
    theme = client.get("/embed/theme.css", headers=stamped(8))
    assert theme.status_code == 200 and theme.mimetype == "text/css"


def test_the_sites_static_files_are_never_shed(make_app):
    # A page served just before the surge peaked still needs its stylesheet and script.
    client = make_app(queue_limit_seconds=5).test_client()
    for path, mimetype in (("/static/site.css", "text/css"), ("/static/site.js", "text/javascript")):
        response = client.get(path, headers=stamped(8))
        assert response.status_code == 200 and response.mimetype == mimetype
    assert client.get(PAGE, headers=stamped(8)).status_code == 503
