"""The page language: /fr/ addresses, ?lang=, Accept-Language, and the EN/FR toggle."""

from __future__ import annotations

import re


def _html_lang(response) -> str:
    return re.search(r'<html lang="(\w+)"', response.get_data(as_text=True)).group(1)


def test_french_address_serves_the_page_in_french_and_links_stay_french(client):
    response = client.get("/fr/campaigns/stop-offshoring")
    assert response.status_code == 200
    assert _html_lang(response) == "fr"
    page = response.get_data(as_text=True)
    assert 'href="/fr/"' in page  # the site name links to the French list
    assert re.search(r'<form[^>]+action="/fr/campaigns/stop-offshoring"', page)  # the form posts in French
    assert '<a href="/campaigns/stop-offshoring" lang="en" hreflang="en">English</a>' in page


def test_browser_language_is_the_fallback_and_the_query_parameter_overrides_it(client):
    french_browser = {"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}
    assert _html_lang(client.get("/campaigns/stop-offshoring", headers=french_browser)) == "fr"
    response = client.get("/campaigns/stop-offshoring?lang=en", headers=french_browser)
    assert _html_lang(response) == "en"
    assert "Accept-Language" in client.get("/", headers=french_browser).headers.get("Vary", "")
    assert _html_lang(client.get("/")) == "en"


def test_toggle_keeps_an_english_choice_in_the_address_when_the_browser_prefers_french(client):
    page = client.get("/fr/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'href="/?lang=en"' in page
    page = client.get("/fr/").get_data(as_text=True)
    assert 'href="/"' in page


def test_static_files_and_admin_are_reachable_from_french_pages(client):
    assert client.get("/fr/static/site.css").status_code == 200
    assert client.get("/fr/admin/login").status_code == 404  # staff pages keep one address
