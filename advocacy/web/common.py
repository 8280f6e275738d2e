"""Helpers every blueprint shares: the app context and one database session per request."""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.orm import Session

from ..context import AppContext


def app_context() -> AppContext:
    return current_app.extensions["advocacy"]


def db_session() -> Session:
    """This request's session. Requests that can change data get a writer (BEGIN IMMEDIATE on SQLite)."""
    if "db_session" not in g:
        g.db_session = app_context().db.session(write=request.method not in {"GET", "HEAD", "OPTIONS"})
    return g.db_session


def close_session(_error: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()  # rolls back anything the view did not commit
