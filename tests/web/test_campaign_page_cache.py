"""The campaign page is rendered once and reused: each visitor still gets their own tokens and the current count."""

from __future__ import annotations

import re

from ..conftest import post_form

URL = "/campaigns/the-rich-and-the-rest-of-us"
SIGNER = {"first_name": "Ann", "last_name": "Lee", "postal_code": "M5V 3L9"}
_HIDDEN = re.compile(r'name="(csrf_token|form_issued)"[^>]*value="([^"]+)"')


def hidden_fields(page: str) -> dict[str, str]:
    return dict(_HIDDEN.findall(page))


def test_every_visitor_gets_their_own_tokens_and_each_works(app):
    first, second = app.test_client(), app.test_client()
    pages = [c.get(URL).get_data(as_text=True) for c in (first, second)]
    tokens = [hidden_fields(page) for page in pages]
    assert tokens[0].keys() == tokens[1].keys() == {"csrf_token", "form_issued"}
    assert tokens[0]["csrf_token"] != tokens[1]["csrf_token"]
    # The timing token records when the form was shown (to the second), so it is issued per request too.
    # Apart from the tokens, the two pages are the same page.
    assert _HIDDEN.sub("", pages[0]) == _HIDDEN.sub("", pages[1])
    for number, (client, fields) in enumerate(zip((first, second), tokens, strict=True)):
        response = client.post(URL, data={**SIGNER, **fields, "email": f"ann{number}@example.org"})
        assert response.status_code == 303
    # A token from the cached page is bound to its own visitor's session, as on a freshly rendered page.
    stolen = second.post(URL, data={**SIGNER, **tokens[0], "email": "mallory@example.org"})
    assert stolen.status_code == 400 and "This form had expired" in stolen.get_data(as_text=True)


def test_the_signer_sees_their_signature_counted_on_the_page(client):
    assert "0</strong> of 10,000 signatures" in client.get(URL).get_data(as_text=True)
    assert post_form(client, URL, {**SIGNER, "email": "ann@example.org"}).status_code == 303
    assert "1</strong> of 10,000 signatures" in client.get(URL).get_data(as_text=True)


def test_the_french_page_and_the_language_toggle_are_not_mixed_up(client):
    english, french = client.get(URL).get_data(as_text=True), client.get(f"/fr{URL}").get_data(as_text=True)
    assert '<html lang="en">' in english and f'href="/fr{URL}"' in english
    assert '<html lang="fr">' in french and f'href="{URL}' in french
    # Asked again, each language is still its own page.
    assert '<html lang="en">' in client.get(URL).get_data(as_text=True)
    assert '<html lang="fr">' in client.get(f"/fr{URL}").get_data(as_text=True)


def test_the_timing_token_is_issued_for_each_visitor(app, monkeypatch):
    from advocacy.services import abuse

    app.test_client().get(URL)  # the page is now cached
    monkeypatch.setattr(abuse, "issue_form_token", lambda _secret: "issued-just-now")
    assert hidden_fields(app.test_client().get(URL).get_data(as_text=True))["form_issued"] == "issued-just-now"
