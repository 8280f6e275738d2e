"""A busy or unavailable database: the API answers 503 in JSON with Retry-After, as the pages do, and the
same request sent again once the database is free is taken."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from advocacy import create_app
from advocacy import db as database
from advocacy.web.common import DATABASE_RETRY_SECONDS

from .conftest import PETITION, SUPPORTER, bearer

SIGNATURES = f"/api/v1/campaigns/{PETITION}/signatures"


@pytest.fixture
def impatient_app(settings, db, monkeypatch):  # noqa: ARG001 - db: the migrated database the app opens
    """The app with a 50 ms SQLite busy timeout, so a held write lock fails a request at once."""
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 50)
    app = create_app(settings)
    yield app
    app.extensions["advocacy"].db.dispose()


def test_a_write_locked_database_is_a_json_503_with_retry_after(impatient_app, settings, ally_key):
    client = impatient_app.test_client()
    holder = sqlite3.connect(settings.database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process is writing, and keeps at it
        busy = client.post(SIGNATURES, json=SUPPORTER, headers=bearer(ally_key))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert busy.status_code == 503 and busy.is_json
    assert busy.headers["Retry-After"] == str(DATABASE_RETRY_SECONDS)
    assert busy.headers["Cache-Control"] == "no-store"
    assert busy.get_json() == {"error": "We are very busy; try again shortly."}
    again = client.post(SIGNATURES, json=SUPPORTER, headers=bearer(ally_key))
    assert again.status_code == 201, again.get_json()  # nothing was recorded the first time: no "already signed"


def test_a_failing_read_is_a_json_503_with_retry_after(client, ctx):
    with ctx.db.engine.begin() as conn:
        conn.execute(text("DROP TABLE actions"))  # every read of a count now fails in the database
    refused = client.get(f"/api/v1/campaigns/{PETITION}")
    assert refused.status_code == 503 and refused.is_json
    assert refused.headers["Retry-After"] == str(DATABASE_RETRY_SECONDS)
    assert refused.headers["Access-Control-Expose-Headers"] == "ETag, Retry-After"


def test_the_page_and_the_api_ask_for_the_same_wait(client, ctx):
    with ctx.db.engine.begin() as conn:
        conn.execute(text("DROP TABLE actions"))
    page = client.get(f"/campaigns/{PETITION}")
    api = client.get(f"/api/v1/campaigns/{PETITION}")
    assert (page.status_code, api.status_code) == (503, 503)
    assert page.headers["Retry-After"] == api.headers["Retry-After"] == str(DATABASE_RETRY_SECONDS)


def test_the_openapi_document_says_503_comes_with_retry_after(client):
    document = client.get("/api/v1/openapi.json").get_json()
    busy = document["paths"]["/campaigns/{slug}/signatures"]["post"]["responses"]["503"]
    assert busy["headers"]["Retry-After"]["required"] is True
