"""Shedding load in a surge: a page view that queued too long for a free web process is answered 503 at once.

A reverse proxy that stamps each request when it arrives (nginx: ``proxy_set_header X-Request-Start "t=${msec}";``)
tells how long the request then waited for a web process. Past ``ADVOCACY_QUEUE_LIMIT_SECONDS`` a page view (GET or
HEAD) gets a quick 503 with Retry-After (how long it waited) and a page asking to try again shortly, instead of
joining a queue that grows until the proxy or the person gives up with no answer. A form being sent is always
served: its supporter has done the work already, and each page not served now is a form that will not be sent in
the next minute, which is what keeps the queue short. Without the header, or with the setting at 0, nothing is shed.

Each area is refused in its own form: the JSON API (and the widget's count, read by allies' pages) with the API's
JSON error, the widget with a notice its frame can show, every other page with the "very busy" page.
"""

from __future__ import annotations

import math
import time

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

HEADER = "X-Request-Start"
# Never shed: a load balancer's health check must see the process, not a refusal. The site's static files and the
# widget's script and theme cost no more to serve than to refuse, and refused they would only break a page already
# served (ours without its stylesheet, or an ally's).
EXEMPT_ENDPOINTS = ("healthz", "static", "embed.script", "embed.pinned_script", "embed.theme")
JSON_ENDPOINTS = ("embed.count",)  # JSON that allies' pages read from any site
MIN_RETRY_SECONDS = 5
# Proxies give up on a request long before this (nginx after 60 s): a longer wait means the proxy's clock and ours
# disagree, and shedding on it would turn every visitor away.
CLOCK_SKEW_SECONDS = 120
PAGES_KEPT = 64  # refusal pages kept per process, by language and address (a surge is on a few pages)


def request_start(value: str) -> float | None:
    """When the proxy received the request (seconds since the epoch), from ``t=1700000000.123`` (nginx's
    ``$msec``) or the same in milliseconds or microseconds; None when the header is absent or unreadable."""
    raw = value.strip().removeprefix("t=")
    try:
        stamp = float(raw)
    except ValueError:
        return None
    while stamp > 1e11:  # milliseconds or microseconds since the epoch
        stamp /= 1000
    return stamp if math.isfinite(stamp) and stamp > 0 else None


def queued_seconds(now: float | None = None) -> float:
    """How long this request waited between the proxy and this process (0 when the proxy did not say)."""
    started = request_start(request.headers.get(HEADER, ""))
    return max(0.0, (now or time.time()) - started) if started is not None else 0.0


def init_shedding(app: Flask, limit_seconds: float) -> None:
    """Check each request's queueing time first thing (before rate limits or the database)."""
    if limit_seconds <= 0:
        return
    from .api import BUSY, PREFIX, error_response
    from .embed import frame_anywhere

    # Refusing must cost less than serving: each page (the same for everyone on one address and language) is
    # rendered once and kept.
    pages: dict[tuple[str, str], str] = {}

    def page(template: str, address: str) -> str:
        key = (g.get("lang", "en"), address)
        found = pages.get(key)
        if found is None:
            if len(pages) >= PAGES_KEPT:
                pages.clear()
            found = pages[key] = render_template(template, code=503, title=_("We are very busy right now"),
                                                 advice=_("Please try again in a moment."))
        return found

    def shed_late_page_views() -> ResponseReturnValue | None:
        if request.method not in ("GET", "HEAD") or request.endpoint in EXEMPT_ENDPOINTS:
            return None
        waited = queued_seconds()
        if not limit_seconds < waited < CLOCK_SKEW_SECONDS:
            return None
        # Come back once the queue has had time to drain; a clock apart from the proxy's cannot ask for hours.
        headers = {"Retry-After": str(min(60, max(MIN_RETRY_SECONDS, math.ceil(waited))))}
        if request.path.startswith(PREFIX) or request.endpoint in JSON_ENDPOINTS:
            if request.endpoint in JSON_ENDPOINTS:
                headers.update({"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Retry-After"})
            return error_response(503, BUSY, headers)
        if request.blueprint == "embed":
            frame_anywhere()
            return page("embed/busy.html", "embed"), 503, headers
        return page("errors/error.html", request.full_path), 503, headers

    app.before_request(shed_late_page_views)
