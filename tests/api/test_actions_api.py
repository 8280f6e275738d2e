"""POST signatures and letters from an ally's own form: the web form's rules, dedupe, confirmation and outbox."""

from __future__ import annotations

from sqlalchemy import select

from advocacy.models import Action, AllyAction, Delivery

from ..conftest import confirm_by_email
from .conftest import FIXED_LETTER, LETTER, PETITION, PRIVATE, SUPPORTER, WORDING, bearer

OSDI = {
    "person": {"given_name": "Ana", "family_name": "Silva", "languages_spoken": ["pt"],
               "email_addresses": [{"address": "ana@example.org", "primary": True, "status": "subscribed"}],
               "postal_addresses": [{"postal_code": "K1P5J2", "country": "CA"}]},
    "add_tags": ["transit-week"], "triggers": {"autoresponse": {"enabled": False}},
}


def _sign(client, key, body=None, slug=PETITION):
    return client.post(f"/api/v1/campaigns/{slug}/signatures", json=SUPPORTER if body is None else body,
                       headers=bearer(key))


def _rows(db, *columns, where=()):
    with db.transaction() as session:
        return session.execute(select(*columns).where(*where)).all()


def test_a_signature_counts_records_the_ally_and_asks_to_verify_the_address(client, db, ally_key):
    response = _sign(client, ally_key, {**SUPPORTER, "opt_in": True, "source": "newsletter", "add_tags": ["a"]})
    assert response.status_code == 201
    assert response.get_json() == {"status": "signed", "already_signed": False, "confirm": "optional"}
    [(source, opt_in, status)] = _rows(db, Action.source, Action.opt_in, Action.status)
    assert (source, opt_in, status) == ("ally:friends-of-transit", False, "confirmed")  # our own opt-in untouched
    [(row,)] = _rows(db, AllyAction)
    assert (row.source, row.tags, row.opt_in, row.opt_in_wording) == ("newsletter", ["a"], True, WORDING)
    assert row.key_prefix == ally_key[:12]
    assert _rows(db, Delivery.kind, where=[Delivery.kind == "confirmation"]) == [("confirmation",)]


def test_signing_again_says_already_signed_on_a_public_petition(client, db, ally_key):
    _sign(client, ally_key)
    again = _sign(client, ally_key, {**SUPPORTER, "email": "BO@example.com"})
    assert again.status_code == 200 and again.get_json()["status"] == "already_signed"
    assert len(_rows(db, Action.id)) == 1 and len(_rows(db, AllyAction.action_id)) == 1


def test_a_private_petition_answers_a_second_signature_exactly_as_a_first(client, db, ally_key):
    first, second = _sign(client, ally_key, slug=PRIVATE), _sign(client, ally_key, slug=PRIVATE)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert len(_rows(db, Action.id)) == 1


def test_osdi_bodies_are_accepted_unchanged(client, db, ally_key):
    response = _sign(client, ally_key, OSDI)
    assert response.status_code == 201
    [(first, last, email_key, postal)] = _rows(db, Action.first_name, Action.last_name, Action.email_key,
                                               Action.postal_code)
    assert (first, last, email_key, postal) == ("Ana", "Silva", "ana@example.org", "K1P5J2")
    [(tags, opt_in)] = _rows(db, AllyAction.tags, AllyAction.opt_in)
    assert tags == ["transit-week"] and opt_in


def test_the_web_forms_rules_apply_with_messages_by_field(client, db, ally_key):
    bad = {**SUPPORTER, "first_name": "=HYPERLINK(1)", "email": "bo@example.test", "postal_code": "D1A 1A1"}
    response = _sign(client, ally_key, bad)
    fields = response.get_json()["fields"]
    assert response.status_code == 422 and set(fields) == {"first_name", "email", "postal_code"}
    assert fields["postal_code"] == "Canadian postal codes never use the letter D there"
    assert _rows(db, Action.id) == []


def test_a_body_outside_the_schema_is_422_with_the_path(client, ally_key):
    response = _sign(client, ally_key, {**SUPPORTER, "admin": True})
    assert response.status_code == 422 and "admin" in response.get_json()["fields"]
    response = _sign(client, ally_key, {"person": {"given_name": "Ana"}})
    assert response.status_code == 422 and "person.family_name" in response.get_json()["fields"]


def test_only_json_is_accepted_and_size_is_bounded(client, ally_key):
    form = client.post(f"/api/v1/campaigns/{PETITION}/signatures", data=SUPPORTER, headers=bearer(ally_key))
    assert form.status_code == 415 and form.is_json
    broken = client.post(f"/api/v1/campaigns/{PETITION}/signatures", data="{", content_type="application/json",
                         headers=bearer(ally_key))
    assert broken.status_code == 400 and broken.is_json
    huge = client.post(f"/api/v1/campaigns/{LETTER}/letters", json={**SUPPORTER, "body": "x" * 70_000},
                       headers=bearer(ally_key))
    assert huge.status_code == 413 and huge.is_json


