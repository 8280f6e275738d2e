"""API keys: hashed, shown once, revocable, per-key limits; 401 always comes before 429."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from advocacy import create_app
from advocacy.models import ApiKey
from advocacy.models.base import utcnow
from advocacy.services.allies import revoke_key

from .conftest import PETITION, SUPPORTER, bearer, make_key

SIGN = f"/api/v1/campaigns/{PETITION}/signatures"


def test_only_a_hash_of_a_256_bit_key_is_stored(db, ally_key):
    with db.transaction() as session:
        row = session.scalars(select(ApiKey)).one()
    assert len(ally_key) >= 4 + 43 and ally_key.startswith(row.prefix)
    assert row.key_hash == hashlib.sha256(ally_key.encode()).hexdigest() and ally_key not in row.key_hash


def test_posting_without_a_key_or_with_a_bad_one_is_401_json(client, ally_key):
    for headers in ({}, {"Authorization": "Bearer adv_not-a-key"}, {"Authorization": f"Basic {ally_key}"}):
        response = client.post(SIGN, json=SUPPORTER, headers=headers)
        assert response.status_code == 401 and response.is_json and "error" in response.get_json()
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_key_in_the_address_is_refused_even_when_valid(client, ally_key):
    response = client.get(f"/api/v1/campaigns?api_key={ally_key}")
    assert response.status_code == 401 and "Authorization header" in response.get_json()["error"]


def test_a_revoked_key_stops_working_on_the_next_request(client, db, ally_key):
    assert client.get("/api/v1/campaigns", headers=bearer(ally_key)).status_code == 200
    with db.transaction() as session:
        revoke_key(session, ally_key[:12], now=utcnow())
    assert client.get("/api/v1/campaigns", headers=bearer(ally_key)).status_code == 401


def test_use_is_noted_on_the_key(client, db, ally_key):
    client.get("/api/v1/campaigns", headers=bearer(ally_key))
    with db.transaction() as session:
        assert session.scalars(select(ApiKey.last_used_at)).one() is not None


def test_each_key_has_its_own_limit_and_a_bad_key_is_401_not_429(settings, db):
    app = create_app(settings.with_(api_key_rate_per_minute=1, api_key_burst=3))
    client = app.test_client()
    first, second = make_key(db, "first-ally"), make_key(db, "second-ally")
    statuses = [client.get("/api/v1/campaigns", headers=bearer(first)).status_code for _ in range(5)]
    assert statuses[:3] == [200] * 3 and statuses[-1] == 429
    limited = client.post(SIGN, json=SUPPORTER, headers=bearer(first))
    assert limited.status_code == 429 and limited.headers["Retry-After"] and limited.is_json
    assert client.get("/api/v1/campaigns", headers=bearer(second)).status_code == 200
    assert client.post(SIGN, json=SUPPORTER, headers={"Authorization": "Bearer adv_wrong"}).status_code == 401
    assert client.post(SIGN, json=SUPPORTER).status_code == 401
    app.extensions["advocacy"].db.dispose()


def test_limits_can_be_switched_off_for_contract_tests(settings, db):
    app = create_app(settings.with_(api_key_rate_per_minute=1, api_key_burst=1, api_rate_limits=False))
    key = make_key(db, "busy-ally")
    client = app.test_client()
    assert {client.get("/api/v1/campaigns", headers=bearer(key)).status_code for _ in range(5)} == {200}
    app.extensions["advocacy"].db.dispose()


def test_shared_limits_live_in_the_database_across_apps(settings, db):
    shared = settings.with_(api_key_rate_per_minute=1, api_key_burst=2, api_rate_storage="shared")
    key = make_key(db, "two-process-ally")
    one, two = create_app(shared), create_app(shared)
    statuses = [app.test_client().get("/api/v1/campaigns", headers=bearer(key)).status_code
                for app in (one, two, one)]
    assert statuses == [200, 200, 429]
    for app in (one, two):
        app.extensions["advocacy"].db.dispose()
