"""Every endpoint that takes a return address (or a parameter that ends up in one) sends all 45 off-site payloads
of test_redirects.py back to our own site: admin login ``next``, the sign-in guard, the review queue's ``back``,
the public forms' ``source`` and the widget's ``origin`` and ``source``."""

from __future__ import annotations

from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from advocacy import create_app
from advocacy.models.base import utcnow

from ..admin.conftest import make_staff, next_code
from ..admin.review_setup import write_letter
from ..conftest import csrf_token
from ..embed.conftest import PETITION, SUPPORTER, post_widget
from .test_redirects import OFF_SITE

SITE = "http://campaigns.test"
PAYLOADS = [payload for payload in OFF_SITE if payload is not None]


def assert_on_site(response, payload: str) -> None:
    assert response.status_code in (301, 302, 303), (payload, response.status_code)
    location = response.headers["Location"]
    resolved = urlsplit(urljoin(f"{SITE}/admin/login", location.replace("\\", "/")))
    assert resolved.scheme == "http" and resolved.netloc == "campaigns.test", (payload, location)
    assert not location.startswith("//") and "\\" not in location


@pytest.fixture
def quiet_app(settings, db):
    """Rate limits off: 45 submissions from one address are the point here."""
    application = create_app(settings.with_(rate_limits=False, embed_min_fill_seconds=0.0))
    yield application
    application.extensions["advocacy"].db.dispose()


def test_admin_login_next_never_leads_off_site(quiet_app, db):
    assert len(PAYLOADS) >= 44
    for payload in PAYLOADS:
        staff, password = make_staff(db, "viewer")
        client = quiet_app.test_client()
        form = client.get("/admin/login", query_string={"next": payload}).get_data(as_text=True)
        assert "evil" not in form, payload
        first = client.post("/admin/login", query_string={"next": payload},
                            data={"csrf_token": csrf_token(client, "/admin/login"), "email": staff.email,
                                  "password": password})
        assert_on_site(first, payload)
        signed_in = client.post("/admin/login/code", data={"csrf_token": csrf_token(client, "/admin/login/code"),
                                                            "code": next_code(db, staff.id)})
        assert_on_site(signed_in, payload)
        assert urlsplit(signed_in.headers["Location"]).path.startswith("/admin"), payload


def test_the_sign_in_guard_keeps_only_admin_paths(quiet_app):
    client = quiet_app.test_client()
    for payload in PAYLOADS:
        response = client.get("/admin/people", query_string={"q": payload, "next": payload})
        assert_on_site(response, payload)
        assert urlsplit(response.headers["Location"]).path == "/admin/login", payload


def test_the_review_queue_back_address_never_leads_off_site(quiet_app, db):
    action_id = write_letter(quiet_app.extensions["advocacy"])
    staff, password = make_staff(db, "campaigner")
    client = quiet_app.test_client()
    client.post("/admin/login", data={"csrf_token": csrf_token(client, "/admin/login"), "email": staff.email,
                                      "password": password})
    client.post("/admin/login/code", data={"csrf_token": csrf_token(client, "/admin/login/code"),
                                           "code": next_code(db, staff.id)})
    token = csrf_token(client, "/admin/reviews")
    for payload in PAYLOADS:
        response = client.post(f"/admin/actions/{action_id}/hold",
                               data={"csrf_token": token, "reason": "checking", "back": payload})
        assert_on_site(response, payload)


def test_public_forms_source_stays_a_label(quiet_app):
    client = quiet_app.test_client()
    slug = next(c.slug for c in quiet_app.extensions["advocacy"].catalog.listed(utcnow()) if c.kind == "petition")
    for number, payload in enumerate(PAYLOADS):
        response = client.post(f"/campaigns/{slug}", query_string={"source": payload},
                               data={"csrf_token": csrf_token(client, f"/campaigns/{slug}"), **SUPPORTER,
                                     "email": f"person{number}@example.com", "source": payload})
        assert_on_site(response, payload)


def test_the_widget_origin_and_source_never_lead_off_site(quiet_app):
    client = quiet_app.test_client()
    for number, payload in enumerate(PAYLOADS):
        url = f"/embed/{PETITION}?" + urlencode({"origin": payload, "source": payload})
        response = post_widget(client, url, {**SUPPORTER, "email": f"widget{number}@example.com"})
        assert_on_site(response, payload)

