"""Every XSS vector in every field shown back, on every page that shows it, in headless Chromium: none runs.

The vectors go in as people put them in (tests/proof/xss_seed.py: the editor form, the public forms with
``?source=``, the hold form; services where a form refuses the value). Then one tab opens each page that shows
them — public campaign and thanks pages, the widget (with each ally's name and opt-in wording), the editor's
preview (the public page in its sandboxed frame, and the letters), the dashboards, the review queue, each person's
page, the audit log and the allies page — and counts two things: dialogs (every vector calls alert()) and
elements the markup would have made (an ``img src=x``, an ``on…`` attribute, a ``javascript:`` address...).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from advocacy.models import Action

from ..admin.conftest import light_password_hashing, make_staff, next_code, staff_client  # noqa: F401 - fixtures
from ..conftest import csrf_token, make_settings
from ..proof.xss_seed import (
    LETTER,
    PETITION,
    Seeded,
    ally_slug,
    campaign_slug,
    seed_allies,
    seed_campaigns,
    seed_supporters,
)
from ..proof.xss_vectors import XSS_VECTORS

pytestmark = pytest.mark.browser

# What the vectors' markup makes when a page forgets to escape it: none of it belongs on any of our pages.
INJECTED_SELECTORS = [
    "img[src='x']", "svg[onload]", "iframe[src^='javascript']", "a[href^='javascript']", "a[href^='data:']",
    "[onerror]", "[onload]", "[onfocus]", "[ontoggle]", "[onstart]", "[formaction^='javascript']", "object", "embed",
    "isindex", "marquee", "base", "meta[http-equiv='refresh']", "link[rel='import']", "script:not([src])",
    "[style*='javascript']", "body body", "noscript img",
]
INJECTED = ", ".join(INJECTED_SELECTORS)


@pytest.fixture
def settings(tmp_path):
    (tmp_path / "instance").mkdir()
    # Hundreds of posts from one address; the widget may be posted as soon as it loads.
    return make_settings(tmp_path, rate_limits=False, embed_min_fill_seconds=0.0)


class Watch:
    """One tab's dialogs, and the injected elements found on each page it opened."""

    def __init__(self, page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.injected: list[str] = []
        self.pages = 0
        page.on("dialog", lambda dialog: (self.dialogs.append(f"{page.url}: {dialog.message}"), dialog.dismiss()))

    def check(self, what: str) -> None:
        self.page.wait_for_load_state("load")
        self.pages += 1
        for frame in self.page.frames:  # the editor's preview frame too
            found = frame.locator(INJECTED).count()
            if found:
                which = [s for s in INJECTED_SELECTORS if frame.locator(s).count()]
                self.injected.append(f"{what} ({frame.url[:80]}): {found} {which}")

    def open(self, url: str, what: str) -> None:
        self.page.goto(url)
        self.check(what)


@pytest.fixture
def seeded(app, ctx, db, client, staff_client) -> Seeded:  # noqa: F811 - the fixture imported above
    result = Seeded()
    editor = staff_client("admin")
    seed_campaigns(editor, result)
    seed_allies(ctx)
    seed_supporters(client, ctx, result)
    # Staff hold each letter with the vector as the reason: shown in the review queue and the audit log.
    with ctx.db.transaction() as session:
        letters = session.scalars(select(Action.id).where(Action.campaign_slug == LETTER, Action.kind == "letter")
                                  .order_by(Action.id)).all()
    token = csrf_token(editor, "/admin/reviews")
    for action_id, vector in zip(letters, XSS_VECTORS, strict=False):
        response = editor.post(f"/admin/actions/{action_id}/hold", data={"csrf_token": token, "reason": vector[:200]})
        assert response.status_code == 302
    return result


def test_the_watch_sees_a_vector_that_runs(page):
    """The harness itself: on a page that does not escape (no server, no CSP), it sees both signs."""
    watch = Watch(page)
    page.set_content(f"<main>{XSS_VECTORS[2]}<svg onload=alert(3)></svg></main>")
    watch.check("unescaped")
    assert watch.dialogs and watch.injected


def sign_in(page, live_server: str, db) -> None:
    staff, password = make_staff(db, "admin")
    page.goto(f"{live_server}/admin/login")
    page.get_by_label("Email address").fill(staff.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Authentication code").fill(next_code(db, staff.id))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/**")


def test_no_vector_runs_on_any_page_that_shows_it(page, live_server, seeded, ctx, db):
    watch = Watch(page)
    for index in range(len(XSS_VECTORS)):
        slug = campaign_slug(index)
        watch.open(f"{live_server}/campaigns/{slug}", f"campaign page {index}")
        assert page.locator("h1").first.inner_text() == XSS_VECTORS[index].strip()  # shown, as text
        watch.open(f"{live_server}/campaigns/{slug}/thanks", f"thanks page {index}")
        watch.open(f"{live_server}/embed/{slug}", f"widget {index}")
        watch.open(f"{live_server}/embed/{PETITION}?ally={ally_slug(index)}&source=x", f"ally widget {index}")
        watch.open(f"{live_server}/embed/{PETITION}/thanks?ally={ally_slug(index)}", f"ally widget thanks {index}")

    sign_in(page, live_server, db)
    for path, what in [("/admin/campaigns", "dashboard index"), (f"/admin/campaigns/{PETITION}", "sources"),
                       (f"/admin/campaigns/{LETTER}", "letter dashboard"), ("/admin/editor/", "editor index"),
                       ("/admin/reviews", "review queue"), ("/admin/allies", "allies"),
                       ("/admin/audit", "audit log"), ("/admin/audit?page=2", "audit log 2"),
                       ("/admin/audit?action=review", "audit log, holds")]:
        watch.open(live_server + path, what)
    with ctx.db.transaction() as session:
        people = session.scalars(select(Action.supporter_id).where(Action.campaign_slug.in_([PETITION, LETTER]))
                                 .distinct()).all()
        held = session.scalars(select(Action.id).where(Action.review == "pending")).all()
    for supporter_id in people:
        watch.open(f"{live_server}/admin/people/{supporter_id}", f"person {supporter_id}")
    for action_id in held[:5]:
        watch.open(f"{live_server}/admin/reviews/{action_id}/edit", f"edit and approve {action_id}")
    for index in range(len(XSS_VECTORS)):
        slug = campaign_slug(index)
        watch.open(f"{live_server}/admin/allies?ally={ally_slug(index)}&campaign={slug}#snippet", f"snippet {index}")
        watch.open(f"{live_server}/admin/campaigns/{slug}", f"dashboard {index}")
        page.goto(f"{live_server}/admin/editor/new?from={slug}")  # the editor, filled with the campaign's text
        page.get_by_role("button", name="Preview without saving").click()
        watch.check(f"editor preview {index}")
        assert page.locator("iframe.preview-frame").count() == 1

    assert watch.pages > 300
    assert watch.dialogs == []
    assert watch.injected == []
