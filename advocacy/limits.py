"""Rate limits on public actions, with Flask-Limiter: per client address, per email address and per office.

Which limits apply where (``ROUTE_LIMITS``):
- ``POST /campaigns/<slug>``: ``sign``, ``letter_preview`` or ``letter_send`` per client address (a burst and a
  sustained limit each), and ``email`` per canonical email address for signatures and sent letters;
- ``GET /api/v1/representatives`` (the postal-code lookup): ``lookup`` per client address, for anonymous calls
  (an ally's key has its own bucket in web/api/auth.py, checked after the key so a bad key gets 401 first);
- ``office``: letters accepted for one office per day, checked by the views at intake (``hit_office_limits``).

Values come from the ``ADVOCACY_LIMIT_*`` settings unless staff override them in the admin (table
``rate_limit_overrides``). Counts live in Redis when ``ADVOCACY_REDIS_URL`` is set, so every web process shares
them; otherwise in this process's memory, which is right only for a single process (config.check refuses
production with several web processes and no Redis). Keys are keyed hashes (HMAC with the secret key): neither
Redis nor the trip records hold an address.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g, request
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter, RequestLimit
from limits import RateLimitItem, parse, parse_many
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import TooManyRequests

from .config import Settings
from .models import RateLimitOverride, RateLimitTrip
from .services.abuse import canonical_email
from .services.supporters import insert_on_conflict

log = logging.getLogger(__name__)
EXTENSION = "advocacy_limiter"
KEY_PREFIX = "advocacy-limits"
OVERRIDES_SECONDS = 5.0  # how long a process trusts the overrides it read; saving in the admin refreshes at once
TRIP_RECORD = parse("1/10second")  # at most one trip row write per limit and source every ten seconds


@dataclass(frozen=True)
class LimitInfo:
    label: Any  # lazy translatable strings: shown in the admin
    counted: Any  # what one count is, and per what


LIMITS = {
    "sign": LimitInfo(_l("Petition signatures"), _l("signing attempts per client address")),
    "letter_preview": LimitInfo(_l("Letter previews"), _l("previews per client address")),
    "letter_send": LimitInfo(_l("Letters sent"), _l("letters sent per client address")),
    "lookup": LimitInfo(_l("Postal code lookups"), _l("anonymous API lookups per client address")),
    "email": LimitInfo(_l("Actions per email address"),
                       _l("signatures and letters per email address (Gmail's dots and +tags count as one)")),
    "office": LimitInfo(_l("Letters to one office"), _l("letters accepted for one office")),
}


class LimitReached(TooManyRequests):
    """A limit checked inside a view (``office``): the same 429 as Flask-Limiter's, with the wait."""

    def __init__(self, name: str, retry_after: int) -> None:
        super().__init__(description=f"The {name} limit was reached")
        self.name, self.retry_after = name, retry_after


def limit_value(name: str) -> str:
    """The limit in force: the admin's override, else the setting."""
    return _overrides().get(name) or getattr(_settings(), f"limit_{name}")


