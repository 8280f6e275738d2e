"""Helpers every blueprint shares: the app context and one database session per request."""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.orm import Session

from ..context import AppContext
from ..services.privacy import hash_ip

# A busy or unavailable database (a lock, a full pool) clears in moments: the Retry-After of its 503, as a page
# (web/__init__.py) and as JSON (web/api).
DATABASE_RETRY_SECONDS = 5


def app_context() -> AppContext:
    return current_app.extensions["advocacy"]


def db_session() -> Session:
    """This request's session. Requests that can change data get a writer (BEGIN IMMEDIATE on SQLite)."""
    if "db_session" not in g:
        g.db_session = app_context().db.session(write=request.method not in {"GET", "HEAD", "OPTIONS"})
    return g.db_session


def request_ip_hash() -> str | None:
    """The keyed hash of this request's client IP: the only form in which an IP is ever stored."""
    return hash_ip(app_context().settings.secret_key, request.remote_addr)


def close_session(_error: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()  # rolls back anything the view did not commit
