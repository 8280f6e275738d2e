"""The web app's factory: ``create_app`` builds and wires the Flask app from the settings."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .catalog.stored import open_catalog
from .config import Settings
from .context import AppContext
from .db import Database
from .extensions import babel, csrf, selected_locale
from .providers import build_chain
from .web.session_cookie import SessionCookies


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web app from ``settings`` (default: the environment). Builds and wires; no logic."""
    settings = settings or Settings.from_env()
    settings.check()
    database = Database(settings.sqlalchemy_url)
    # Refuses to start on an invalid file; campaigns made in the admin are read from the database when first used.
    catalog = open_catalog(settings.campaigns_dir, database, refresh_seconds=settings.catalog_refresh_seconds)
    app = Flask(__name__, template_folder=str(settings.templates_dir), instance_path=str(settings.instance_dir))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=64 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        WTF_CSRF_TIME_LIMIT=None if not settings.production else 4 * 3600,
        TESTING=settings.env == "test",
    )
    app.session_interface = SessionCookies()
    app.extensions["advocacy"] = AppContext(settings, database, catalog, build_chain(settings))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=selected_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))

    from .limits import init_limits
    from .web import init_web
    from .web.security import init_security

    init_web(app)
    init_limits(app)  # after the blueprints: it wraps the routes it limits
    init_security(app)
    return app


