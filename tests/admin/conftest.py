"""Admin test fixtures: staff accounts and test clients signed in through the real login and TOTP steps.

``staff_client(role="campaigner", *, email=None)`` makes a new staff member with that role ("viewer",
"campaigner" or "admin") and returns a new Flask test client already signed in as them: it posts the
login form (email + password) and then a TOTP code computed from the account's secret, exactly as a
person does. The client carries:

- ``client.staff``: the ``Staff`` row (detached; ``id``, ``email``, ``role``, ``totp_secret`` are loaded);
- ``client.password``: the account's password.

``staff_client.staff`` is the ``Staff`` of the most recent call, and each call makes a fresh account, so
``staff_client("admin")`` and ``staff_client("viewer")`` in one test are two people with two sessions.

Helpers for tests that drive the steps themselves: ``make_staff(db, role)`` -> ``(Staff, password)`` (a
finished account, not signed in), ``next_code(db, staff_id)`` (a TOTP code the server has not accepted
yet), and ``sign_in(client, email, password, code)`` -> the response to the second step.

Argon2id hashing uses light parameters in these tests (real Argon2id; only the cost differs from production).
"""

from __future__ import annotations

import itertools

import pyotp
import pytest
from argon2 import PasswordHasher

from advocacy.models import Staff
from advocacy.models.base import utcnow
from advocacy.services import staff as staff_service

from ..conftest import csrf_token

PASSWORD = "plum orbit canvas thunder 71"  # noqa: S105 - a test account's password
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def light_password_hashing(monkeypatch):
    monkeypatch.setattr(staff_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))


def make_staff(db, role: str = "campaigner", *, email: str | None = None, password: str = PASSWORD):
    """A finished account (password and authenticator set), committed; returns ``(staff, password)``."""
    email = email or f"staff{next(_numbers)}-{role}@union.test"
    now = utcnow()
    with db.transaction() as session:
        staff, _token = staff_service.create_staff(session, email, role, now=now, setup_hours=48)
        staff_service.pending_totp_secret(session, staff)
        staff.password_hash = staff_service.hash_password(password)
        staff.totp_confirmed_at = now
        staff.setup_token_hash = None
        staff.setup_expires_at = None
        session.flush()
        session.expunge(staff)
    return staff, password


def next_code(db, staff_id: int) -> str:
    """The code an authenticator shows, moved on one step if the current one was already used."""
    with db.transaction() as session:
        staff = session.get(Staff, staff_id)
        totp = pyotp.TOTP(staff.totp_secret)
        step = totp.timecode(utcnow())
        if staff.totp_last_step is not None and staff.totp_last_step >= step:
            step = staff.totp_last_step + 1
        return totp.generate_otp(step)


def sign_in(client, email: str, password: str, code: str | None = None, *, db=None, staff_id: int | None = None):
    """Post the login form, then the code form; returns the second step's response (a 302 when signed in)."""
    first = client.post("/admin/login", data={"csrf_token": csrf_token(client, "/admin/login"),
                                              "email": email, "password": password})
    if first.status_code != 302:
        return first
    if code is None:
        code = next_code(db, staff_id)
    return client.post("/admin/login/code", data={"csrf_token": csrf_token(client, "/admin/login/code"),
                                                   "code": code})


class StaffClients:
    """Callable fixture value: ``staff_clients(role) -> signed-in test client``; ``.staff`` is the latest Staff."""

    def __init__(self, app, db) -> None:
        self.app = app
        self.db = db
        self.staff: Staff | None = None

    def __call__(self, role: str = "campaigner", *, email: str | None = None):
        staff, password = make_staff(self.db, role, email=email)
        client = self.app.test_client()
        response = sign_in(client, staff.email, password, db=self.db, staff_id=staff.id)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        client.staff = staff
        client.password = password
        self.staff = staff
        return client


@pytest.fixture
def staff_client(app, db) -> StaffClients:
    return StaffClients(app, db)
