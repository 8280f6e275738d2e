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
           "ADVOCACY_FROM_ADDRESS": "letters@union.test", "ADVOCACY_ORG_ADDRESS": "1 Union Street, Toronto ON",
           # Ten letters from one address within seconds, typed by a script: not what the limits are for.
           "ADVOCACY_MIN_FILL_SECONDS": "0", "ADVOCACY_RATE_LIMITS": "false"}
    subprocess.run([str(BIN / "advocacy"), "db", "upgrade"], env=env, check=True, timeout=60, capture_output=True)
    subprocess.run([str(BIN / "advocacy"), "directory", "load", "--demo"], env=env, check=True, timeout=60,
                   capture_output=True)
    port = free_port()
    web = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    db = Database(pg_url)
    try:
        wait_for(f"{base}/healthz", web)
        for number in range(10):
            # A new visitor each time, served by either gunicorn worker. Production cookies are Secure and
            # this server speaks plain HTTP (TLS ends at the proxy), so the cookie is passed on by hand.
            visitor = Visitor(base, "/campaigns/stop-offshoring")
            response = visitor.post("/campaigns/stop-offshoring", {
                "first_name": "Pat", "last_name": f"Number{number}", "email": f"pat{number}@example.com",
                "postal_code": "K1P 5J2", "intent": "send"})
            assert response.status_code == 303, response.text[:500]
        run_workers(env, 2)  # the confirmation emails; the letters wait
        with db.transaction() as session:
            bodies = session.scalars(select(Delivery.body).where(Delivery.kind == "confirmation")).all()
        for body in bodies:
            link = re.search(r"(/confirm/[A-Za-z0-9_-]+)", body).group(1)
            confirmed = Visitor(base, link).post(link, {})
            assert "on its way" in confirmed.text
        run_workers(env, 2)
    finally:
        web.terminate()
        web.communicate(timeout=20)
    try:
        with db.transaction() as session:
            assert session.scalar(select(func.count()).select_from(Action)) == 10
            statuses = session.execute(select(Delivery.kind, Delivery.status, func.count())
                                       .group_by(Delivery.kind, Delivery.status)).all()
        assert {(kind, status): n for kind, status, n in statuses} == {
            ("letter", "sent"): 20, ("confirmation", "sent"): 10, ("receipt", "sent"): 10}
        emails = list((tmp_path / "mailbox").glob("*.eml"))
        assert len(emails) == 40
    finally:
        db.dispose()


class Visitor:
    """A browser without a cookie jar for Secure cookies over plain HTTP: the cookie is carried by hand."""

    def __init__(self, base: str, page: str) -> None:
        self.base = base
        first = requests.get(base + page, timeout=10)
        assert "Secure" in first.headers["Set-Cookie"]
        self.cookie = first.headers["Set-Cookie"].split(";", 1)[0]
        self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', first.text).group(1)

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        return requests.post(self.base + path, data={"csrf_token": self.token, **data}, timeout=10,
                             allow_redirects=False, headers={"Cookie": self.cookie})


def run_workers(env: dict[str, str], count: int) -> None:
    workers = [subprocess.Popen([str(BIN / "advocacy"), "worker", "--once"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for _ in range(count)]
    outputs = [w.communicate(timeout=60)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs


def test_migrations_go_down_and_up_again(pg_url):
    db = Database(pg_url)
    try:
        migrate.upgrade(db)
        migrate.downgrade(db, "base")
        migrate.upgrade(db)
    finally:
        db.dispose()
