"""Migration 0002 applies and reverts on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from advocacy import migrate
from advocacy.db import Database


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_0002_adds_the_cache_the_buckets_and_the_snapshot_columns_and_reverts(backend, tmp_path, request):
    url = request.getfixturevalue("pg_url") if backend == "postgres" else f"sqlite:///{tmp_path / 'm.db'}"
    db = Database(url)
    migrate.upgrade(db, "0001")
    migrate.upgrade(db)
    tables = inspect(db.engine)
    assert {"postcode_lookups", "rate_buckets"} <= set(tables.get_table_names())
    columns = {c["name"] for c in tables.get_columns("deliveries")}
    assert {"confidence", "recipient_source_url", "recipient_fetched_at"} <= columns
    migrate.downgrade(db, "0001")
    assert "postcode_lookups" not in inspect(db.engine).get_table_names()
    db.dispose()
