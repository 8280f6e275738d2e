"""A person signs a petition and sends a letter through the real forms in headless Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from advocacy.channels import build_channel
from advocacy.channels.mailbox import read_mailbox
from advocacy.worker import Worker

pytestmark = pytest.mark.browser


def fill_details(page, first: str, last: str, email: str, postal_code: str) -> None:
    """Type the supporter's details the way a person does, finding each field by its visible label."""
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Postal code").fill(postal_code)


def test_sign_petition_then_send_letter_and_it_arrives(page, live_server, ctx):
    page.goto(f"{live_server}/campaigns/the-rich-and-the-rest-of-us")
    fill_details(page, "Maya", "Okafor", "maya@example.com", "p7b 1a1")
    page.get_by_role("button", name="Sign the petition").click()
    page.wait_for_url("**/thanks")
    assert page.get_by_role("heading", name="Thank you for signing").is_visible()
    assert "1 of 10,000 signatures" in page.locator(".progress-label").inner_text()

    page.goto(f"{live_server}/campaigns/stop-offshoring")
    fill_details(page, "Maya", "Okafor", "maya@example.com", "M5V 3L9")
    page.get_by_role("button", name="Preview my letter").click()
    assert page.get_by_role("heading", name="Check your letter").is_visible()
    page.get_by_label("Your letter").fill("I work in public IT in Toronto, and offshoring has cost my team its jobs.")
    page.get_by_role("button", name="Send my letter to 2 representatives").click()
    page.wait_for_url("**/thanks?sent=2&check=1")
    assert page.get_by_role("heading", name="Check your email").is_visible()

    worker = Worker(ctx, build_channel(ctx.settings))
    worker.run_once()  # the two confirmation emails (petition and letter); the letters are held
    letter_mail = [m for _path, m in read_mailbox(ctx.settings.mailbox_path)
                   if str(m["Subject"]).startswith("Confirm your letter")]
    assert len(letter_mail) == 1
    link = re.search(r"http://\S+/confirm/\S+", letter_mail[0].get_content()).group(0)
    page.goto(live_server + link[link.index("/confirm/"):])
    page.get_by_role("button", name="Confirm and send my letter").click()
    assert page.get_by_role("heading", name="Thank you: you are confirmed").is_visible()

    report = worker.run_once()
    assert report.sent == 3  # the letter to each office, and the receipt
    received = {str(m["To"]): m for _path, m in read_mailbox(ctx.settings.mailbox_path)}
    mpp = received["Alex Demo-Martin <mpp.spadina-fort-york@demo.invalid>"]
    assert str(mpp["Reply-To"]) == "Maya Okafor <maya@example.com>"
    assert "offshoring has cost my team its jobs" in mpp.get_content()


def test_error_summary_takes_focus_and_links_to_the_field(page, live_server):
    page.goto(f"{live_server}/campaigns/the-rich-and-the-rest-of-us")
    page.get_by_label("Postal code").fill("Z9Z 9Z9")
    page.get_by_role("button", name="Sign the petition").click()
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    # The deferred script moves focus once the page has loaded: wait for it rather than race it.
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Enter your first name").click()
    assert page.evaluate("document.activeElement.id") == "first_name"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling


def test_letter_page_shows_who_it_goes_to_as_the_postal_code_is_typed(page, live_server):
    page.goto(f"{live_server}/campaigns/no-to-bill-c-377")
    page.get_by_label("Postal code").fill("K1P 5J2")
    # Waits without evaluating page script (the CSP has no 'unsafe-eval', which polling functions need).
    expect(page.locator(".lookup-result")).to_contain_text("Taylor Demo-Roy")
    assert "Your MP: Taylor Demo-Roy (Ottawa Centre)" in page.locator(".lookup-result").inner_text()


def test_choosing_another_riding_in_the_browser(page, live_server):
    page.goto(f"{live_server}/campaigns/stop-offshoring")
    fill_details(page, "Ari", "Nadeau", "ari@example.com", "K1P 5J2")
    page.get_by_role("button", name="Preview my letter").click()
    page.get_by_label("Kanata—Carleton (Jordan Demo-Singh)").check()
    page.get_by_role("button", name="Use this riding").first.click()
    assert page.locator(".recipients").get_by_text("Jordan Demo-Singh").is_visible()
    assert "Dear Jordan Demo-Singh," in page.locator(".letter-body").first.inner_text()
