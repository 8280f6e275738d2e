"""Signing in: password then code, no account enumeration, throttling, single-use codes, the cookie."""

from __future__ import annotations

import re
from dataclasses import replace

from advocacy.services import staff as staff_service

from ..conftest import csrf_token
from .conftest import PASSWORD, make_staff, next_code, sign_in

_TOKEN = re.compile(r'value="[^"]*"')


def login_step(client, email: str, password: str):
    return client.post("/admin/login", data={"csrf_token": csrf_token(client, "/admin/login"),
                                             "email": email, "password": password})


def test_password_then_code_signs_in_and_lands_on_the_page_asked_for(client, db):
    staff, password = make_staff(db, "campaigner")
    assert client.get("/admin/staff").status_code == 302  # asked for, before signing in
    token = csrf_token(client, "/admin/login?next=/admin/account")
    first = client.post("/admin/login?next=/admin/account",
                        data={"csrf_token": token, "email": staff.email.upper(), "password": password})
    assert first.headers["Location"] == "/admin/login/code"
    # The password alone opens nothing.
    assert client.get("/admin/").headers["Location"].startswith("/admin/login")
    second = client.post("/admin/login/code", data={"csrf_token": csrf_token(client, "/admin/login/code"),
                                                     "code": next_code(db, staff.id)})
    assert second.status_code == 302 and second.headers["Location"] == "/admin/account"
    page = client.get("/admin/account").get_data(as_text=True)
    assert staff.email in page and "Log out" in page


def test_unknown_account_and_wrong_password_get_the_same_answer_after_the_same_work(client, db, monkeypatch):
    staff, _password = make_staff(db, "viewer")
    verified = []

    class CountingHasher(type(staff_service._hasher)):
        def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
            verified.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(staff_service, "_hasher", CountingHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))

    wrong = login_step(client, staff.email, "not the password at all")
    unknown = login_step(client, "nobody@union.test", "not the password at all")
    assert wrong.status_code == unknown.status_code == 200
    assert _TOKEN.sub("", wrong.get_data(as_text=True)) == _TOKEN.sub("", unknown.get_data(as_text=True))
    assert "The email address or password is not right" in wrong.get_data(as_text=True)
    assert len(verified) == 2  # a dummy hash is checked for the unknown address


def test_a_disabled_or_unfinished_account_cannot_sign_in_and_is_not_told_apart(client, db, ctx):
    from advocacy.models import Staff
    from advocacy.models.base import utcnow

    disabled, password = make_staff(db, "viewer")
    with db.transaction() as session:
        staff_service.disable(session, session.get(Staff, disabled.id), now=utcnow(), keep_an_admin=False)
        unfinished, _token = staff_service.create_staff(session, "new@union.test", "viewer", now=utcnow(),
                                                        setup_hours=48)
    for email in (disabled.email, "new@union.test"):
        response = login_step(client, email, password)
        assert response.status_code == 200 and "not right" in response.get_data(as_text=True)


def test_five_failures_lock_the_account_even_against_the_right_password(client, db):
    staff, password = make_staff(db, "admin")
    for _ in range(5):
        assert login_step(client, staff.email, "wrong password guess").status_code == 200
    locked = login_step(client, staff.email, password)
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.get_data(as_text=True)
    # From another address too: the count lives in the database, not in this client or process.
    other = client.application.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    assert login_step(other, staff.email, password).status_code == 429


def test_unknown_addresses_lock_the_same_way(client):
    for _ in range(5):
        login_step(client, "ghost@union.test", "wrong password guess")
    assert login_step(client, "ghost@union.test", "wrong password guess").status_code == 429


def test_twenty_failures_from_one_address_lock_it_for_every_account(client, db):
    staff, password = make_staff(db, "viewer")
    for number in range(20):
        login_step(client, f"guess{number}@union.test", "wrong password guess")
    assert login_step(client, staff.email, password).status_code == 429
    elsewhere = client.application.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.10"
    assert sign_in(elsewhere, staff.email, password, db=db, staff_id=staff.id).status_code == 302


