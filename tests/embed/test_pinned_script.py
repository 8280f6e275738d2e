"""The widget's script at a pinned address, for allies who check it with Subresource Integrity."""

from __future__ import annotations

import base64
import hashlib

from .conftest import snippet_script


def sri(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def test_the_snippets_integrity_matches_the_bytes_its_address_serves(client):
    path, integrity = snippet_script(client)
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert sri(response.get_data()) == integrity
    assert path == f"/embed.{hashlib.sha256(response.get_data()).hexdigest()[:12]}.js"
    assert response.get_data() == client.get("/embed.js").get_data()  # the same script as the plain address


def test_the_pinned_script_is_cached_for_good_and_readable_from_any_site(client):
    path, _integrity = snippet_script(client)
    response = client.get(path, headers={"Origin": "https://friends.example.org"})
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers
    again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_the_plain_address_keeps_its_short_cache(client):
    response = client.get("/embed.js")
    assert response.status_code == 200 and "javascript" in response.mimetype
    assert response.headers["Cache-Control"] == "public, max-age=3600"


def test_an_old_or_unknown_version_is_not_found_and_says_what_to_do(client):
    path, _integrity = snippet_script(client)
    for wrong in ("/embed.000000000000.js", "/embed.not-a-hash.js", path.replace(".js", "0.js")):
        response = client.get(wrong)
        assert response.status_code == 404, wrong
        assert response.mimetype == "text/plain"
        assert "Copy the current snippet" in response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "no-store"  # a deploy in progress: the next try may find it
        assert response.headers["Access-Control-Allow-Origin"] == "*"  # the ally's developer can read why
    french = client.get("/embed.000000000000.js", headers={"Accept-Language": "fr-CA"})
    assert "Copiez" in french.get_data(as_text=True)
