"""The web entry points: blueprints, the request-scoped session, and error pages."""

from __future__ import annotations

from flask import Flask, g, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from ..domain.text import _l, format_count
from .common import DATABASE_RETRY_SECONDS, app_context, close_session, db_session
from .i18n import init_i18n
from .shedding import init_shedding


def init_web(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .api import json_errors
    from .embed import bp as embed_bp
    from .hooks import bp as hooks_bp
    from .public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(hooks_bp)
    app.register_blueprint(embed_bp)
    init_i18n(app)
    # After the language is chosen (the refusal page speaks it), before the rate limits and the database.
    init_shedding(app, app.extensions["advocacy"].settings.queue_limit_seconds)
    app.teardown_appcontext(close_session)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.register_error_handler(HTTPException, json_errors(_http_error))
    app.register_error_handler(SQLAlchemyError, json_errors(_database_error))

    app.add_template_global(field_attrs)
    # Counts in the page's language without Babel's locale data (see domain/text.GROUP_SEPARATORS).
    app.add_template_filter(format_count, "count")

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {"org_name": app_context().settings.org_name, "lang": getattr(g, "lang", "en")}


def field_attrs(field: object, hint: str, attrs: dict[str, object]) -> dict[str, object]:
    """HTML attributes tying a form field to its hint and error message (aria-describedby, aria-invalid)."""
    field_id = getattr(field, "id", "")
    described = [f"{field_id}-hint"] if hint else []
    if getattr(field, "errors", None):
        described.append(f"{field_id}-error")
        attrs = {**attrs, "aria-invalid": "true"}
    if described:
        attrs = {**attrs, "aria-describedby": " ".join(described)}
    return {key: value for key, value in attrs.items() if value is not False}


def healthz() -> tuple[dict[str, str], int]:
    try:
        db_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}, 200


MESSAGES = {
    400: (_l("Something was wrong with that request"), _l("Go back and try again.")),
    404: (_l("Page not found"), _l("Check the address, or start from the list of campaigns.")),
    405: (_l("That doesn't work here"), _l("Go back and try again.")),
    413: (_l("That was too much to send"), _l("Shorten your letter and try again.")),
}


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    title, advice = MESSAGES.get(code, (_l("Something went wrong"), _l("Please try again in a moment.")))
    return render_template("errors/error.html", code=code, title=title, advice=advice), code


def _database_error(error: SQLAlchemyError) -> tuple[str, int, dict[str, str]]:
    # A busy or unavailable database is a temporary condition: say so instead of a bare 500.
    return render_template("errors/error.html", code=503, title=_l("We are very busy right now"),
                           advice=_l("Nothing was lost on our side. Please try again in a moment.")), 503, \
        {"Retry-After": str(DATABASE_RETRY_SECONDS)}
