"""GET /api/v1/campaigns and /campaigns/{slug}: what an ally's page reads."""

from __future__ import annotations

from .conftest import LETTER, PETITION, PRIVATE, SUPPORTER, bearer


def test_the_list_holds_public_open_campaigns_with_counts_and_never_private_ones(client, ally_key):
    for headers in ({}, bearer(ally_key)):
        response = client.get("/api/v1/campaigns", headers=headers)
        body = response.get_json()
        slugs = [c["slug"] for c in body["campaigns"]]
        assert response.status_code == 200 and PETITION in slugs and PRIVATE not in slugs
        assert all(isinstance(c["count"], int) for c in body["campaigns"])


def test_a_key_scoped_to_one_campaign_lists_only_that_one(client, scoped_key):
    body = client.get("/api/v1/campaigns", headers=bearer(scoped_key)).get_json()
    assert [c["slug"] for c in body["campaigns"]] == [PETITION]


def test_a_campaign_has_texts_goal_count_and_is_cacheable_with_an_etag(client):
    response = client.get(f"/api/v1/campaigns/{LETTER}")
    body = response.get_json()
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert (body["kind"], body["phase"], body["open"], body["confirm"]) == ("letter", "open", True, "required")
    assert body["title"] == "No to Bill C-377" and body["goal"] == 3000 and body["count"] == 0
    assert body["editable"] and body["letter"]["subject"] and body["levels"] == ["federal"]
    assert body["url"] == f"http://campaigns.test/campaigns/{LETTER}" and body["ally"] is None
    assert "public" in response.headers["Cache-Control"]
    again = client.get(f"/api/v1/campaigns/{LETTER}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_the_etag_changes_when_the_count_does(client, ally_key):
    first = client.get(f"/api/v1/campaigns/{PETITION}")
    client.post(f"/api/v1/campaigns/{PETITION}/signatures", json=SUPPORTER, headers=bearer(ally_key))
    second = client.get(f"/api/v1/campaigns/{PETITION}", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.get_json()["count"] == 1


def test_a_private_campaign_is_404_unless_the_key_is_allowed_it_and_never_shows_a_count(client, ally_key, scoped_key):
    assert client.get(f"/api/v1/campaigns/{PRIVATE}").status_code == 404
    assert client.get(f"/api/v1/campaigns/{PRIVATE}", headers=bearer(scoped_key)).status_code == 404
    response = client.get(f"/api/v1/campaigns/{PRIVATE}", headers=bearer(ally_key))
    body = response.get_json()
    assert response.status_code == 200 and body["count"] is None
    assert body["ally"] == {"slug": "friends-of-transit", "name": "Friends Of Transit", "may_post": True,
                            "opt_in_wording": "Yes, Friends of Transit may email me about this and future campaigns."}
    assert "private" in response.headers["Cache-Control"] and "Authorization" in response.headers["Vary"]


def test_drafts_and_unknown_slugs_are_json_404s(odd_campaigns_app):
    client = odd_campaigns_app.test_client()
    for slug in ("draft-petition", "no-such-campaign"):
        response = client.get(f"/api/v1/campaigns/{slug}")
        assert response.status_code == 404 and response.get_json() == {"error": "There is no campaign with that slug."}
    assert client.get("/api/v1/campaigns/closed-petition").get_json()["phase"] == "closed"


def test_a_bad_language_is_a_400(client):
    response = client.get(f"/api/v1/campaigns/{PETITION}?lang=de")
    assert response.status_code == 400 and response.get_json() == {"error": "lang must be en or fr"}


def test_the_openapi_document_describes_every_route(client):
    response = client.get("/api/v1/openapi.json")
    document = response.get_json()
    assert response.status_code == 200 and document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/campaigns", "/campaigns/{slug}", "/campaigns/{slug}/signatures",
                                      "/campaigns/{slug}/letters", "/representatives"}
    assert document["components"]["securitySchemes"]["allyKey"]["scheme"] == "bearer"


def test_the_documents_own_examples_work_as_written(client, ally_key):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/campaigns/{slug}/signatures"]["post"]
    for example in operation["requestBody"]["content"]["application/json"]["examples"].values():
        response = client.post(f"/api/v1/campaigns/{PETITION}/signatures", json=example["value"],
                               headers=bearer(ally_key))
        assert response.status_code == 201, response.get_json()