def hashed(kind: str, raw: str) -> str:
    """A keyed hash of an address: stable across processes that share the secret, useless to anyone without it."""
    digest = hmac.new(_settings().secret_key.encode(), f"{kind}:{raw}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def client_key() -> str:
    # Behind a reverse proxy, ADVOCACY_PROXY_HOPS makes remote_addr the client's (web/security.py, ProxyFix).
    return hashed("ip", request.remote_addr or "unknown")


def email_limit_key() -> str:
    raw = request.form.get("email", "").strip()
    return hashed("email", canonical_email(raw)) if raw else ""  # "" = no email given: nothing to count


def public_action() -> str:
    """Which public action this POST is: ``sign``, ``letter_preview`` or ``letter_send``."""
    campaign = current_app.extensions["advocacy"].catalog.get((request.view_args or {}).get("slug", ""))
    if campaign is None or campaign.kind != "letter":
        return "sign"
    return "letter_send" if request.form.get("intent") == "send" else "letter_preview"


def _public_action_limits(limiter: Limiter) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    per_address = limiter.shared_limit(lambda: limit_value(public_action()), scope=lambda _endpoint: public_action(),
                                       key_func=client_key)
    per_email = limiter.shared_limit(lambda: limit_value("email"), scope="email", key_func=email_limit_key,
                                     exempt_when=lambda: public_action() == "letter_preview")
    return lambda view: per_address(per_email(view))


def _lookup_limits(limiter: Limiter) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    # A caller with a key (or trying one) is answered by web/api/auth.py: 401 before any limit, then its own bucket.
    return limiter.shared_limit(lambda: limit_value("lookup"), scope="lookup", key_func=client_key,
                                exempt_when=lambda: "Authorization" in request.headers or "api_key" in request.args)


ROUTE_LIMITS = {"public.act": _public_action_limits, "api.representatives": _lookup_limits}


def init_limits(app: Flask) -> Limiter:
    """One limiter per app (tests build several apps in one process), wrapped around the routes it limits."""
    settings: Settings = app.extensions["advocacy"].settings
    redis_options = {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}
    limiter = Limiter(
        key_func=client_key, storage_uri=settings.redis_url or "memory://",
        storage_options=redis_options if settings.redis_url else {}, strategy="sliding-window-counter",
        key_prefix=KEY_PREFIX, enabled=settings.rate_limits, on_breach=_breached,
        # Redis down: keep limiting in each process's memory rather than stop every supporter or every limit.
        in_memory_fallback_enabled=bool(settings.redis_url))
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter
    app.register_error_handler(429, too_many_requests)
    app.extensions["advocacy_limit_overrides"] = (-math.inf, {})
    for endpoint, decorate in ROUTE_LIMITS.items():
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = decorate(limiter)(app.view_functions[endpoint])
    if settings.production and not settings.redis_url and settings.rate_limits:
        log.warning("rate limits are kept in this process's memory: run one web process, or set ADVOCACY_REDIS_URL")
    return limiter


def hit_office_limits(office_keys: Iterable[str]) -> None:
    """Count one letter for each office; raise ``LimitReached`` when one has had its fill today."""
    limiter: Limiter = current_app.extensions[EXTENSION]
    if not limiter.enabled:
        return
    items = parse_many(limit_value("office"))
    for office in sorted(set(office_keys)):
        key = hashed("office", office)
        for item in items:
            if not limiter.limiter.hit(item, KEY_PREFIX, key, "office"):
                wait = _wait(limiter, item, KEY_PREFIX, key, "office")
                record_trip("office", key, wait)
                raise LimitReached("office", wait)


def _wait(limiter: Limiter, item: RateLimitItem, *args: str) -> int:
    reset = limiter.limiter.get_window_stats(item, *args).reset_time
    return max(1, math.ceil(reset - time.time()))


def _breached(breach: RequestLimit) -> None:
    """Flask-Limiter's callback for every breached limit: remember the wait for the 429 page, record the trip."""
    *_prefix, key, name = breach.request_args
    wait = max(1, breach.reset_at - int(time.time()))
    record_trip(name, key, wait)


def retry_after(error: TooManyRequests) -> int:
    """Seconds until the supporter may try again (for Retry-After and the message)."""
    if isinstance(error, LimitReached):
        return error.retry_after
    return g.get("limit_wait", 60)


def wait_words(seconds: int) -> str:
    if seconds < 90:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    if seconds < 90 * 60:
        return ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))
    return ngettext("%(num)d hour", "%(num)d hours", math.ceil(seconds / 3600))


def record_trip(name: str, key: str, wait: int) -> None:
    """Log the trip and count it in ``rate_limit_trips`` (by keyed hash and hour), at most once every 10 s per key."""
    g.limit_wait = max(wait, g.get("limit_wait", 0))
    g.limit_name = name
    log.info("rate limit %s tripped by %s; next try in %ss", name, key, wait)
    limiter: Limiter = current_app.extensions[EXTENSION]
    now = datetime.now(UTC)
    hour = now.replace(minute=0, second=0, microsecond=0)
    try:
        count = limiter.storage.incr(f"{KEY_PREFIX}/trips/{name}/{key}/{hour:%Y%m%d%H}", 3600)
        if not limiter.limiter.hit(TRIP_RECORD, KEY_PREFIX, "trip-record", name, key):
            return
        with current_app.extensions["advocacy"].db.transaction() as session:
            insert_on_conflict(session, RateLimitTrip, {"name": name, "key_hash": key, "hour": hour, "count": count,
                                                        "last_at": now},
                               conflict=["name", "key_hash", "hour"], update=["count", "last_at"])
    except (SQLAlchemyError, OSError) as exc:  # a busy database or storage must not turn a 429 into a 500
        log.warning("could not record a %s rate limit trip: %s", name, type(exc).__name__)


def _overrides() -> dict[str, str]:
    loaded_at, values = current_app.extensions["advocacy_limit_overrides"]
    if time.monotonic() - loaded_at > OVERRIDES_SECONDS:
        values = refresh_overrides(current_app)
    return values


def refresh_overrides(app: Flask) -> dict[str, str]:
    """Read the admin's overrides again (after saving one, and every ``OVERRIDES_SECONDS``)."""
    try:
        with app.extensions["advocacy"].db.session() as reader:
            values = {row.name: row.value for row in reader.scalars(select(RateLimitOverride))}
    except SQLAlchemyError as exc:  # keep the last known values: a busy database must not lift or block limits
        log.warning("could not read rate limit overrides: %s", type(exc).__name__)
        values = app.extensions["advocacy_limit_overrides"][1]
    app.extensions["advocacy_limit_overrides"] = (time.monotonic(), values)
    return values


def _settings() -> Settings:
    return current_app.extensions["advocacy"].settings


def too_many_requests(error: TooManyRequests) -> Any:
    """The app-wide 429: JSON under /api/, a page saying how long to wait elsewhere; always with Retry-After."""
    from flask import render_template

    from .web.api import PREFIX, error_response

    wait = retry_after(error)
    message = gettext("Too many tries from your connection. Please wait %(wait)s and try again.", wait=wait_words(wait))
    if request.path.startswith(PREFIX):
        return error_response(429, message, {"Retry-After": str(wait)})
    page = render_template("errors/error.html", code=429, title=gettext("Please slow down"), advice=message)
    return page, 429, {"Retry-After": str(wait)}
