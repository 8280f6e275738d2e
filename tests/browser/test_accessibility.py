"""axe-core (WCAG 2.0/2.1 A and AA rules) on every public page and form state, in English and French.

Each page is also photographed at 320 px and 1280 px wide into tests/artifacts/ for a person to look at,
and must not scroll sideways at 320 px.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .test_forms_in_browser import fill_details

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
PREFIXES = {"en": "", "fr": "/fr"}


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def check_page(page, axe, name: str) -> None:
    """No axe violations; no sideways scrolling at 320 px or at 200 % zoom of a 1280 px window (640 CSS px)."""
    ARTIFACTS.mkdir(exist_ok=True)
    problems = []
    for width in (320, 640, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        if width != 640:
            page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        if width < 1280 and not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
            problems.append(f"scrolls sideways at {width} px")
        results = axe.run(page, options=AXE_OPTIONS)
        for violation in results.response["violations"]:
            targets = [", ".join(node["target"]) for node in violation["nodes"]][:3]
            problems.append(f"{width}px {violation['id']}: {violation['help']} at {targets}")
    assert not problems, f"{name}: " + "; ".join(problems)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_campaign_list_and_campaign_pages(page, live_server, axe, lang):
    prefix = live_server + PREFIXES[lang]
    page.goto(prefix + "/")
    check_page(page, axe, f"index-{lang}")
    page.goto(prefix + "/campaigns/the-rich-and-the-rest-of-us")
    check_page(page, axe, f"petition-{lang}")
    page.goto(prefix + "/campaigns/stop-offshoring")
    check_page(page, axe, f"letter-{lang}")
    page.goto(prefix + "/campaigns/no-such-campaign")
    check_page(page, axe, f"not-found-{lang}")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_form_error_states(page, live_server, axe, lang):
    prefix = live_server + PREFIXES[lang]
    for slug, name in (("the-rich-and-the-rest-of-us", "petition"), ("stop-offshoring", "letter")):
        page.goto(f"{prefix}/campaigns/{slug}")
        page.locator("form.action-form button[type=submit]").first.click()
        page.wait_for_selector("[data-error-summary]")
        check_page(page, axe, f"{name}-errors-{lang}")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_preview_thanks_and_link_pages(page, live_server, axe, lang):
    prefix = live_server + PREFIXES[lang]
    page.goto(f"{prefix}/campaigns/stop-offshoring")
    fill_details(page, "Maya", "Okafor", "maya@example.com", "M5V 3L9") if lang == "en" else _fill_by_id(page)
    page.locator("form.action-form button[type=submit]").first.click()
    page.wait_for_selector("textarea")
    check_page(page, axe, f"preview-{lang}")
    page.locator("button[name=intent][value=send]").click()
    page.wait_for_url(re.compile(r".*/thanks.*"))
    check_page(page, axe, f"thanks-{lang}")
    page.goto(f"{prefix}/confirm/not-a-real-token")
    check_page(page, axe, f"confirm-bad-link-{lang}")
    page.goto(f"{prefix}/unsubscribe/not-a-real-token")
    check_page(page, axe, f"unsubscribe-bad-link-{lang}")


def _fill_by_id(page) -> None:
    # The French page's labels are in French; the fields keep their ids.
    for field, value in (("first_name", "Maya"), ("last_name", "Okafor"), ("email", "maya@example.com"),
                         ("postal_code", "M5V 3L9")):
        page.locator(f"#{field}").fill(value)


def test_lookup_and_preview_work_with_javascript_off(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server}/campaigns/stop-offshoring")
    fill_details(page, "Maya", "Okafor", "maya@example.com", "M5V 3L9")
    page.get_by_role("button", name="Preview my letter").click()
    assert page.get_by_role("heading", name="Check your letter").is_visible()
    assert "Spadina" in page.content()  # the representatives were found on the server
    context.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_confirmation_page_and_its_result(page, live_server, axe, db, lang):
    from sqlalchemy import select

    from advocacy.models import Delivery

    prefix = live_server + PREFIXES[lang]
    page.goto(f"{prefix}/campaigns/stop-offshoring")
    _fill_by_id(page)
    page.locator("form.action-form button[type=submit]").first.click()
    page.locator("button[name=intent][value=send]").click()
    page.wait_for_url(re.compile(r".*/thanks.*"))
    with db.transaction() as session:
        body = session.scalars(select(Delivery.body).where(Delivery.kind == "confirmation")).first()
    link = re.search(r"/confirm/[A-Za-z0-9_-]+", body).group(0)
    page.goto(prefix + link)
    check_page(page, axe, f"confirm-{lang}")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("load")
    check_page(page, axe, f"confirmed-{lang}")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_widget_pages_and_error_state(page, live_server, axe, lang):
    for slug, name in (("the-rich-and-the-rest-of-us", "petition"), ("stop-offshoring", "letter")):
        page.goto(f"{live_server}/embed/{slug}?lang={lang}")
        check_page(page, axe, f"widget-{name}-{lang}")
        page.locator("form.action-form button[type=submit]").first.click()
        page.wait_for_selector("[data-error-summary]")
        check_page(page, axe, f"widget-{name}-errors-{lang}")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_admin_sign_in_and_its_error_state(page, live_server, axe, lang):
    page.goto(f"{live_server}/admin/login?lang={lang}")
    check_page(page, axe, f"admin-login-{lang}")
    page.locator("#email").fill("nobody@union.test")
    page.locator("#password").fill("not the right password")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    check_page(page, axe, f"admin-login-refused-{lang}")
