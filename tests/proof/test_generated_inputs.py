"""Generated input through every public form and API input: whatever arrives, the answer is never a 500.

Hypothesis draws ordinary text, hostile payloads (markup, encoded-word header injection, SQL, format and
control characters, very long values) and missing or extra fields. The tests below draw 10,400 inputs in
all (see EXAMPLES); they are derandomised so that CI runs the same inputs every time.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..api.conftest import LETTER, PETITION, bearer, make_key
from ..conftest import csrf_token

HOSTILE = [
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "{{7*7}}", "{% raw %}",
    "=?utf-8?q?=0D=0ABcc:_x@evil.test?=", "a\r\nBcc: x@evil.test", "\u2028\u2029", "\u202e\u200b\ufeff", "\x00",
    "' OR 1=1 --", "Robert'); DROP TABLE actions;--", "=HYPERLINK(\"http://evil.test\")", "@SUM(1)", "+1", "-1",
    "../../etc/passwd", "%00", "%0d%0a", "A" * 5000, "é" * 300, "😀" * 100, "\ud7ff", "M5V 3L9", "K1P5J2", "p7b 1a1",
    "maya@example.com", "MAYA+x@Example.COM", "a@b", "@", "", " ", "\t",
]
EXAMPLES = {"petition": 2000, "letter": 2000, "links": 1000, "lookup": 1000, "api_signature": 1500,
            "api_letter": 1500, "page_params": 1400}
assert sum(EXAMPLES.values()) >= 10_000

text = st.one_of(st.text(max_size=120), st.sampled_from(HOSTILE),
                 st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=2000))
maybe = st.one_of(st.none(), text)  # a field left out of the request altogether


def _settings(name: str) -> settings:
    return settings(max_examples=EXAMPLES[name], deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


def _form(**fields: str | None) -> dict[str, str]:
    return {name: value for name, value in fields.items() if value is not None}


def _no_server_error(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]


@pytest.fixture
def token(client):
    return csrf_token(client, f"/campaigns/{PETITION}")


@_settings("petition")
@given(first=maybe, last=maybe, email=maybe, postal=maybe, opt_in=maybe, extra=maybe)
def test_petition_form(client, token, first, last, email, postal, opt_in, extra):
    data = _form(first_name=first, last_name=last, email=email, postal_code=postal, opt_in=opt_in, extra=extra)
    _no_server_error(client.post(f"/campaigns/{PETITION}", data={"csrf_token": token, **data}))


@_settings("letter")
@given(first=maybe, last=maybe, email=maybe, postal=maybe, subject=maybe, body=maybe,
       intent=st.one_of(st.none(), st.sampled_from(["preview", "send", "edit"]), text),
       district=maybe, lang=st.sampled_from(["", "/fr"]))
def test_letter_form(client, token, first, last, email, postal, subject, body, intent, district, lang):
    data = _form(first_name=first, last_name=last, email=email, postal_code=postal, subject=subject, body=body,
                 intent=intent, **{"district-federal": district, "district-provincial": district})
    _no_server_error(client.post(f"{lang}/campaigns/{LETTER}", data={"csrf_token": token, **data}))


@_settings("links")
@given(value=text, method=st.sampled_from(["get", "post"]), where=st.sampled_from(["confirm", "unsubscribe"]))
def test_confirmation_and_unsubscribe_links(client, token, value, method, where):
    url = f"/{where}/{value.replace('/', '%2F').replace('?', '%3F').replace('#', '%23')}"
    response = getattr(client, method)(url, data={"csrf_token": token})
    _no_server_error(response)


@_settings("lookup")
@given(postal=text)
def test_representative_lookup(client, postal):
    _no_server_error(client.get("/api/v1/representatives", query_string={"postal_code": postal}))


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


@_settings("api_signature")
@given(payload=body, slug=st.sampled_from([PETITION, LETTER, "no-such-campaign"]))
def test_api_signatures(client, key, payload, slug):
    _no_server_error(client.post(f"/api/v1/campaigns/{slug}/signatures", json=payload, headers=bearer(key)))


@_settings("api_letter")
@given(payload=st.one_of(body, st.builds(lambda p, s, b: {**p, "subject": s, "body": b}, person, json_value,
                                         json_value)),
       raw=st.one_of(st.none(), st.binary(max_size=200)))
def test_api_letters(client, key, payload, raw):
    url = f"/api/v1/campaigns/{LETTER}/letters"
    if raw is not None:
        response = client.post(url, data=raw, headers={**bearer(key), "Content-Type": "application/json"})
    else:
        response = client.post(url, json=payload, headers=bearer(key))
    _no_server_error(response)


@_settings("page_params")
@given(slug=text, source=text, lang=text)
def test_pages_with_odd_addresses_and_parameters(client, slug, source, lang):
    path = slug.replace("/", "%2F").replace("?", "%3F").replace("#", "%23") or "x"
    _no_server_error(client.get(f"/campaigns/{path}", query_string={"source": source, "lang": lang}))
    _no_server_error(client.get(f"/campaigns/{PETITION}/thanks", query_string={"source": source, "already": lang}))
