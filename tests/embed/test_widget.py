"""The widget a supporter meets inside an ally's page: framing, the cookieless form, attribution, CORS, theme."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from advocacy.models import Action, AllyAction
from advocacy.models.base import utcnow
from advocacy.services.embed_tokens import issue_embed_token

from .conftest import ALLY_SITE, LETTER, PETITION, PRIVATE, SUPPORTER, WORDING, make_ally, post_widget, widget_token

WIDGET = f"/embed/{PETITION}?ally=friends-of-transit&origin={ALLY_SITE}"


def csp(response) -> str:
    return response.headers.get("Content-Security-Policy", "")


def stored(db):
    with db.transaction() as session:
        return [(a.campaign_slug, a.source, a.first_name) for a in session.scalars(select(Action))]


def test_only_the_campaigns_and_allys_sites_may_frame_the_widget(client, ally):
    framed = client.get(WIDGET)
    assert framed.status_code == 200
    assert "frame-ancestors 'self' https://friends.example.org" in csp(framed)
    assert "frame-ancestors 'self'" in csp(client.get(f"/embed/{PETITION}")) and ALLY_SITE not in csp(
        client.get(f"/embed/{PETITION}"))
    assert ALLY_SITE not in csp(client.get(f"/campaigns/{PETITION}"))  # every other page keeps its default


def test_height_messages_go_only_to_an_allowed_host_page(client, ally):
    assert f'data-parent-origin="{ALLY_SITE}"' in client.get(WIDGET).get_data(as_text=True)
    other = client.get(f"/embed/{PETITION}?ally=friends-of-transit&origin=https://elsewhere.example")
    assert 'data-parent-origin=""' in other.get_data(as_text=True)


def test_unknown_allies_drafts_and_private_campaigns_without_an_ally_are_not_found(client, db, ally):
    make_ally(db, "one-cause", campaigns=(LETTER,))
    assert client.get(f"/embed/{PETITION}?ally=nobody").status_code == 404
    assert client.get(f"/embed/{PETITION}?ally=one-cause").status_code == 404  # not allowed this campaign
    assert client.get(f"/embed/{PRIVATE}").status_code == 404
    assert client.get(f"/embed/{PRIVATE}?ally=friends-of-transit").status_code == 200  # allowed every campaign


def test_signing_through_the_widget_records_the_ally_and_its_opt_in(quick_client, db, ally):
    response = post_widget(quick_client, WIDGET, {**SUPPORTER, "ally_opt_in": "y"})
    assert response.status_code == 303
    assert f"/embed/{PETITION}/thanks" in response.headers["Location"]
    assert "ally=friends-of-transit" in response.headers["Location"]
    thanks = quick_client.get(response.headers["Location"])
    assert "Thank you for signing" in thanks.get_data(as_text=True)
    assert stored(db) == [(PETITION, "ally:friends-of-transit", "Bo")]
    with db.transaction() as session:
        attribution = session.scalars(select(AllyAction)).one()
        assert (attribution.opt_in, attribution.opt_in_wording, attribution.key_prefix) == (True, WORDING, "")


def test_the_allys_opt_in_is_offered_in_its_own_words_and_not_ticked(client, ally):
    page = client.get(WIDGET).get_data(as_text=True)
    assert WORDING in page
    assert 'id="ally_opt_in" name="ally_opt_in" type="checkbox"' in page


def test_no_widget_response_sets_a_cookie(quick_client, ally):
    responses = [quick_client.get(WIDGET), quick_client.get("/embed.js"), quick_client.get(f"/embed/{PETITION}/count")]
    posted = post_widget(quick_client, WIDGET, SUPPORTER)
    responses += [posted, quick_client.get(posted.headers["Location"]),
                  post_widget(quick_client, WIDGET, {**SUPPORTER, "email": "not an address"}),
                  post_widget(quick_client, WIDGET, SUPPORTER, token="forged")]
    for response in responses:
        assert "Set-Cookie" not in response.headers, response.request.path


def test_a_forged_token_is_refused_and_the_supporters_input_is_kept(quick_client, db, ally):
    response = post_widget(quick_client, WIDGET, SUPPORTER, token="eyJmb3JnZWQiOnRydWV9.bad")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This form could not be checked. Please press the button again." in page
    assert 'value="bo@example.com"' in page and 'value="Li"' in page
    assert stored(db) == []


def test_an_expired_token_is_refused_with_a_fresh_one(quick_app, quick_client, db, ally):
    old = issue_embed_token(quick_app.config["SECRET_KEY"], PETITION, "friends-of-transit",
                            now=utcnow() - timedelta(hours=3))
    response = post_widget(quick_client, WIDGET, SUPPORTER, token=old)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "was open for a long time" in page
    assert old not in page and 'name="embed_token"' in page
    assert stored(db) == []


def test_a_form_sent_faster_than_a_person_types_is_refused(client, db, ally):
    token = widget_token(client, WIDGET)
    response = post_widget(client, WIDGET, SUPPORTER, token=token)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "quicker than we expected" in page
    assert token in page and 'value="Bo"' in page  # the same token: a little later it goes through
    assert stored(db) == []


def test_a_filled_honeypot_is_refused(quick_client, db, ally):
    assert post_widget(quick_client, WIDGET, {**SUPPORTER, "website": "spam"}).status_code == 400
    assert stored(db) == []


def test_posts_from_other_sites_are_refused(quick_client, db, ally):
    for origin, site in ((ALLY_SITE, "cross-site"), ("http://localhost", "cross-site"), (ALLY_SITE, None),
                         ("", "same-origin"), ("http://localhost", "same-site")):
        response = post_widget(quick_client, WIDGET, SUPPORTER, origin=origin, site=site)
        assert response.status_code == 403, (origin, site)
        assert "can only be sent from its own page" in response.get_data(as_text=True)
    assert stored(db) == []


def test_a_sandboxed_frame_without_same_origin_is_told_what_is_wrong(quick_client, db, ally):
    response = post_widget(quick_client, WIDGET, SUPPORTER, origin="null", site="cross-site")
    assert response.status_code == 403
    assert "frames our form in a way that stops it from being sent" in response.get_data(as_text=True)
    assert 'value="Bo"' in response.get_data(as_text=True)


def test_old_browsers_without_fetch_metadata_can_sign(quick_client, db, ally):
    assert post_widget(quick_client, WIDGET, SUPPORTER, site=None).status_code == 303
    assert len(stored(db)) == 1


def test_a_letter_through_the_widget_previews_then_sends_with_attribution(quick_client, db, ally):
    url = f"/embed/{LETTER}?ally=friends-of-transit"
    token = widget_token(quick_client, url)
    preview = post_widget(quick_client, url, {**SUPPORTER, "intent": "preview"}, token=token)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Check your letter" in page and "Send my letter to" in page
    sent = post_widget(quick_client, url, {**SUPPORTER, "intent": "send"}, token=token)
    assert sent.status_code == 303 and "check=1" in sent.headers["Location"]
    with db.transaction() as session:
        action = session.scalars(select(Action)).one()
        assert (action.kind, action.status, action.source) == ("letter", "pending", "ally:friends-of-transit")
        assert session.get(AllyAction, action.id).ally_id is not None


def test_cors_only_on_public_reads_and_the_count(client, ally):
    count = client.get(f"/embed/{PETITION}/count")
    assert count.status_code == 200 and count.json["goal"] == 10000
    assert count.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get(f"/embed/{PRIVATE}/count").status_code == 404  # a private count is never published
    assert client.get("/api/v1/campaigns").headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get(WIDGET).headers
    assert "Access-Control-Allow-Origin" not in post_widget(client, WIDGET, SUPPORTER).headers
    api_post = client.post(f"/api/v1/campaigns/{PETITION}/signatures", json=SUPPORTER)
    assert "Access-Control-Allow-Origin" not in api_post.headers


def test_the_theme_takes_only_readable_colours_and_font_names(client):
    css = client.get("/embed/theme.css?primary=%23AA0000&font=Georgia,serif").get_data(as_text=True)
    assert "--brand: #aa0000;" in css and '--font: "Georgia", serif, sans-serif;' in css
    hostile = client.get("/embed/theme.css", query_string={
        "primary": "red;}body{background:url(//evil)", "font": "x;}*{display:none", "text": "#fff"})
    assert hostile.get_data(as_text=True) == ":root {\n\n}\n"  # white text on white: unreadable, dropped
    assert "--brand" not in client.get("/embed/theme.css?primary=%23ffff00").get_data(as_text=True)  # low contrast


def test_embed_js_is_served_as_a_script(client):
    response = client.get("/embed.js")
    assert response.status_code == 200 and "javascript" in response.mimetype
    assert "advocacy:height" in response.get_data(as_text=True)


def test_the_campaign_page_offers_the_embed_snippet(client):
    page = client.get(f"/campaigns/{PETITION}").get_data(as_text=True)
    assert "Embed this on your site" in page
    assert re.search(r'&lt;script src="http://campaigns\.test/embed\.[0-9a-f]{12}\.js" integrity="sha384-[^"]+" '
                     rf'crossorigin="anonymous" data-campaign="{PETITION}" data-lang="en" async&gt;&lt;/script&gt;',
                     page)
    assert f'&lt;iframe src="http://campaigns.test/embed/{PETITION}"' in page
    assert "Embed this" not in client.get(f"/campaigns/{PRIVATE}").get_data(as_text=True)
