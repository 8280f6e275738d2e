"""Every admin route, including ones added later: staff-only, role-checked, CSRF-protected, never cached.

The routes are read from ``app.url_map``, so a new admin page is covered without touching this file.
"""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from advocacy.web.admin.access import PUBLIC_ENDPOINTS, ROLES, safe_next

from ..conftest import csrf_token

LOGIN = "/admin/login"


def admin_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every admin rule and method, with placeholder values for its arguments."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        values = {name: placeholder(conv) for name, conv in rule._converters.items()}
        url = rule.build(values, append_unknown=False)[1]
        routes.extend((rule.endpoint, method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return routes


def placeholder(converter) -> object:
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def required_role(app, endpoint: str) -> str | None:
    return getattr(app.view_functions[endpoint], "required_role", None)


def request(client, method: str, url: str, *, token: str | None):
    data = {"csrf_token": token} if token else {}
    return client.open(url, method=method, data=data if method != "GET" else None)


def test_the_walk_finds_the_admin_pages(app):
    endpoints = {endpoint for endpoint, _method, _url in admin_routes(app)}
    assert {"admin.login", "admin.login_code", "admin.setup", "admin.home", "admin.logout", "admin.staff_list",
            "admin.audit_log"} <= endpoints


def test_every_admin_view_states_the_role_it_needs(app):
    missing = [endpoint for endpoint, _m, _u in admin_routes(app)
               if endpoint not in PUBLIC_ENDPOINTS and required_role(app, endpoint) not in ROLES]
    assert missing == [], f"admin views without @require_role: {missing}"


def test_anonymous_visitors_are_sent_to_the_login_page(app, client):
    token = csrf_token(client, LOGIN)
    for endpoint, method, url in admin_routes(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        response = request(client, method, url, token=token)
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert response.headers["Location"].startswith(LOGIN), (endpoint, method)
        assert response.headers["Cache-Control"] == "no-store"


def test_a_page_asked_for_comes_back_after_login(client):
    response = client.get("/admin/audit?action=staff.")
    assert response.headers["Location"] == "/admin/login?next=/admin/audit?action%3Dstaff."


def test_the_allowlisted_pages_open_without_a_session(client):
    assert client.get(LOGIN).status_code == 200
    # Without a password step behind it, the code page sends people back to the start.
    assert client.get("/admin/login/code").headers["Location"].startswith(LOGIN)
    assert client.get("/admin/setup/not-a-real-link").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "campaigner"])
def test_a_role_below_the_one_a_page_needs_gets_403(app, staff_client, role):
    client = staff_client(role)
    token = csrf_token(client, LOGIN)
    checked = 0
    for endpoint, method, url in admin_routes(app):
        needed = required_role(app, endpoint)
        if endpoint in PUBLIC_ENDPOINTS or needed is None or ROLES.index(needed) <= ROLES.index(role):
            continue
        response = request(client, method, url, token=token)
        assert response.status_code == 403, (endpoint, method, response.status_code)
        assert "Your role does not allow this" in response.get_data(as_text=True)
        checked += 1
    assert checked >= 6  # at least the staff and audit pages


def test_every_admin_form_needs_its_csrf_token(app, staff_client):
    client = staff_client("admin")
    posts = [(endpoint, method, url) for endpoint, method, url in admin_routes(app) if method != "GET"]
    assert posts
    for endpoint, method, url in posts:
        response = request(client, method, url, token=None)
        assert response.status_code == 400, (endpoint, method, response.status_code)
        assert "security token" in response.get_data(as_text=True), endpoint
    # Still signed in: a refused form changes nothing.
    assert client.get("/admin/account").status_code == 200


def test_admin_responses_are_never_cached(staff_client):
    client = staff_client("viewer")
    for url in ("/admin/", "/admin/account", "/admin/staff", LOGIN):
        assert client.get(url).headers["Cache-Control"] == "no-store", url


@pytest.mark.parametrize("target", [
    "//evil.example/admin", "https://evil.example/admin", "/\\evil.example", "https:evil.example", "/public",
    "javascript:alert(1)", "/admin@evil.example", "\t//evil.example", "/adminevil", "%2f%2fevil.example",
    "http://localhost/admin", "/admin/../x\n", "",
])
def test_next_only_ever_points_inside_the_admin(target):
    assert safe_next(target) == ""


def test_next_keeps_admin_paths():
    assert safe_next("/admin/audit?action=staff.") == "/admin/audit?action=staff."
    assert safe_next("/admin") == "/admin"


def test_the_navigation_shows_only_pages_the_role_may_open(staff_client):
    viewer = staff_client("viewer")
    page = viewer.get("/admin/account").get_data(as_text=True)
    nav = page[page.index('<nav class="admin-nav"'):page.index("</nav>")]
    assert "Log out" in page and "Your account" in nav
    assert "Staff</a>" not in nav and "Audit log" not in nav
    for link in re.findall(r'href="([^"]+)"', nav):
        assert viewer.get(link).status_code == 200, link
    admin_nav = staff_client("admin").get("/admin/account").get_data(as_text=True)
    assert "Staff</a>" in admin_nav and "Audit log</a>" in admin_nav
