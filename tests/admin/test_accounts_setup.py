"""Set-up links, password rules, recovery codes, and the command that creates staff."""

from __future__ import annotations

import re

import pyotp
import pytest
import time_machine
from click.testing import CliRunner

from advocacy.cli import CliState, main
from advocacy.models.base import utcnow

from ..conftest import csrf_token
from .conftest import sign_in

SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
CODES = re.compile(r"<li><code>([a-z0-9-]{19})</code></li>")
GOOD_PASSWORD = "lantern meadow copper violin"


def create(settings, email: str, role: str = "campaigner") -> str:
    result = CliRunner().invoke(main, ["staff", "create", email, "--role", role], obj=CliState(settings),
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert link.startswith(f"{settings.base_url}/admin/setup/")
    return link.removeprefix(settings.base_url)


def open_setup(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and "QR code for your authenticator app" in html
    return SECRET.search(html).group(1)


def finish(client, path: str, secret: str, password: str = GOOD_PASSWORD, confirm: str | None = None,
           code: str | None = None):
    return client.post(path, data={"csrf_token": csrf_token(client, path), "password": password,
                                   "password_confirm": password if confirm is None else confirm,
                                   "code": code or pyotp.TOTP(secret).now()})


def test_a_new_staff_member_sets_up_password_and_authenticator_and_gets_recovery_codes(settings, db, client):
    path = create(settings, "Maya@Union.test", "viewer")
    secret = open_setup(client, path)
    done = finish(client, path, secret)
    assert done.status_code == 200
    codes = CODES.findall(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    # Signed in straight away, and the link is used up.
    assert "maya@union.test" in client.get("/admin/account").get_data(as_text=True)
    again = client.application.test_client().get(path)
    assert again.status_code == 404 and "does not work" in again.get_data(as_text=True)


def test_a_set_up_link_expires_after_48_hours(settings, db, client):
    path = create(settings, "late@union.test")
    with time_machine.travel(utcnow().timestamp() + 49 * 3600, tick=False):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize(("password", "message"), [
    ("short pass1", "Use at least 12 characters"),
    ("x" * 129, "Use at most 128 characters"),
    ("qwerty123456", "too common"),
    ("password1234", "too common"),
    ("aaaaaaaaaaaaaaaa", "too common"),
    ("setup@union.test", "too common"),
])
def test_weak_passwords_are_refused_with_a_reason(settings, db, client, password, message):
    path = create(settings, "setup@union.test")
    secret = open_setup(client, path)
    response = finish(client, path, secret, password=password)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_a_long_passphrase_up_to_128_characters_is_accepted(settings, db, client):
    path = create(settings, "long@union.test")
    response = finish(client, path, open_setup(client, path), password="correct horse battery staple " * 4 + "ok!")
    assert response.status_code == 200


def test_set_up_needs_the_right_code_and_matching_passwords(settings, db, client):
    path = create(settings, "careful@union.test")
    secret = open_setup(client, path)
    assert "not the same" in finish(client, path, secret, confirm="something else entirely").get_data(as_text=True)
    wrong = finish(client, path, secret, code="123456" if pyotp.TOTP(secret).now() != "123456" else "654321")
    assert wrong.status_code == 400 and "not right" in wrong.get_data(as_text=True)
    # Nothing was half-done: the same link and secret still finish the set-up.
    assert open_setup(client, path) == secret
    assert finish(client, path, secret).status_code == 200


def test_a_recovery_code_signs_in_once(settings, db, app):
    path = create(settings, "lostphone@union.test")
    setup_client = app.test_client()
    codes = CODES.findall(finish(setup_client, path, open_setup(setup_client, path)).get_data(as_text=True))
    first = app.test_client()
    assert sign_in(first, "lostphone@union.test", GOOD_PASSWORD, codes[0].upper().replace("-", " ")) \
        .status_code == 302
    assert "9 are left" in first.get("/admin/account").get_data(as_text=True)
    again = sign_in(app.test_client(), "lostphone@union.test", GOOD_PASSWORD, codes[0])
    assert again.status_code == 200 and "not right" in again.get_data(as_text=True)


def test_new_recovery_codes_replace_the_old_ones(settings, db, app):
    path = create(settings, "codes@union.test")
    client = app.test_client()
    old = CODES.findall(finish(client, path, open_setup(client, path)).get_data(as_text=True))
    page = client.post("/admin/account/recovery-codes", data={"csrf_token": csrf_token(client, "/admin/account")})
    new = CODES.findall(page.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert sign_in(app.test_client(), "codes@union.test", GOOD_PASSWORD, old[1]).status_code == 200
    assert sign_in(app.test_client(), "codes@union.test", GOOD_PASSWORD, new[1]).status_code == 302


def test_the_command_refuses_bad_input_clearly(settings, db):
    def run(*args):
        return CliRunner().invoke(main, ["staff", *args], obj=CliState(settings))

    assert "not one of" in run("create", "a@union.test", "--role", "owner").output
    assert "bad email" in run("create", "not-an-address", "--role", "viewer").output
    run("create", "twice@union.test", "--role", "viewer")
    assert "exists" in run("create", "twice@union.test", "--role", "viewer").output
    assert "no staff account" in run("disable", "ghost@union.test").output
    assert "twice@union.test\tviewer\twaiting for set-up" in run("list").output
