"""POST /hooks/bounces: a provider tells us a message bounced, as a raw report or as JSON."""

from __future__ import annotations

import hmac
import re

from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

from ...dsn import BounceReport, RecipientStatus
from ...models.base import utcnow
from ...services import bounces as bounce_service
from ..common import app_context, db_session
from . import bp

MAX_REPORT_BYTES = 2 * 1024 * 1024  # a report may carry the returned message, petition files included
_STATUS_CODE = re.compile(r"[245]\.\d{1,3}\.\d{1,3}")


def _reply(body: dict[str, object], status: int = 200) -> tuple[Response, int]:
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, status


@bp.errorhandler(HTTPException)
def _json_error(error: HTTPException) -> tuple[Response, int]:
    # A provider reads JSON; an HTML error page would only end up in its logs as noise.
    return _reply({"error": error.description or error.name}, error.code or 500)


def _authorised(secret: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # Compared in constant time, so the answer's timing says nothing about how much of a guess was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), secret.encode())


@bp.post("/bounces")
def bounces() -> tuple[Response, int]:
    ctx = app_context()
    secret = ctx.settings.bounce_webhook_secret
    if not secret:
        return _reply({"error": "This webhook is not switched on."}, 404)
    if not _authorised(secret):
        response, status = _reply({"error": "A valid bearer token is required."}, 401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="bounces"'
        return response, status
    request.max_content_length = MAX_REPORT_BYTES  # only once the caller is known to be our provider
    summary = bounce_service.BounceSummary()
    session = db_session()
    if request.is_json:
        report = _json_report(request.get_json(silent=True))
        if report is None:
            return _reply({"error": 'Send {"token": ..., "status": "5.1.1", "reason": ...} or a raw report.'}, 400)
        bounce_service.handle_report(session, report, summary, now=utcnow(), mail=ctx.mail,
                                     campaign=ctx.catalog.get)
    else:
        bounce_service.process_message(session, request.get_data(), summary, now=utcnow(), mail=ctx.mail,
                                       campaign=ctx.catalog.get, bounce_address=ctx.settings.bounce_mailbox)
    session.commit()
    return _reply(summary.as_dict())


def _json_report(body: object) -> BounceReport | None:
    """A provider's own event, reduced to a report: the token we gave it, the status, and why."""
    if not isinstance(body, dict):
        return None
    token, status, reason = body.get("token"), body.get("status"), body.get("reason", "")
    if not isinstance(token, str) or not isinstance(status, str) or not isinstance(reason, str) \
            or not _STATUS_CODE.fullmatch(status):
        return None
    # Providers report a final failure with a 5.x.x status and a deferral with 4.x.x.
    action = "failed" if status.startswith("5.") else "delayed" if status.startswith("4.") else "delivered"
    line = RecipientStatus(action=action, status=status, diagnostic=" ".join(reason.split())[:300])
    return BounceReport(tokens=(token.strip().lower(),), recipients=(line,))