def test_the_lock_lifts_after_15_minutes(client, db):
    import time_machine

    from advocacy.models.base import utcnow

    staff, password = make_staff(db, "viewer")
    for _ in range(5):
        login_step(client, staff.email, "wrong password guess")
    with time_machine.travel(utcnow().timestamp() + 16 * 60, tick=False):
        assert sign_in(client, staff.email, password, db=db, staff_id=staff.id).status_code == 302


def test_wrong_codes_count_towards_the_lock(client, db):
    staff, password = make_staff(db, "viewer")
    for _ in range(5):
        assert login_step(client, staff.email, password).status_code == 302
        response = client.post("/admin/login/code", data={"csrf_token": csrf_token(client, "/admin/login/code"),
                                                          "code": "000000"})
        assert "not right" in response.get_data(as_text=True)
    assert login_step(client, staff.email, password).status_code == 429


def test_a_totp_code_works_once(app, db):
    staff, password = make_staff(db, "viewer")
    code = next_code(db, staff.id)
    first = app.test_client()
    assert sign_in(first, staff.email, password, code).status_code == 302
    again = sign_in(app.test_client(), staff.email, password, code)
    assert again.status_code == 200 and "already used" in again.get_data(as_text=True)


def test_the_code_step_expires(client, db):
    import time_machine

    from advocacy.models.base import utcnow

    staff, password = make_staff(db, "viewer")
    login_step(client, staff.email, password)
    with time_machine.travel(utcnow().timestamp() + 11 * 60, tick=False):
        late = client.post("/admin/login/code", data={"csrf_token": csrf_token(client, "/admin/login"),
                                                      "code": next_code(db, staff.id)})
    assert late.headers["Location"] == "/admin/login"


def test_login_gives_a_new_session_id_each_time(app, db):
    staff, password = make_staff(db, "viewer")
    client = app.test_client()
    client.set_cookie("advocacy_admin", "chosen-by-an-attacker", path="/admin")
    login_step(client, staff.email, password)
    pending = client.get_cookie("advocacy_admin", path="/admin").value
    assert pending != "chosen-by-an-attacker"
    client.post("/admin/login/code", data={"csrf_token": csrf_token(client, "/admin/login/code"),
                                           "code": next_code(db, staff.id)})
    assert client.get_cookie("advocacy_admin", path="/admin").value not in {pending, "chosen-by-an-attacker"}


def test_the_admin_cookie_is_httponly_lax_and_scoped_to_the_admin(client, db):
    staff, password = make_staff(db, "viewer")
    header = login_step(client, staff.email, password).headers["Set-Cookie"]
    assert header.startswith("advocacy_admin=") and "HttpOnly" in header and "SameSite=Lax" in header
    assert "Path=/admin" in header


def test_in_production_the_cookie_is_secure_and_prefixed(app, client, db, monkeypatch):
    ctx = app.extensions["advocacy"]
    monkeypatch.setitem(app.extensions, "advocacy", replace(ctx, settings=ctx.settings.with_(env="production")))
    staff, password = make_staff(db, "viewer")
    header = login_step(client, staff.email, password).headers["Set-Cookie"]
    assert header.startswith("__Secure-advocacy_admin=") and "Secure" in header and "HttpOnly" in header


def test_fixture_clients_are_signed_in_as_the_role_asked_for(staff_client):
    client = staff_client("admin")
    assert staff_client.staff.role == "admin" and client.staff is staff_client.staff
    assert client.password == PASSWORD
    assert client.get("/admin/staff").status_code == 200


def test_a_refused_password_is_not_sent_back_in_the_page(client, db):
    staff, _password = make_staff(db, "viewer")
    page = login_step(client, staff.email, "my secret guess 123").get_data(as_text=True)
    assert "my secret guess 123" not in page and staff.email in page
