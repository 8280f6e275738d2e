"""Webhooks for mail providers under /hooks: no cookies, no CSRF token; a shared secret instead."""

from __future__ import annotations

from flask import Blueprint

from ...extensions import csrf

bp = Blueprint("hooks", __name__, url_prefix="/hooks")
# Called by a provider's servers, never by a browser, and authenticated by a secret in a header:
# there is no session for a forged cross-site request to ride on.
csrf.exempt(bp)

from . import views  # noqa: E402,F401 - registers the routes