def test_a_key_acts_only_on_its_allys_campaigns(client, scoped_key):
    assert _sign(client, scoped_key).status_code == 201
    other = client.post(f"/api/v1/campaigns/{LETTER}/letters", json=SUPPORTER, headers=bearer(scoped_key))
    assert other.status_code == 403 and other.is_json
    assert _sign(client, scoped_key, slug=PRIVATE).status_code == 404  # private and not theirs: not even there


def test_an_opt_in_needs_the_allys_wording_on_file(client, scoped_key):
    response = _sign(client, scoped_key, {**SUPPORTER, "opt_in": True})
    assert response.status_code == 422 and "opt_in" in response.get_json()["fields"]


def test_the_wrong_kind_and_closed_campaigns_say_so(odd_campaigns_app, ally_key):
    client = odd_campaigns_app.test_client()
    wrong = client.post(f"/api/v1/campaigns/{PETITION}/letters", json=SUPPORTER, headers=bearer(ally_key))
    assert wrong.status_code == 404 and "/signatures" in wrong.get_json()["error"]
    closed = _sign(client, ally_key, slug="closed-petition")
    assert closed.status_code == 409 and closed.get_json() == {"error": "This campaign is not accepting actions now."}
    assert _sign(client, ally_key, slug="draft-petition").status_code == 404


def test_a_letter_is_held_until_confirmed_then_released_like_the_web_forms(client, db, ally_key):
    response = client.post(f"/api/v1/campaigns/{LETTER}/letters", json=SUPPORTER, headers=bearer(ally_key))
    body = response.get_json()
    assert response.status_code == 201 and (body["status"], body["confirm"]) == ("awaiting_confirmation", "required")
    assert [letter["office"] for letter in body["letters"]] == ["MP"] and body["problems"] == []
    assert {status for (status,) in _rows(db, Delivery.status, where=[Delivery.kind == "letter"])} == {"held"}
    confirm_by_email(client, db, "bo@example.com")
    assert {status for (status,) in _rows(db, Delivery.status, where=[Delivery.kind == "letter"])} == {"queued"}
    [(source,)] = _rows(db, AllyAction.source)
    assert source == ""


def test_an_editable_letter_takes_the_supporters_words_and_checks_them(client, db, ally_key):
    own = {**SUPPORTER, "subject": "Vote no on C-377", "body": "I am a union member in your riding."}
    response = client.post(f"/api/v1/campaigns/{LETTER}/letters", json=own, headers=bearer(ally_key))
    assert response.status_code == 201 and response.get_json()["letters"][0]["subject"] == "Vote no on C-377"
    [(text,)] = _rows(db, Delivery.body, where=[Delivery.kind == "letter"])
    assert "I am a union member in your riding." in text
    half = client.post(f"/api/v1/campaigns/{LETTER}/letters", json={**SUPPORTER, "subject": "Only a subject"},
                       headers=bearer(ally_key))
    assert half.status_code == 422 and half.get_json()["fields"] == {"body": "Write your letter"}
    fixed = client.post(f"/api/v1/campaigns/{FIXED_LETTER}/letters", json=own, headers=bearer(ally_key))
    assert fixed.status_code == 422 and "cannot be edited" in fixed.get_json()["error"]


def test_a_letter_can_name_the_district_the_supporter_chose(client, ally_key):
    choices = client.get("/api/v1/representatives?postal_code=K1P5J2").get_json()["levels"]["provincial"]
    second = choices["candidates"][1]["district"]
    response = client.post(f"/api/v1/campaigns/{FIXED_LETTER}/letters",
                           json={**SUPPORTER, "districts": {"provincial": second["key"]}}, headers=bearer(ally_key))
    assert response.status_code == 201
    assert second["name"] in [letter["district"] for letter in response.get_json()["letters"]]


def test_an_unknown_postal_area_is_422_pointing_at_the_district_choice(client, ally_key):
    response = client.post(f"/api/v1/campaigns/{LETTER}/letters", json={**SUPPORTER, "postal_code": "P0T 1A1"},
                           headers=bearer(ally_key))
    assert response.status_code == 422 and "postal_code" in response.get_json()["fields"]


def test_no_cookie_is_ever_set(client, ally_key):
    for response in (client.get("/api/v1/campaigns"), _sign(client, ally_key)):
        assert "Set-Cookie" not in response.headers


def test_control_characters_never_reach_the_database(client, db, ally_key):
    letter = client.post(f"/api/v1/campaigns/{LETTER}/letters",
                         json={**SUPPORTER, "subject": "Vote no", "body": "Please\u0000vote no."},
                         headers=bearer(ally_key))
    assert letter.status_code == 422 and "body" in letter.get_json()["fields"]
    tagged = _sign(client, ally_key, {**SUPPORTER, "source": "news\u0000letter", "add_tags": ["ok", "b\u0007d"]})
    assert tagged.status_code == 422 and set(tagged.get_json()["fields"]) == {"source", "add_tags.1"}
    assert _rows(db, Action.id) == []
