"""The session cookie (which carries the CSRF token) is read with the key in force, through a kept serializer."""

from __future__ import annotations

from ..conftest import csrf_token

PAGE = "/campaigns/the-rich-and-the-rest-of-us"
SUPPORTER = {"first_name": "Maya", "last_name": "Okafor", "postal_code": "K1P 5J2", "email": "maya@example.org"}


def test_a_form_signs_with_the_cookie_its_page_set(client):
    token = csrf_token(client, PAGE)
    assert client.post(PAGE, data={**SUPPORTER, "csrf_token": token}).status_code == 303


def test_a_new_key_takes_effect_at_once_and_a_fallback_keeps_old_cookies_readable(app):
    client = app.test_client()
    token = csrf_token(client, PAGE)
    old_key = app.secret_key
    app.secret_key = "a-new-key-for-this-test-" + "x" * 40
    # Signed with the old key and no fallback: the form has expired, as it would after a key change.
    assert client.post(PAGE, data={**SUPPORTER, "csrf_token": token}).status_code == 400
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    # The session cookie is read again with the fallback; Flask-WTF signs its token with the current key only.
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None and serializer.loads(client.get_cookie("session").value)["csrf_token"]
