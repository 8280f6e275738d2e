"""Choosing one's riding inside the widget, as on the public preview: a postal code that straddles ridings
offers the candidates, any riding can be chosen from the full list, and a code no source knows gets the list."""

from __future__ import annotations

from sqlalchemy import select

from advocacy.models import Action, Delivery

from .conftest import SUPPORTER, post_widget, widget_token

URL = "/embed/stop-offshoring?ally=friends-of-transit"  # to the MPP (and a minister): K1P straddles two ridings
UNKNOWN = {**SUPPORTER, "postal_code": "X0A 0A0"}


def mpp_letters(db) -> list[tuple[str, str, str]]:
    with db.transaction() as session:
        return [(d.recipient_name, d.match, d.confidence) for d in session.scalars(
            select(Delivery).where(Delivery.kind == "letter", Delivery.recipient_office == "MPP"))]


def test_a_postal_code_across_ridings_offers_the_candidates_in_the_widget(quick_client, ally):
    preview = post_widget(quick_client, URL, {**SUPPORTER, "intent": "preview"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Which is your MPP's riding?" in page
    assert 'value="provincial:ottawa-centre" checked' in page  # the likelier one, in use until they choose
    assert "Kanata—Carleton (Jordan Demo-Singh)" in page
    assert "Not your riding? Choose it" in page and 'name="district_provincial_any"' in page
    assert "Choose your riding on our site" not in page  # no need to leave the ally's page
    assert "Set-Cookie" not in preview.headers
    assert "frame-ancestors 'self' https://friends.example.org" in preview.headers["Content-Security-Policy"]


def test_the_chosen_riding_gets_the_letter(quick_client, db, ally):
    token = widget_token(quick_client, URL)
    chosen = post_widget(quick_client, URL, {**SUPPORTER, "intent": "preview",
                                             "district_provincial": "provincial:kanata-carleton"}, token=token)
    page = chosen.get_data(as_text=True)
    assert "Jordan Demo-Singh</strong>, MPP, Kanata—Carleton" in page and "Dear Jordan Demo-Singh," in page
    assert 'value="provincial:kanata-carleton" checked' in page  # the choice is kept for sending
    sent = post_widget(quick_client, URL, {**SUPPORTER, "intent": "send",
                                           "district_provincial": "provincial:kanata-carleton"}, token=token)
    assert sent.status_code == 303 and "/embed/stop-offshoring/thanks" in sent.headers["Location"]
    assert mpp_letters(db) == [("Jordan Demo-Singh", "chosen", "high")]
    with db.transaction() as session:
        assert session.scalars(select(Action.source)).one() == "ally:friends-of-transit"
    assert "Set-Cookie" not in chosen.headers and "Set-Cookie" not in sent.headers


def test_an_unknown_postal_code_gets_the_chooser_and_the_letter_goes_to_the_chosen_riding(quick_client, db, ally):
    token = widget_token(quick_client, URL)
    unknown = post_widget(quick_client, URL, {**UNKNOWN, "intent": "send"}, token=token)
    page = unknown.get_data(as_text=True)
    assert unknown.status_code == 200
    assert "have representatives for the postal area X0A yet" in page
    assert "Choose your MPP's riding" in page and "Send my letter" not in page
    assert '<option value="provincial:ottawa-centre" >Ottawa Centre (Sam Demo-Tremblay)</option>' in page
    assert 'name="postal_code" value="X0A0A0"' in page  # the supporter's details go along with the choice
    assert mpp_letters(db) == []
    chosen = post_widget(quick_client, URL, {**UNKNOWN, "intent": "preview",
                                             "district_provincial_any": "provincial:ottawa-centre"}, token=token)
    assert "Send my letter to 2 representatives" in chosen.get_data(as_text=True)
    sent = post_widget(quick_client, URL, {**UNKNOWN, "intent": "send",
                                           "district_provincial": "provincial:ottawa-centre"}, token=token)
    assert sent.status_code == 303
    assert mpp_letters(db) == [("Sam Demo-Tremblay", "chosen", "high")]
    for response in (unknown, chosen, sent):
        assert "Set-Cookie" not in response.headers


def test_the_supporters_own_words_wait_while_they_choose(quick_client, ally):
    token = widget_token(quick_client, URL)
    words = {"subject": "In my words", "body": "Please keep these jobs here."}
    unknown = post_widget(quick_client, URL, {**UNKNOWN, **words, "intent": "preview"}, token=token)
    page = unknown.get_data(as_text=True)
    assert 'name="subject" value="In my words"' in page and 'name="body" value="Please keep these jobs here."' in page
    chosen = post_widget(quick_client, URL, {**UNKNOWN, **words, "intent": "preview",
                                             "district_provincial_any": "provincial:ottawa-centre"}, token=token)
    assert "Please keep these jobs here." in chosen.get_data(as_text=True)


def test_a_choice_sent_from_another_site_is_refused(quick_client, db, ally):
    choice = {**SUPPORTER, "intent": "send", "district_provincial": "provincial:kanata-carleton"}
    refused = post_widget(quick_client, URL, choice, origin="https://friends.example.org", site="cross-site")
    assert refused.status_code == 403 and "can only be sent from its own page" in refused.get_data(as_text=True)
    forged = post_widget(quick_client, URL, choice, token="forged")
    assert forged.status_code == 400
    assert mpp_letters(db) == []


def test_the_widget_preview_is_the_public_preview_with_an_update_button(quick_client, ally):
    # The widget and the public page share one preview (templates/_partials/letter_preview.html).
    token = widget_token(quick_client, URL)
    words = {"subject": "In my words", "body": "Please keep these jobs here.", "intent": "preview",
             "district_provincial": "provincial:ottawa-centre"}
    page = post_widget(quick_client, URL, {**SUPPORTER, **words}, token=token).get_data(as_text=True)
    assert 'name="intent" value="preview">Update the preview</button>' in page
    assert "Please keep these jobs here." in page
