"""Generated input through every public form and API input: whatever arrives, the answer is never a 500.

Hypothesis draws ordinary text, hostile payloads (markup, encoded-word header injection, SQL, format and
control characters, very long values) and missing or extra fields. generated.py holds the shared strategies and
the number of inputs each test draws (EXAMPLES); they are derandomised so that CI runs the same inputs every time.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..api.conftest import LETTER, PETITION, bearer, make_key
from ..conftest import csrf_token
from .generated import counted, form, generated, maybe, no_server_error, text


@pytest.fixture
def token(client):
    return csrf_token(client, f"/campaigns/{PETITION}")


@generated("petition")
@given(first=maybe, last=maybe, email=maybe, postal=maybe, opt_in=maybe, extra=maybe)
@counted
def test_petition_form(client, token, first, last, email, postal, opt_in, extra):
    data = form(first_name=first, last_name=last, email=email, postal_code=postal, opt_in=opt_in, extra=extra)
    no_server_error(client.post(f"/campaigns/{PETITION}", data={"csrf_token": token, **data}))


@generated("letter")
@given(first=maybe, last=maybe, email=maybe, postal=maybe, subject=maybe, body=maybe,
       intent=st.one_of(st.none(), st.sampled_from(["preview", "send", "edit"]), text),
       district=maybe, lang=st.sampled_from(["", "/fr"]))
@counted
def test_letter_form(client, token, first, last, email, postal, subject, body, intent, district, lang):
    data = form(first_name=first, last_name=last, email=email, postal_code=postal, subject=subject, body=body,
                 intent=intent, **{"district-federal": district, "district-provincial": district})
    no_server_error(client.post(f"{lang}/campaigns/{LETTER}", data={"csrf_token": token, **data}))


@generated("links")
@given(value=text, method=st.sampled_from(["get", "post"]), where=st.sampled_from(["confirm", "unsubscribe"]))
@counted
def test_confirmation_and_unsubscribe_links(client, token, value, method, where):
    url = f"/{where}/{value.replace('/', '%2F').replace('?', '%3F').replace('#', '%23')}"
    response = getattr(client, method)(url, data={"csrf_token": token})
    no_server_error(response)


@generated("lookup")
@given(postal=text)
@counted
def test_representative_lookup(client, postal):
    no_server_error(client.get("/api/v1/representatives", query_string={"postal_code": postal}))


@pytest.fixture
def key(db):
    return make_key(db, "generated-ally")


json_value = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), text),
                          lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                  st.dictionaries(st.text(max_size=20), inner, max_size=4)),
                          max_leaves=12)
person = st.fixed_dictionaries({}, optional={"first_name": json_value, "last_name": json_value,
                                             "email": json_value, "postal_code": json_value, "opt_in": json_value,
                                             "lang": json_value, "source": json_value})
osdi = st.fixed_dictionaries({}, optional={
    "person": st.fixed_dictionaries({}, optional={
        "given_name": json_value, "family_name": json_value,
        "email_addresses": st.one_of(json_value, st.lists(st.fixed_dictionaries({}, optional={"address": json_value}))),
        "postal_addresses": st.one_of(json_value, st.lists(st.fixed_dictionaries({}, optional={
            "postal_code": json_value})))}),
    "add_tags": json_value})
body = st.one_of(person, osdi, json_value)


@generated("api_signature")
@given(payload=body, slug=st.sampled_from([PETITION, LETTER, "no-such-campaign"]))
@counted
def test_api_signatures(client, key, payload, slug):
    no_server_error(client.post(f"/api/v1/campaigns/{slug}/signatures", json=payload, headers=bearer(key)))


@generated("api_letter")
@given(payload=st.one_of(body, st.builds(lambda p, s, b: {**p, "subject": s, "body": b}, person, json_value,
                                         json_value)),
       raw=st.one_of(st.none(), st.binary(max_size=200)))
@counted
def test_api_letters(client, key, payload, raw):
    url = f"/api/v1/campaigns/{LETTER}/letters"
    if raw is not None:
        response = client.post(url, data=raw, headers={**bearer(key), "Content-Type": "application/json"})
    else:
        response = client.post(url, json=payload, headers=bearer(key))
    no_server_error(response)


@generated("page_params")
@given(slug=text, source=text, lang=text)
@counted
def test_pages_with_odd_addresses_and_parameters(client, slug, source, lang):
    path = slug.replace("/", "%2F").replace("?", "%3F").replace("#", "%23") or "x"
    no_server_error(client.get(f"/campaigns/{path}", query_string={"source": source, "lang": lang}))
    no_server_error(client.get(f"/campaigns/{PETITION}/thanks", query_string={"source": source, "already": lang}))
