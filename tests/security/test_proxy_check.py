"""A proxy the settings do not know about, or a proxy that can be bypassed, is logged once per process (without any
address) and shown to admins on every admin page; nothing is shown when ADVOCACY_PROXY_HOPS matches the requests."""

from __future__ import annotations

import logging

import pytest

from advocacy.web.proxy_check import local_peer

from ..admin.conftest import make_staff, sign_in
from ..conftest import make_settings

PROXY = {"REMOTE_ADDR": "10.0.0.5"}
INTERNET = {"REMOTE_ADDR": "81.2.69.160"}  # a peer on the public internet (documentation ranges count as private)
VISITOR = "198.51.100.23"  # a supporter's address, as the proxy forwards it
UNSET_BANNER = "Set ADVOCACY_PROXY_HOPS: this server is behind a proxy it does not know about"
BYPASS_BANNER = "The web processes can be reached without going through the proxy"
LOGGER = "advocacy.web.proxy_check"


def warnings_logged(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == LOGGER]


def admin_client(app, db, role: str = "admin", **environ: str):
    """A staff member signed in through the login form, every request from ``environ`` (the peer and headers)."""
    staff, password = make_staff(db, role)
    client = app.test_client()
    client.environ_base.update(environ)
    assert sign_in(client, staff.email, password, db=db, staff_id=staff.id).status_code == 302
    return client


def page(client, url: str = "/admin/campaigns") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_a_proxy_with_hops_unset_is_logged_once_without_addresses(app, caplog, header):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    value = f"for={VISITOR}" if header == "Forwarded" else VISITOR
    client = app.test_client()
    for _ in range(3):
        assert client.get("/", environ_base=PROXY, headers={header: value}).status_code == 200
    logged = warnings_logged(caplog)
    assert len(logged) == 1
    assert "ADVOCACY_PROXY_HOPS is 0" in logged[0] and "Set ADVOCACY_PROXY_HOPS to the number" in logged[0]
    assert VISITOR not in caplog.text and PROXY["REMOTE_ADDR"] not in caplog.text


def test_admins_see_the_unset_warning_on_every_admin_page(app, db, caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    admin = admin_client(app, db)
    assert UNSET_BANNER not in page(admin)
    app.test_client().get("/", environ_base=PROXY, headers={"X-Forwarded-For": VISITOR})
    for url in ("/admin/campaigns", "/admin/people", "/admin/limits"):
        shown = page(admin, url)
        assert UNSET_BANNER in shown
        assert "failed sign-ins can lock every staff member out" in shown
    limits = page(admin, "/admin/limits")
    assert "Requests through a proxy" in limits and "Seen, first at" in limits
    assert VISITOR not in limits and VISITOR not in caplog.text
    # The fix is a server setting: only admins, who can have it changed, are told.
    assert UNSET_BANNER not in page(admin_client(app, db, "campaigner"), "/admin/campaigns")


def test_forwarded_headers_from_the_internet_are_no_sign_of_a_proxy(app, db, caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    app.test_client().get("/", environ_base=INTERNET, headers={"X-Forwarded-For": VISITOR})
    assert warnings_logged(caplog) == []
    admin = admin_client(app, db)
    assert UNSET_BANNER not in page(admin) and BYPASS_BANNER not in page(admin)
    assert "Not seen" in page(admin, "/admin/limits")


class TestBehindOneProxy:
    @pytest.fixture
    def settings(self, tmp_path):
        """One proxy in front (ADVOCACY_PROXY_HOPS=1)."""
        (tmp_path / "instance").mkdir()
        return make_settings(tmp_path, proxy_hops=1)


    def test_a_request_bypassing_the_proxy_is_logged_once_and_shown_to_admins(self, app, db, caplog):
        caplog.set_level(logging.WARNING, logger=LOGGER)
        through_proxy = {**PROXY, "HTTP_X_FORWARDED_FOR": VISITOR}
        admin = admin_client(app, db, **through_proxy)
        assert client_get(app, "/healthz", PROXY) == 200  # a load balancer's health check comes without the header
        assert BYPASS_BANNER not in page(admin) and warnings_logged(caplog) == []
        assert client_get(app, "/", INTERNET) == 200
        assert client_get(app, "/", INTERNET) == 200
        logged = warnings_logged(caplog)
        assert len(logged) == 1
        assert "ADVOCACY_PROXY_HOPS is 1 but a request arrived without X-Forwarded-For" in logged[0]
        assert VISITOR not in caplog.text and INTERNET["REMOTE_ADDR"] not in caplog.text
        shown = page(admin)
        assert BYPASS_BANNER in shown and "ADVOCACY_PROXY_HOPS is 1, but since" in shown
        limits = page(admin, "/admin/limits")
        assert "the proxy can be bypassed" in limits


    def test_nothing_is_shown_when_every_request_comes_through_the_configured_proxy(self, app, db, caplog):
        caplog.set_level(logging.WARNING, logger=LOGGER)
        admin = admin_client(app, db, **PROXY, HTTP_X_FORWARDED_FOR=VISITOR)
        for url in ("/", "/admin/campaigns"):
            assert admin.get(url).status_code == 200
        shown = page(admin, "/admin/limits")
        assert UNSET_BANNER not in shown and BYPASS_BANNER not in shown
        assert "<code>ADVOCACY_PROXY_HOPS</code>" in shown and "Seen, first at" in shown
        assert warnings_logged(caplog) == []


def client_get(app, url: str, environ: dict[str, str]) -> int:
    return app.test_client().get(url, environ_base=environ).status_code


@pytest.mark.parametrize(("address", "local"), [
    ("10.0.0.5", True), ("127.0.0.1", True), ("192.168.1.2", True), ("172.16.0.9", True), ("100.64.0.1", True),
    ("::1", True), ("fd00::1", True), ("", True), (INTERNET["REMOTE_ADDR"], False), ("8.8.8.8", False),
    ("2001:4860:4860::8888", False),
])
def test_local_peers_are_where_proxies_sit(address, local):
    assert local_peer(address) is local
