"""A staff member sets up their account and signs in with password and code, in headless Chromium."""

from __future__ import annotations

import time

import pyotp
import pytest

from advocacy.models.base import utcnow
from advocacy.services import staff as staff_service

pytestmark = pytest.mark.browser


def test_set_up_then_sign_in_with_password_and_code(db, live_server, page):
    with db.transaction() as session:
        _staff, token = staff_service.create_staff(session, "browser@union.test", "admin", now=utcnow(),
                                                   setup_hours=48)
    page.goto(f"{live_server}/admin/setup/{token}")
    page.get_by_label("New password", exact=True).fill("orchard pencil glacier rhythm")
    page.get_by_label("Confirm new password").fill("orchard pencil glacier rhythm")
    secret = page.locator("#totp-secret").inner_text()
    assert page.locator("svg.qr").count() == 1
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Finish set-up").click()
    assert page.get_by_role("heading", name="Your recovery codes").is_visible()
    assert page.locator(".recovery-codes li").count() == 10

    page.get_by_role("button", name="Log out").click()
    assert page.get_by_role("heading", name="Sign in to the staff admin").is_visible()
    page.get_by_label("Email address").fill("browser@union.test")
    page.get_by_label("Password").fill("orchard pencil glacier rhythm")
    page.get_by_role("button", name="Continue").click()
    # The set-up used this time step's code; an authenticator shows the next one 30 seconds later.
    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("browser@union.test (Admin)").is_visible()
