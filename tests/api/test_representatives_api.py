"""GET /api/v1/representatives: what the letter form and allies' pages read as a supporter types."""

from __future__ import annotations

import pytest

from advocacy import create_app

from ..lookup import payloads as p
from ..lookup.represent_server import FakeRepresent, Reply

URL = "/api/v1/representatives?postal_code="


@pytest.fixture
def represent():
    server = FakeRepresent().start()
    yield server
    server.stop()


@pytest.fixture
def live_client(settings, db, represent):
    app = create_app(settings.with_(represent_url=represent.url, providers=("represent", "directory")))
    yield app.test_client()
    app.extensions["advocacy"].db.dispose()


def test_levels_come_grouped_with_match_and_confidence(live_client, represent):
    represent.json("/postcodes/K1P1A4/", p.k1p1a4())
    response = live_client.get(URL + "k1p 1a4")
    body = response.get_json()
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert (body["postal_code"], body["display"], body["source"]) == ("K1P1A4", "K1P 1A4", "represent")
    federal = body["levels"]["federal"]
    assert federal["status"] == "found"
    [candidate] = federal["candidates"]
    assert (candidate["match"], candidate["confidence"], candidate["district"]["name"]) == \
        ("centroid", "medium", "Ottawa Centre")
    assert candidate["representatives"][0]["email"] == "pat.example@parl.example"
    assert "Open North" in body["attribution"]


def test_a_straddling_postal_area_is_reported_as_ambiguous_with_every_candidate(client):
    body = client.get(URL + "K1P5J2").get_json()
    provincial = body["levels"]["provincial"]
    assert provincial["status"] == "ambiguous" and "more than one" in provincial["message"]
    assert [c["district"]["name"] for c in provincial["candidates"]] == ["Ottawa Centre", "Kanata—Carleton"]
    assert [c["share"] for c in provincial["candidates"]] == [0.74, 0.21]


def test_a_malformed_postal_code_is_a_400_with_the_reason(client):
    response = client.get(URL + "D1A1A1")
    assert response.status_code == 400
    assert response.get_json() == {"error": "Canadian postal codes never use the letter D there"}


def test_a_postal_code_nobody_knows_is_a_404_with_choices(client):
    response = client.get(URL + "P0T1A1")
    body = response.get_json()
    assert response.status_code == 404 and "P0T 1A1" in body["error"]
    assert body["choices_scope"] == "all"
    assert "Ottawa Centre" in [c["name"] for c in body["choices"]["provincial"]]


@pytest.mark.parametrize("outage", [Reply(503, "busy", "text/plain"), Reply(500, "", "text/plain"),
                                    Reply(200, "<html>maintenance</html>", "text/html")])
def test_represent_failing_never_shows_the_supporter_an_error(live_client, represent, outage):
    represent.set("/postcodes/K1P1A4/", outage)
    response = live_client.get(URL + "K1P1A4")
    assert response.status_code == 200 and response.get_json()["source"] == "directory"


def test_each_client_address_is_limited(settings, db):
    client = create_app(settings.with_(api_rate_per_minute=6)).test_client()
    statuses = [client.get(URL + "K1P5J2").status_code for _ in range(8)]
    assert statuses[:5] == [200] * 5 and statuses[-1] == 429
    limited = client.get(URL + "K1P5J2")
    assert limited.headers["Retry-After"] and "Too many" in limited.get_json()["error"]


def test_errors_under_api_are_json_never_html(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.is_json
    wrong_method = client.post("/api/v1/representatives")
    assert wrong_method.status_code == 405 and wrong_method.is_json
    assert client.get("/no-such-page").mimetype == "text/html"  # the site's own pages are unchanged


def test_a_code_whose_districts_nobody_sits_for_is_a_404_with_choices(live_client, represent):
    represent.json("/postcodes/P0T1A1/", p.postcode("P0T1A1", centroid=[p.boundary(p.OLD_FED, "35001", "Nowhere")]))
    response = live_client.get(URL + "P0T1A1")
    assert response.status_code == 404 and response.get_json()["choices"]["provincial"]
