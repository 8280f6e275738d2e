"""An ally's page on another origin embeds the widget with one script tag; a supporter signs inside the frame."""

from __future__ import annotations

import hashlib
import html
import re
import threading
from base64 import b64encode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import render_template
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from advocacy import create_app
from advocacy.models import Action, AllyAction, Delivery
from advocacy.models.base import utcnow
from advocacy.services.allies import create_ally, set_embed_origins

pytestmark = pytest.mark.browser
PETITION = "the-rich-and-the-rest-of-us"
LETTER = "stop-offshoring"  # to the MPP: K1P straddles two provincial ridings


def serve_page(host: str, home: str, *, pages: dict[str, str] | None = None):
    """A minimal site on ``host`` (another loopback address: another origin): a home page, and ``pages`` by path."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = (pages or {}).get(self.path, home).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_port}"


def ally_page(app_url: str, campaign: str = PETITION, *, tag: str = "") -> str:
    tag = tag or (f'<script src="{app_url}/embed.js" data-campaign="{campaign}" data-ally="friends-of-transit" '
                  f'data-lang="en" data-primary="#7a1f5c" async></script>')
    return (f'<!doctype html><html lang="en"><head><title>Friends of Transit</title></head><body>'
            f'<h1>Our campaign page</h1>{tag}</body></html>')


def embed_snippet(application, app_url: str) -> str:
    """The script line of "Embed this" for the ally, as our pages show it (with integrity), our address as host."""
    with application.test_request_context("/"):
        shown = render_template("embed/_snippet.html", campaign=application.extensions["advocacy"].catalog.get(
            PETITION), host=app_url, ally_slug="friends-of-transit")
    return html.unescape(re.search(r'<textarea[^>]*id="embed-script-[^"]*"[^>]*>([^<]*)</textarea>', shown).group(1))


@pytest.fixture
def widget_servers(settings, db):
    application = create_app(settings.with_(embed_min_fill_seconds=0.0))
    app_server = make_server("127.0.0.1", 0, application, threaded=True)
    threading.Thread(target=app_server.serve_forever, daemon=True).start()
    app_url = f"http://127.0.0.1:{app_server.server_port}"
    snippet = embed_snippet(application, app_url)
    assert 'integrity="sha384-' in snippet and 'crossorigin="anonymous"' in snippet
    # The same line with the hash of other bytes: what a browser sees if the script was changed on the way.
    tampered = re.sub(r'integrity="sha384-[^"]+"',
                      f'integrity="sha384-{b64encode(hashlib.sha384(b"other bytes").digest()).decode()}"', snippet)
    allowed, allowed_url = serve_page("127.0.0.2", ally_page(app_url), pages={
        "/letter": ally_page(app_url, LETTER), "/pinned": ally_page(app_url, tag=snippet),
        "/tampered": ally_page(app_url, tag=tampered)})
    other, other_url = serve_page("127.0.0.3", ally_page(app_url))
    with db.transaction() as session:
        create_ally(session, "friends-of-transit", "Friends of Transit", opt_in_wording="Friends of Transit may "
                    "email me.", now=utcnow())
        set_embed_origins(session, "friends-of-transit", [allowed_url])
    yield allowed_url, other_url
    for server in (allowed, other):
        server.shutdown()
        server.server_close()
    app_server.shutdown()
    application.extensions["advocacy"].db.dispose()


def test_a_supporter_signs_inside_the_allys_page_and_the_frame_fits(browser, widget_servers, db):
    allowed_url, _other = widget_servers
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(allowed_url)
    frame_element = page.locator("iframe")
    frame_element.wait_for()
    frame = page.frame_locator("iframe")
    frame.get_by_role("heading", name="The Rich and the Rest of Us").wait_for()
    # The placeholder height is replaced by the widget's own, reported by postMessage.
    page.wait_for_function("document.querySelector('iframe').style.height !== '640px'")
    first_height = frame_element.evaluate("f => f.style.height")

    frame.get_by_label("First name").fill("Maya")
    frame.get_by_label("Last name").fill("Okafor")
    frame.get_by_label("Email address").fill("maya@example.com")
    frame.get_by_label("Postal code").fill("P7B 1A1")
    frame.get_by_label("Friends of Transit may email me.").check()
    frame.get_by_role("button", name="Sign the petition").click()
    frame.get_by_role("heading", name="Thank you for signing").wait_for()
    page.wait_for_function(f"document.querySelector('iframe').style.height !== '{first_height}'")

    with db.transaction() as session:
        action = session.scalars(select(Action)).one()
        attribution = session.get(AllyAction, action.id)
        assert (action.first_name, action.source) == ("Maya", "ally:friends-of-transit")
        assert attribution.opt_in and attribution.opt_in_wording == "Friends of Transit may email me."
    page.close()


def test_a_site_not_on_the_list_cannot_frame_the_widget(browser, widget_servers):
    _allowed, other_url = widget_servers
    page = browser.new_page()
    page.goto(other_url)
    frame = page.locator("iframe").element_handle().content_frame()
    frame.wait_for_load_state()
    # Chromium replaces a frame refused by frame-ancestors with its own error page.
    assert frame.url.startswith("chrome-error://"), frame.url
    assert "Sign the petition" not in frame.content()
    assert page.locator("iframe").evaluate("f => f.style.height") == "640px"  # no height message ever came
    page.close()


def test_a_supporter_chooses_their_riding_inside_the_allys_page(browser, widget_servers, db):
    allowed_url, _other = widget_servers
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(allowed_url + "/letter")
    frame = page.frame_locator("iframe")
    frame.get_by_label("First name").fill("Maya")
    frame.get_by_label("Last name").fill("Okafor")
    frame.get_by_label("Email address").fill("maya@example.com")
    frame.get_by_label("Postal code").fill("K1P 5J2")
    frame.get_by_role("button", name="Preview my letter").click()
    frame.get_by_role("heading", name="Which is your MPP's riding?").wait_for()
    frame.get_by_label("Kanata—Carleton (Jordan Demo-Singh)").check()
    frame.get_by_role("group", name="Which is your MPP's riding?").get_by_role("button", name="Use this riding").click()
    expect(frame.get_by_text("Dear Jordan Demo-Singh,")).to_be_visible()
    frame.get_by_role("button", name="Send my letter to 2 representatives").click()
    frame.get_by_role("heading", name="Check your email").wait_for()

    with db.transaction() as session:
        mpp = session.scalars(select(Delivery).where(Delivery.recipient_office == "MPP")).one()
        assert (mpp.recipient_name, mpp.match) == ("Jordan Demo-Singh", "chosen")
    page.close()


def test_the_snippet_with_integrity_loads_the_widget_from_another_site(browser, widget_servers):
    allowed_url, _other = widget_servers
    page = browser.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "integrity" in message.text else None)
    page.goto(allowed_url + "/pinned")
    frame = page.frame_locator("iframe")
    frame.get_by_role("heading", name="The Rich and the Rest of Us").wait_for()
    page.wait_for_function("document.querySelector('iframe').style.height !== '640px'")  # it talks to its frame
    assert refused == []
    page.close()


def test_a_script_that_does_not_match_its_integrity_is_refused(browser, widget_servers):
    allowed_url, _other = widget_servers
    page = browser.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "integrity" in message.text else None)
    page.goto(allowed_url + "/tampered")
    page.wait_for_load_state("networkidle")
    # Chromium blocks the script and says why: it never ran, so no frame was made.
    assert any("Failed to find a valid digest in the 'integrity' attribute" in text for text in refused), refused
    assert page.locator("iframe").count() == 0
    page.close()
