"""The review queue and people pages in headless Chromium: usable by keyboard labels, and free of axe violations."""

from __future__ import annotations

import pytest

from advocacy.domain.types import Supporter
from advocacy.models import Action
from advocacy.models.base import utcnow
from advocacy.services import moderation

from ..admin.conftest import make_staff, next_code
from ..admin.review_setup import letters, write_letter
from .test_accessibility import axe, check_page  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser
ZELDA = Supporter("Zelda", "Quixote", "zelda@example.com", "K1P1A4")


def sign_in(page, live_server: str, db, path: str) -> None:
    staff, password = make_staff(db, "admin")
    page.goto(f"{live_server}{path}")
    page.get_by_label("Email address").fill(staff.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Authentication code").fill(next_code(db, staff.id))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{path}")


def test_a_letter_is_held_edited_and_approved_and_its_writer_erased(page, live_server, axe, ctx, db):  # noqa: F811 - axe
    action = write_letter(ctx, ZELDA)
    with ctx.db.transaction() as session:
        moderation.flag_for_review(session, session.get(Action, action), "near-identical letters", now=utcnow())
    sign_in(page, live_server, db, "/admin/reviews")
    check_page(page, axe, "admin-review-queue")

    page.get_by_role("link", name=f"Edit and approve #{action}").click()
    first = letters(ctx, action)[0]
    page.get_by_label("Subject").first.fill("")
    page.get_by_role("button", name="Save and approve").click()
    assert page.get_by_role("alert").is_visible()
    check_page(page, axe, "admin-review-edit-errors")
    page.locator(f"#subject-{first.id}").fill("Keep the work here")
    page.get_by_label("Why you edited the letter").fill("shortened the subject")
    page.get_by_role("button", name="Save and approve").click()
    assert page.get_by_role("status").filter(has_text="Edited and approved").is_visible()
    assert {d.status for d in letters(ctx, action)} == {"queued"}

    page.goto(f"{live_server}/admin/people")
    check_page(page, axe, "admin-people-search")
    page.get_by_label("Email address").fill("ZELDA@example.com")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("heading", name="Zelda Quixote").wait_for()
    check_page(page, axe, "admin-person")
    page.get_by_role("link", name="Erase this supporter…").click()
    check_page(page, axe, "admin-person-erase")
    page.get_by_label("Type the supporter's email address to confirm").fill("zelda@example.com")
    page.get_by_role("button", name="Erase this supporter").click()
    assert page.get_by_role("status").filter(has_text="erased").is_visible()
