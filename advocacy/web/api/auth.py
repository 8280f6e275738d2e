"""Who is calling: an ally's key from the Authorization header (never the address), and rate limits.

The key is checked before any rate limit, so a caller without a valid key always learns that first (401),
and cannot use up an ally's allowance.
"""

from __future__ import annotations

import math

from flask import abort, current_app, request

from ...models.base import utcnow
from ...ratelimit import MemoryRateLimiter, Rate, RateLimiter, shared_limiter
from ...services.allies import Caller, authenticate, note_use, use_is_stale
from ..common import app_context
from . import error_response

UNAUTHORISED = {"WWW-Authenticate": 'Bearer realm="advocacy"'}


def _unauthorised(message: str) -> None:
    abort(error_response(401, message, UNAUTHORISED))


def caller(*, required: bool) -> Caller | None:
    """The ally behind this request; ``None`` for an anonymous read. Aborts with 401 on a bad or missing key."""
    if "api_key" in request.args:
        # A key in an address ends up in logs, histories and Referer headers: refuse it even when it is valid.
        _unauthorised("Send your API key in the Authorization header (Bearer), never in the address.")
    header = request.headers.get("Authorization", "")
    if not header:
        if required:
            _unauthorised("This needs an API key: send the header Authorization: Bearer <your key>.")
        return None
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        _unauthorised("Send your API key as Authorization: Bearer <your key>.")
    ctx = app_context()
    with ctx.db.session() as reader:
        found = authenticate(reader, key.strip())
    if found is None:
        _unauthorised("That API key is not valid: it may have been revoked or mistyped.")
    now = utcnow()
    if found is not None and use_is_stale(found, now=now):
        with ctx.db.transaction() as session:
            note_use(session, found, now=now)
    return found


def _limiter(name: str, rate: Rate, *, shared: bool) -> RateLimiter:
    limiter = current_app.extensions.get(name)
    if limiter is None:
        settings = app_context().settings
        limiter = shared_limiter(app_context().db, rate, redis_url=settings.redis_url) if shared \
            else MemoryRateLimiter(rate)
        limiter = current_app.extensions.setdefault(name, limiter)
    return limiter


def limit(who: Caller | None) -> None:
    """Take a token from the key's bucket (or, anonymous, the client address's); 429 when none is left."""
    settings = app_context().settings
    if not settings.api_rate_limits:
        return
    if who is None:
        # Anonymous reads: one bucket per client address in each process, enough to stop a runaway script.
        per_minute = settings.api_rate_per_minute
        limiter = _limiter("api_limiter", Rate(per_minute, max(5, per_minute // 6)), shared=False)
        bucket, message = request.remote_addr or "unknown", "Too many requests from your address."
    else:
        limiter = _limiter("api_key_limiter", Rate(settings.api_key_rate_per_minute, settings.api_key_burst),
                           shared=settings.api_rate_storage == "shared")
        bucket, message = f"api-key:{who.key_id}", "Too many requests with this API key."
    wait = limiter.acquire(bucket)
    if wait > 0:
        abort(error_response(429, f"{message} Try again in {math.ceil(wait)} seconds.",
                             {"Retry-After": str(math.ceil(wait))}))
