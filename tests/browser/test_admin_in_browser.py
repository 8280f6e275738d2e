"""Issue 5 end to end in headless Chromium: a campaigner signs in with a TOTP code, makes a letter campaign in
the editor and makes it live; a supporter sends a letter on the public page; staff see it on the dashboard, and
the worker delivers it from the outbox."""

from __future__ import annotations

import pytest

from advocacy.channels import build_channel
from advocacy.channels.mailbox import read_mailbox
from advocacy.worker import Worker

from ..admin.conftest import make_staff, next_code
from .test_accessibility import AXE_OPTIONS
from .test_forms_in_browser import fill_details

pytestmark = pytest.mark.browser

SLUG = "fund-transit-now"
TARGETS = '''[[targets]]
type = "representative"
level = "provincial"

[letters.default.en]
subject = "Fund transit in {{ target.district }}"
body = """
Please fund the transit plan. Buses every ten minutes would change my commute.
"""
'''


def assert_accessible(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS)
    problems = [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
                for v in results.response["violations"]]
    assert not problems, f"{name}: {problems}"


def sign_in(page, live_server: str, db) -> None:
    staff, password = make_staff(db, "campaigner", email="organiser@union.test")
    page.goto(f"{live_server}/admin/editor/")
    page.get_by_label("Email address").fill(staff.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Authentication code").fill(next_code(db, staff.id))  # what the authenticator app shows
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/editor/")


def write_campaign(page) -> None:
    page.get_by_role("link", name="New letter campaign").click()
    about = page.get_by_role("group", name="About the campaign")
    about.get_by_label("Slug").fill(SLUG)
    about.get_by_label("Goal").fill("1000")
    about.get_by_label("Email confirmation").select_option("off")
    english = page.get_by_role("group", name="English text")
    english.get_by_label("Title").fill("Fund transit now")
    english.get_by_label("Summary").fill("Ask your MPP to fund the transit plan.")
    english.get_by_label("Why this matters (Markdown)").fill("Buses are **full** and late.")
    english.get_by_label("Thank-you message").fill("Thank you for writing.")
    english.get_by_label("Share text").fill("I wrote to my MPP about transit:")
    english.get_by_label("Consent wording (the opt-in checkbox)").fill("Email me about transit campaigns.")
    page.get_by_label("Targets and letters (TOML)").fill(TARGETS)


def test_a_campaigner_makes_a_letter_campaign_and_a_supporters_letter_reaches_the_outbox(browser, page, live_server,
                                                                                        db, ctx):
    sign_in(page, live_server, db)
    write_campaign(page)
    page.get_by_role("group", name="About the campaign").get_by_label("Goal").fill("a thousand")
    page.get_by_role("button", name="Save as a draft").click()
    summary = page.get_by_role("alert")
    assert "goal: must be a whole number, without quotes" in summary.inner_text()
    assert_accessible(page, "editor with a problem")
    summary.get_by_role("link", name="goal: must be a whole number, without quotes").click()
    page.get_by_role("group", name="About the campaign").get_by_label("Goal").fill("1000")
    page.get_by_role("button", name="Preview without saving").click()
    assert page.get_by_role("heading", name="Target 0: Each supporter's MPP").is_visible()
    assert "Fund transit in [riding]" in page.locator(".editor-preview").inner_text()
    preview = page.frame_locator("iframe.preview-frame")
    assert preview.get_by_role("heading", name="Fund transit now").is_visible()
    assert_accessible(page, "editor preview")

    page.get_by_role("button", name="Save as a draft").click()
    page.wait_for_url(f"**/admin/editor/{SLUG}")
    assert "Saved fund-transit-now as a draft" in page.get_by_role("status").first.inner_text()
    page.get_by_role("button", name="Make live").click()
    assert "is now live" in page.get_by_role("status").first.inner_text()

    supporter = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    supporter.goto(f"{live_server}/campaigns/{SLUG}")
    fill_details(supporter, "Noor", "Haddad", "noor@example.com", "K1P 5J2")
    supporter.get_by_role("button", name="Preview my letter").click()
    assert "Fund transit in Ottawa Centre" in supporter.locator("article.letter").inner_text()
    supporter.get_by_role("button", name="Send my letter to 1 representative").click()
    supporter.wait_for_url("**/thanks?sent=1")  # confirm = "off": no email link to follow
    supporter.context.close()

    page.goto(f"{live_server}/admin/campaigns/{SLUG}")
    assert page.locator("#count-confirmed").inner_text() == "1"
    offices = page.locator("#letters-per-office").inner_text()
    assert "Ottawa Centre" in offices
    assert page.locator('#delivery-states td[data-state="queued"]').first.inner_text() == "1"

    report = Worker(ctx, build_channel(ctx.settings)).run_once()
    assert report.sent >= 1
    letters = [m for _path, m in read_mailbox(ctx.settings.mailbox_path)
               if str(m["Subject"]) == "Fund transit in Ottawa Centre"]
    assert len(letters) == 1 and str(letters[0]["Reply-To"]) == "Noor Haddad <noor@example.com>"
    page.reload()
    assert page.locator('#delivery-states td[data-state="sent"]').first.inner_text() == "1"
