"""advocacy: an advocacy letter-writing and petition engine."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .catalog import Catalog, load_directory
from .config import Settings
from .context import AppContext
from .db import Database
from .extensions import babel, csrf, selected_locale
from .providers import build_chain


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web app from ``settings`` (default: the environment). Builds and wires; no logic."""
    settings = settings or Settings.from_env()
    settings.check()
    catalog = Catalog(load_directory(settings.campaigns_dir))  # refuses to start on an invalid file
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
    app.extensions["advocacy"] = AppContext(settings, Database(settings.sqlalchemy_url), catalog,
                                            build_chain(settings))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=selected_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))

    from .web import init_web

    init_web(app)
    return app


