"""The consent ledger: each opt-in with the exact words shown, its version, language, source and method;
withdrawals too; and opt-in boxes never ticked in advance."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from advocacy.models import ConsentRecord, Delivery
from advocacy.services.consent import consent_history
from advocacy.tokens import email_hash

from ..api.conftest import WORDING, bearer, make_key
from ..conftest import csrf_token, post_form

PETITION, LETTER = "the-rich-and-the-rest-of-us", "stop-offshoring"
UNION_WORDING = "Yes, email me about this and other campaigns. I can unsubscribe at any time."
ME = {"first_name": "Bo", "last_name": "Li", "email": "Bo@Example.com", "postal_code": "K1P 5J2"}


def ledger(db) -> list[ConsentRecord]:
    with db.transaction() as session:
        return list(session.scalars(select(ConsentRecord).order_by(ConsentRecord.id)))


def test_web_opt_in_records_the_words_shown_their_version_language_and_source(client, db):
    page = client.get(f"/campaigns/{PETITION}").get_data(as_text=True)
    assert UNION_WORDING in page  # the words recorded are the words on the page
    post_form(client, f"/campaigns/{PETITION}?source=newsletter", {**ME, "opt_in": "y"})
    (record,) = ledger(db)
    assert (record.event, record.method, record.lang, record.source) == ("opt_in", "web_form", "en", "newsletter")
    assert record.wording == UNION_WORDING
    assert record.wording_sha256 == hashlib.sha256(UNION_WORDING.encode()).hexdigest()
    assert record.email_hash == email_hash("bo@example.com") and record.ally_id is None
    assert record.campaign_slug == PETITION and record.action_id is not None
    assert record.ip_hash and "127.0.0.1" not in record.ip_hash  # a keyed hash, never the address


def test_no_record_without_the_box_ticked_and_letters_record_theirs(client, db):
    post_form(client, f"/campaigns/{PETITION}", ME)
    assert ledger(db) == []
    post_form(client, f"/campaigns/{LETTER}", {**ME, "intent": "send", "opt_in": "y"})
    (record,) = ledger(db)
    assert record.campaign_slug == LETTER and record.wording == UNION_WORDING


def test_api_opt_in_to_an_ally_records_the_allys_wording(client, db):
    key = make_key(db, "friends-of-transit")
    body = {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com", "postal_code": "K1P 5J2",
            "opt_in": True, "source": "spring-mailing", "lang": "fr"}
    response = client.post(f"/api/v1/campaigns/{PETITION}/signatures", json=body, headers=bearer(key))
    assert response.status_code == 201, response.get_json()
    (record,) = ledger(db)
    assert (record.method, record.lang, record.source, record.wording) == ("api", "fr", "spring-mailing", WORDING)
    assert record.ally_id is not None and record.wording_sha256 == hashlib.sha256(WORDING.encode()).hexdigest()


def test_unsubscribing_is_recorded_as_a_withdrawal(client, db):
    post_form(client, f"/campaigns/{LETTER}", {**ME, "intent": "send", "opt_in": "y"})
    with db.transaction() as session:
        body = session.scalars(select(Delivery.body).where(Delivery.kind == "confirmation")).one()
    link = re.search(r"http://campaigns\.test(/unsubscribe/\S+)", body).group(1)
    client.post(link, data={"csrf_token": csrf_token(client, link)})
    with db.transaction() as session:
        history = consent_history(session, "bo@example.com")
    assert [(r.event, r.method) for r in history] == [("opt_in", "web_form"), ("withdrawal", "unsubscribe_page")]


def test_opt_in_boxes_are_never_ticked_in_advance(client):
    for slug in (PETITION, LETTER):
        page = client.get(f"/campaigns/{slug}").get_data(as_text=True)
        box = re.search(r"<input[^>]*id=\"opt_in\"[^>]*>", page).group(0)
        assert 'type="checkbox"' in box and "checked" not in box
    # Shown again after a mistake elsewhere on the form: still unticked unless the supporter ticked it.
    again = post_form(client, f"/campaigns/{PETITION}", {**ME, "email": "not-an-address"}).get_data(as_text=True)
    assert "checked" not in re.search(r"<input[^>]*id=\"opt_in\"[^>]*>", again).group(0)
