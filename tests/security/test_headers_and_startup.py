"""Security headers on every kind of response; production refuses unsafe settings; one secret for every process."""

from __future__ import annotations

import pytest

from advocacy.config import Settings, SettingsError
from advocacy.models.base import utcnow
from advocacy.services.abuse import form_age, issue_form_token

from .conftest import campaign_of
from .test_limits_and_checks import sign

SECRET = "s" * 40
# Every other production requirement met, so each test sees the refusal it is about.
ADDRESS = {"org_address": "1 Union Street, Ottawa ON"} if "org_address" in Settings.__dataclass_fields__ else {}
PRODUCTION = {"env": "production", "secret_key": SECRET, **ADDRESS}


def check_common(response):
    csp = response.headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    return csp


def test_public_pages_forbid_framing_and_are_not_no_store(make_app):
    app = make_app()
    client = app.test_client()
    for url in ["/", f"/campaigns/{campaign_of(app, 'petition')}", "/nowhere"]:
        response = client.get(url)
        assert "frame-ancestors 'none'" in check_common(response)
        assert "Strict-Transport-Security" not in response.headers  # HSTS in production only


def test_admin_and_api_responses_are_never_stored(make_app):
    client = make_app().test_client()
    for url in ["/admin/", "/admin/login", "/api/v1/campaigns/nope"]:
        response = client.get(url)
        check_common(response)
        assert response.headers["Cache-Control"] == "no-store", url


def test_api_reads_with_an_etag_stay_cacheable(make_app):
    response = make_app().test_client().get("/api/v1/campaigns")
    assert response.headers.get("ETag") and "no-store" not in response.headers["Cache-Control"]


def test_a_response_with_its_own_policy_keeps_it(make_app):
    app = make_app()

    @app.get("/widget-test")
    def widget():
        return "w", 200, {"Content-Security-Policy": "frame-ancestors https://ally.test"}

    assert app.test_client().get("/widget-test").headers["Content-Security-Policy"] == \
        "frame-ancestors https://ally.test"


def test_oversized_body_gets_a_413_page(make_app):
    app = make_app()
    response = app.test_client().post(f"/campaigns/{campaign_of(app, 'petition')}", data={"body": "x" * 70_000})
    assert response.status_code == 413 and "too much" in response.get_data(as_text=True)


@pytest.mark.parametrize("changes, message", [
    ({}, "ADVOCACY_SECRET_KEY"),
    ({"secret_key": "dev-only-secret-key-change-me"}, "ADVOCACY_SECRET_KEY"),
    ({"secret_key": "short"}, "at least 32"),
    ({"secret_key": SECRET, "debug": True}, "DEBUG"),
    ({"secret_key": SECRET, "web_processes": 3}, "ADVOCACY_REDIS_URL"),
    ({"secret_key": SECRET, "limit_sign": "often"}, "ADVOCACY_LIMIT_SIGN"),
    ({"secret_key": SECRET, "proxy_hops": -1}, "ADVOCACY_PROXY_HOPS"),
])
def test_production_refuses_unsafe_settings(changes, message):
    with pytest.raises(SettingsError, match=message):
        Settings(**{**PRODUCTION, "secret_key": "", **changes}).check()


def test_production_with_several_processes_and_redis_starts():
    Settings(**PRODUCTION, web_processes=3, redis_url="redis://127.0.0.1:6379/0").check()


def test_debug_comes_from_flask_debug_too():
    with pytest.raises(SettingsError, match="DEBUG"):
        Settings.from_env({"ADVOCACY_ENV": "production", "ADVOCACY_SECRET_KEY": SECRET, "FLASK_DEBUG": "1",
                           "ADVOCACY_ORG_ADDRESS": "1 Union Street, Ottawa ON"})


def test_a_token_signed_by_one_process_verifies_in_another(make_app):
    first, second = make_app(secret_key=SECRET), make_app(secret_key=SECRET)
    token = issue_form_token(first.config["SECRET_KEY"])
    assert form_age(second.config["SECRET_KEY"], token, utcnow()) is not None
    assert form_age("another-secret-" * 3, token, utcnow()) is None


def test_behind_a_proxy_each_client_has_its_own_limit(make_app):
    app = make_app(limit_sign="1/minute", proxy_hops=1)
    slug = campaign_of(app, "petition")
    for number, client_address in enumerate(("198.51.100.7", "203.0.113.9")):
        client = app.test_client()
        client.environ_base.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=client_address)
        assert sign(client, slug, f"p{number}@example.com").status_code == 303
        assert sign(client, slug, f"q{number}@example.com").status_code == 429


def test_without_proxies_a_forwarded_header_cannot_pick_another_address(make_app):
    app = make_app(limit_sign="1/minute")
    client, slug = app.test_client(), campaign_of(app, "petition")
    client.environ_base.update(HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert sign(client, slug, "p@example.com").status_code == 303
    client.environ_base.update(HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert sign(client, slug, "q@example.com").status_code == 429
