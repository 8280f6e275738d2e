"""Shared fixtures: settings, a migrated database (SQLite, or PostgreSQL when configured), app, client, SMTP."""

from __future__ import annotations

import os
import re
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from advocacy import create_app, migrate
from advocacy.config import PROJECT_ROOT, Settings
from advocacy.db import Database
from advocacy.models.base import utcnow
from advocacy.services.directory import load_csv

from .smtp import SmtpSink

DEMO = PROJECT_ROOT / "advocacy" / "data" / "demo_directory.csv"
PG_URL = os.environ.get("ADVOCACY_TEST_DATABASE_URL", "")
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "instance_dir": tmp_path / "instance",
        "database_url": f"sqlite:///{tmp_path / 'test.db'}",
        "base_url": "http://campaigns.test",
        "from_address": "letters@union.test",
        "org_name": "Test Union",
        "retry_base_seconds": 1.0,
        # Tests post forms straight after loading them: the timing check has its own tests (tests/security).
        "min_fill_seconds": 0.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def prepare_database(url: str) -> Database:
    db = Database(url)
    migrate.upgrade(db)
    with db.transaction() as session, DEMO.open(encoding="utf-8", newline="") as stream:
        load_csv(session, stream, name=DEMO.name, now=utcnow())
    return db


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    (tmp_path / "instance").mkdir()
    return make_settings(tmp_path)


@pytest.fixture
def db(settings: Settings) -> Database:
    database = prepare_database(settings.sqlalchemy_url)
    yield database
    database.dispose()


@pytest.fixture
def app(settings: Settings, db: Database):
    application = create_app(settings)
    yield application
    application.extensions["advocacy"].db.dispose()


@pytest.fixture
def make_app(tmp_path):
    """Build apps on one migrated database with settings overrides: ``make_app(rate_limits=False)``."""
    apps = []

    def build(**overrides):
        (tmp_path / "instance").mkdir(exist_ok=True)
        settings = make_settings(tmp_path, **overrides)
        if not apps:
            prepare_database(settings.sqlalchemy_url).dispose()
        apps.append(create_app(settings))
        return apps[-1]

    yield build
    for app in apps:
        app.extensions["advocacy"].db.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    return app.extensions["advocacy"]


@pytest.fixture
def pg_url() -> str:
    """A PostgreSQL URL with a fresh schema for this test, dropped afterwards."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need ADVOCACY_TEST_DATABASE_URL (CI sets it)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - the server is not there
        admin.dispose()
        pytest.skip(f"PostgreSQL at {PG_URL} is not reachable: {exc}")
    separator = "&" if "?" in PG_URL else "?"
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1) + f"{separator}options=-csearch_path%3D{schema}"
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def pg_db(pg_url: str) -> Database:
    database = prepare_database(pg_url)
    yield database
    database.dispose()


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client, url: str, data: dict[str, str], *, follow: bool = False):
    """Submit a form the way a browser does: fetch the page first for its CSRF token."""
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data}, follow_redirects=follow)


_CONFIRM_LINK = re.compile(r"(/confirm/[A-Za-z0-9_-]+)")


def confirm_by_email(client, db, address: str) -> None:
    """Do what the supporter does: open the newest confirmation email's link and press the button."""
    from sqlalchemy import select

    from advocacy.models import Delivery

    with db.transaction() as session:
        body = session.scalars(select(Delivery.body).where(Delivery.kind == "confirmation",
                                                           Delivery.office_key == address.lower())
                               .order_by(Delivery.id.desc())).first()
    assert body, f"no confirmation email to {address}"
    link = _CONFIRM_LINK.search(body).group(1)
    response = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


# Headless Chromium (Debian's package) driven by Playwright, against the app on a loopback live server.
# Defined here, once, so every folder's browser tests share the one Playwright instance of the session.
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    tab = context.new_page()
    yield tab
    context.close()
