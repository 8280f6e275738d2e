"""The admin's Rate limits page in headless Chromium: a limit changed by its label, a bad value shown beside the
field and in the summary, and no axe violations."""

from __future__ import annotations

import pytest

from .test_accessibility import axe, check_page  # noqa: F401 - a fixture
from .test_review_and_people_in_browser import sign_in

pytestmark = pytest.mark.browser


def test_an_admin_changes_a_limit_and_is_told_when_a_value_is_wrong(page, live_server, axe, db):  # noqa: F811 - axe
    sign_in(page, live_server, db, "/admin/limits")
    check_page(page, axe, "admin-limits")
    field = page.get_by_label("New limit for Letters sent")
    field.fill("lots")
    page.get_by_role("button", name="Save Letters sent").click()
    assert "a number, a slash" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("New limit for Letters sent").get_attribute("aria-invalid") == "true"
    check_page(page, axe, "admin-limits-error")
    page.get_by_label("New limit for Letters sent").fill("3/minute")
    page.get_by_role("button", name="Save Letters sent").click()
    page.wait_for_url("**/admin/limits")
    assert "Letters sent is now 3/minute." in page.get_by_role("status").inner_text()
    assert page.get_by_role("button", name="Go back to the server setting for Letters sent").is_visible()
