"""Signing a petition through the public form."""

from __future__ import annotations

from sqlalchemy import func, select

from advocacy.models import Action, Supporter

from ..conftest import post_form

URL = "/campaigns/the-rich-and-the-rest-of-us"
GOOD = {"first_name": "Ann", "last_name": "Lee", "email": "Ann.Lee@Example.com", "postal_code": "m5v 3l9"}


def count(db, model=Action) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_campaign_page_shows_form_progress_and_open_graph(client):
    page = client.get(URL).get_data(as_text=True)
    assert "The Rich and the Rest of Us" in page
    assert 'name="first_name"' in page and 'name="postal_code"' in page
    assert "0</strong> of 10,000 signatures" in page
    assert 'property="og:title"' in page and 'property="og:url" content="http://campaigns.test' in page
    assert 'type="checkbox"' in page and "checked" not in page  # the opt-in is never pre-checked


def test_signing_stores_one_signature_and_thanks(client, db):
    response = post_form(client, URL, GOOD)
    assert response.status_code == 303
    thanks = client.get(response.location).get_data(as_text=True)
    assert "Thank you for signing" in thanks
    assert "1</strong> of 10,000" in thanks
    with db.transaction() as session:
        action = session.scalars(select(Action)).one()
        assert (action.postal_code, action.district, action.opt_in) == ("M5V3L9", "Spadina—Fort York", False)


def test_signing_again_with_other_case_says_already_signed(client, db):
    post_form(client, URL, GOOD)
    again = post_form(client, URL, {**GOOD, "email": "ann.lee@example.COM"}, follow=True)
    assert again.status_code == 200
    assert "You have already signed" in again.get_data(as_text=True)
    assert count(db) == 1 and count(db, Supporter) == 1


def test_bad_input_rerenders_with_messages_beside_fields(client, db):
    response = post_form(client, URL, {"first_name": "", "last_name": "Lee", "email": "not-an-email",
                                       "postal_code": "D1A 1A1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert 'href="#first_name">Enter your first name' in page
    assert "Canadian postal codes never use the letter D" in page
    assert "Enter an email address like name@example.com" in page
    assert 'value="Lee"' in page  # what the supporter typed is kept
    assert count(db) == 0


def test_missing_csrf_token_keeps_the_answers(client, db):
    response = client.post(URL, data=GOOD)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This form had expired" in page and 'value="Ann"' in page
    assert count(db) == 0


def test_opt_in_is_recorded_only_when_ticked(client, db):
    post_form(client, URL, {**GOOD, "opt_in": "y"})
    with db.transaction() as session:
        assert session.scalars(select(Action)).one().opt_in is True


def test_unknown_campaign_is_404_page(client):
    response = client.get("/campaigns/no-such-thing")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok"}
