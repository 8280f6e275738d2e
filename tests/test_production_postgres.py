"""The production shape on PostgreSQL: migrations, gunicorn with 2 workers, 2 delivery workers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from advocacy import migrate
from advocacy.db import Database
from advocacy.models import Action, Delivery

from .smtp import free_port
from .test_run_path import wait_for

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.postgres


def test_gunicorn_and_two_workers_on_postgresql(pg_url, tmp_path):
    env = {**os.environ, "ADVOCACY_ENV": "production", "ADVOCACY_SECRET_KEY": "s" * 40,
           "ADVOCACY_DATABASE_URL": pg_url, "ADVOCACY_INSTANCE_DIR": str(tmp_path),
           "ADVOCACY_FROM_ADDRESS": "letters@union.test"}
    subprocess.run([str(BIN / "advocacy"), "db", "upgrade"], env=env, check=True, timeout=60, capture_output=True)
    subprocess.run([str(BIN / "advocacy"), "directory", "load", "--demo"], env=env, check=True, timeout=60,
                   capture_output=True)
    port = free_port()
    web = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", web)
        for number in range(10):
            # A new visitor each time, served by either gunicorn worker. Production cookies are Secure and
            # this server speaks plain HTTP (TLS ends at the proxy), so the cookie is passed on by hand.
            page = requests.get(f"{base}/campaigns/stop-offshoring", timeout=10)
            assert "Secure" in page.headers["Set-Cookie"]
            cookie = page.headers["Set-Cookie"].split(";", 1)[0]
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
            response = requests.post(f"{base}/campaigns/stop-offshoring", timeout=10, allow_redirects=False,
                                     headers={"Cookie": cookie}, data={
                                         "csrf_token": token, "first_name": "Pat", "last_name": f"Number{number}",
                                         "email": f"pat{number}@example.com", "postal_code": "K1P 5J2",
                                         "intent": "send"})
            assert response.status_code == 303, response.text[:500]
    finally:
        web.terminate()
        web.communicate(timeout=20)
    workers = [subprocess.Popen([str(BIN / "advocacy"), "worker", "--once"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [w.communicate(timeout=60)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    db = Database(pg_url)
    try:
        with db.transaction() as session:
            assert session.scalar(select(func.count()).select_from(Action)) == 10
            statuses = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
        assert dict(statuses) == {"sent": 20}
        emails = list((tmp_path / "mailbox").glob("*.eml"))
        assert len(emails) == 20
    finally:
        db.dispose()


def test_migrations_go_down_and_up_again(pg_url):
    db = Database(pg_url)
    try:
        migrate.upgrade(db)
        migrate.downgrade(db, "base")
        migrate.upgrade(db)
    finally:
        db.dispose()
