"""Generated input through the widget (its address parameters and its posts), the bounce webhook and the page
language (``?lang=``, ``/fr/`` and Accept-Language): whatever arrives, the answer is never a 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..api.conftest import LETTER, PETITION, PRIVATE
from ..bounces.conftest import report
from ..embed.conftest import ALLY_SITE, OURS, make_ally, widget_token
from .conftest import BOUNCE_SECRET
from .generated import counted, form, generated, maybe, mostly, no_server_error, text

ALLY = "friends-of-transit"
SLUGS = [PETITION, LETTER, PRIVATE, "no-such-campaign"]
colours = st.one_of(text, st.from_regex(r"\A#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?\Z"))
widget_args = st.fixed_dictionaries({}, optional={
    "primary": colours, "text": colours, "background": colours, "font": text,
    "origin": mostly(st.just(ALLY_SITE), text), "lang": mostly(st.sampled_from(["en", "fr"]), text),
    "source": text, "check": maybe, "already": maybe, "sent": st.one_of(text, st.integers().map(str))})
allies = mostly(st.sampled_from(["", ALLY]), text)


def _header(value: str) -> str:
    """A header value as it can travel: one line, in Latin-1 (what HTTP carries)."""
    return "".join(" " if ch in "\r\n\x00" else ch for ch in value).encode("utf-8", "replace").decode("latin-1")


def _path(value: str) -> str:
    return value.replace("/", "%2F").replace("?", "%3F").replace("#", "%23") or "x"


@pytest.fixture
def ally(db):
    make_ally(db, ALLY, origins=(ALLY_SITE,), campaigns=())
    return ALLY


@generated("widget_get")
@given(slug=mostly(st.sampled_from(SLUGS), text), args=widget_args, who=allies,
       page=st.sampled_from(["", "/thanks", "/count", "/../theme.css"]), prefix=st.sampled_from(["", "/fr"]))
@counted
def test_widget_addresses(client, ally, slug, args, who, page, prefix):
    url = f"{prefix}/embed/{_path(slug)}{page}" if page != "/../theme.css" else "/embed/theme.css"
    no_server_error(client.get(url, query_string={**args, **form(ally=who or None)}))


@pytest.fixture
def tokens(client, ally):
    """A valid token per widget (petition and letter, with and without the ally), as each GET hands out."""
    return {(slug, who): widget_token(client, f"/embed/{slug}" + (f"?ally={who}" if who else ""))
            for slug in (PETITION, LETTER) for who in ("", ALLY)}


@generated("widget_post")
@given(slug=st.sampled_from([PETITION, LETTER]), who=st.sampled_from(["", ALLY]),
       token=mostly(st.none(), text), origin=mostly(st.just(OURS), st.one_of(st.just("null"), text)),
       site=mostly(st.just("same-origin"), st.sampled_from(["cross-site", None])),
       first=maybe, last=maybe, email=maybe, postal=maybe, opt_in=maybe, ally_opt_in=maybe, subject=maybe,
       body=maybe, intent=st.one_of(st.none(), st.sampled_from(["preview", "send", "edit"]), text),
       website=mostly(st.none(), text), args=widget_args)
@counted
def test_widget_posts(client, tokens, slug, who, token, origin, site, first, last, email, postal, opt_in,
                      ally_opt_in, subject, body, intent, website, args):
    headers = {"Origin": _header(origin), **({"Sec-Fetch-Site": site} if site else {})}
    data = form(embed_token=tokens[(slug, who)] if token is None else token, first_name=first, last_name=last,
                email=email, postal_code=postal, opt_in=opt_in, ally_opt_in=ally_opt_in, subject=subject, body=body,
                intent=intent, website=website)
    query = {**args, **({"ally": who} if who else {})}
    no_server_error(client.post(f"/embed/{slug}", data=data, headers=headers, query_string=query))


def _bearer(secret: str = BOUNCE_SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


json_value = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), text),
                          lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                  st.dictionaries(st.text(max_size=10), inner, max_size=3)),
                          max_leaves=8)
bounce_event = st.one_of(json_value, st.fixed_dictionaries({}, optional={
    "token": mostly(text, json_value), "status": mostly(st.from_regex(r"\A[245]\.\d{1,3}\.\d{1,3}\Z"),
                                                        st.one_of(text, json_value)),
    "reason": mostly(text, json_value)}))


@generated("bounces_json")
@given(event=bounce_event, auth=mostly(st.just(BOUNCE_SECRET), text))
@counted
def test_bounce_webhook_json(client, event, auth):
    response = client.post("/hooks/bounces", data=json.dumps(event), headers={
        **_bearer(_header(auth)), "Content-Type": "application/json"})
    no_server_error(response)


raw_report = st.one_of(
    st.binary(max_size=500),
    text.map(lambda value: value.encode("utf-8", "surrogatepass")),
    st.builds(lambda to, office, action, status, diagnostic, message_id: report(
        to, office, action=action, status=status, diagnostic=diagnostic.replace("{", "{{").replace("}", "}}"),
        message_id=message_id), text, text, text, text, text, text),
)


@generated("bounces_raw")
@given(raw=raw_report, content_type=st.sampled_from(["message/rfc822", "text/plain", "application/octet-stream"]))
@counted
def test_bounce_webhook_raw_reports(client, raw, content_type):
    response = client.post("/hooks/bounces", data=raw, headers={**_bearer(), "Content-Type": content_type})
    no_server_error(response)


@generated("languages")
@given(prefix=mostly(st.sampled_from(["", "/fr"]), st.one_of(st.sampled_from(["/en", "/FR", "/fr/fr"]),
                                                            text.map(lambda t: "/" + _path(t)))),
       page=st.sampled_from(["/", f"/campaigns/{PETITION}", f"/campaigns/{LETTER}", f"/campaigns/{PETITION}/thanks",
                             "/admin/login", "/api/v1/campaigns", f"/embed/{PETITION}", "/confirm/x"]),
       lang=maybe, accept=maybe, sent=st.one_of(st.none(), text, st.integers().map(str)))
@counted
def test_page_languages(client, prefix, page, lang, accept, sent):
    headers = {} if accept is None else {"Accept-Language": _header(accept)}
    no_server_error(client.get(prefix + page, query_string=form(lang=lang, sent=sent), headers=headers))
