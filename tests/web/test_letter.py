"""Writing a letter: preview who gets it and what they read, edit, send; the outbox gets one row per office."""

from __future__ import annotations

from sqlalchemy import func, select

from advocacy.models import Action, Delivery

from ..conftest import post_form

URL = "/campaigns/stop-offshoring"
ME = {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com", "postal_code": "k1p5j2"}


def deliveries(db) -> list[Delivery]:
    with db.transaction() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def test_letter_page_asks_for_details_first(client):
    page = client.get(URL).get_data(as_text=True)
    assert "Write to your MPP" in page
    assert "Preview my letter" in page


def test_preview_shows_recipients_and_exact_text_without_storing_anything(client, db):
    response = post_form(client, URL, {**ME, "intent": "preview"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sam Demo-Tremblay</strong>, MPP, Ottawa Centre" in page
    assert "Emerson Demo-Service</strong>, Minister of Public and Business Service Delivery" in page
    assert "Dear Sam Demo-Tremblay," in page and "Dear Emerson Demo-Service," in page
    assert "Sincerely,\nBo Li\nK1P 5J2\nbo@example.com" in page
    assert "Send my letter to 2 representatives" in page
    assert 'name="subject"' in page and 'name="body"' in page  # the campaign lets supporters edit
    assert deliveries(db) == []


def test_sending_creates_the_letter_and_one_delivery_per_office_together(client, db):
    response = post_form(client, URL, {**ME, "intent": "send"})
    assert response.status_code == 303
    assert "Check your email" in client.get(response.location).get_data(as_text=True)
    rows = [d for d in deliveries(db) if d.kind == "letter"]
    assert sorted(d.recipient_email for d in rows) == [
        "minister.service-delivery@demo.invalid", "mpp.ottawa-centre@demo.invalid"]
    assert {d.status for d in rows} == {"held"}  # until the supporter confirms
    assert len({d.message_id for d in rows}) == 2
    assert all(d.reply_to_address == "bo@example.com" and d.reply_to_name == "Bo Li" for d in rows)
    mpp = next(d for d in rows if d.recipient_office == "MPP")
    assert (mpp.recipient_district, mpp.match) == ("Ottawa Centre", "postal area")
    with db.transaction() as session:
        action = session.scalars(select(Action)).one()
        assert (action.kind, action.district, action.postal_code) == ("letter", "Ottawa Centre", "K1P5J2")


def test_edited_text_is_sent_verbatim(client, db):
    edits = {"subject": "My own subject {{ 7*7 }}", "body": "In my own words: {{ supporter.name }} <b>hi</b>"}
    preview = post_form(client, URL, {**ME, **edits, "intent": "preview"}).get_data(as_text=True)
    assert "In my own words: {{ supporter.name }} &lt;b&gt;hi&lt;/b&gt;" in preview
    post_form(client, URL, {**ME, **edits, "intent": "send"})
    for row in [d for d in deliveries(db) if d.kind == "letter"]:
        assert row.subject == "My own subject {{ 7*7 }}"
        assert "In my own words: {{ supporter.name }} <b>hi</b>" in row.body
        assert row.body.startswith("Dear ")


def test_over_long_letter_is_refused_beside_the_field(client, db):
    response = post_form(client, URL, {**ME, "subject": "Hi", "body": "x" * 5001, "intent": "send"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "keep it under 5,000" in page and 'href="#body"' in page
    assert deliveries(db) == []


def test_unknown_postal_area_is_explained_and_the_riding_can_be_chosen(client, db):
    response = post_form(client, URL, {**ME, "postal_code": "X0A 0A0", "intent": "send"})
    page = response.get_data(as_text=True)
    assert "have representatives for the postal area X0A yet" in page
    assert "Choose your MPP's riding" in page and "Send my letter" not in page
    assert '<option value="provincial:ottawa-centre" >Ottawa Centre (Sam Demo-Tremblay)</option>' in page
    assert deliveries(db) == []
    chosen = post_form(client, URL, {**ME, "postal_code": "X0A 0A0", "intent": "preview",
                                      "district_provincial_any": "provincial:ottawa-centre"})
    assert "Send my letter to 2 representatives" in chosen.get_data(as_text=True)
    post_form(client, URL, {**ME, "postal_code": "X0A 0A0", "intent": "send",
                            "district_provincial": "provincial:ottawa-centre"})
    mpp = next(d for d in deliveries(db) if d.recipient_office == "MPP")
    assert (mpp.recipient_name, mpp.match, mpp.confidence) == ("Sam Demo-Tremblay", "chosen", "high")


def test_ambiguous_postal_area_offers_the_candidates_and_not_your_riding(client, db):
    page = post_form(client, URL, {**ME, "intent": "preview"}).get_data(as_text=True)
    # K1P straddles two provincial ridings in the directory: both are offered, the likelier one checked.
    assert "Which is your MPP's riding?" in page
    assert 'value="provincial:ottawa-centre" checked' in page
    assert "Kanata—Carleton (Jordan Demo-Singh)" in page
    assert "Not your riding? Choose it" in page
    other = post_form(client, URL, {**ME, "intent": "send", "district_provincial": "provincial:kanata-carleton"})
    assert other.status_code == 303
    mpp = next(d for d in deliveries(db) if d.recipient_office == "MPP")
    assert (mpp.recipient_name, mpp.match) == ("Jordan Demo-Singh", "chosen")


def test_a_certain_match_still_offers_not_your_riding(client):
    page = post_form(client, "/campaigns/no-to-bill-c-377", {**ME, "intent": "preview"}).get_data(as_text=True)
    assert "Which is your" not in page  # K1P has one federal riding
    assert "Not your riding? Choose it" in page
    assert 'name="district_federal" value="federal:ottawa-centre"' in page


def test_change_my_details_goes_back_to_the_form_with_answers(client):
    page = post_form(client, URL, {**ME, "intent": "edit"}).get_data(as_text=True)
    assert "Preview my letter" in page and 'value="Bo"' in page


def test_each_send_is_a_new_letter(client, db):
    post_form(client, URL, {**ME, "intent": "send"})
    post_form(client, URL, {**ME, "intent": "send"})
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 2
    assert len([d for d in deliveries(db) if d.kind == "letter"]) == 4


def test_nothing_is_sent_inside_the_request(client, ctx):
    post_form(client, URL, {**ME, "intent": "send"})
    assert not ctx.settings.mailbox_path.exists() or not any(ctx.settings.mailbox_path.iterdir())
