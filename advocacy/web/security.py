"""Web security shared by every blueprint: safe return addresses and the default security headers.

``safe_next(url)`` is the one check for any address taken from a request (``next=``, ``return_to=``): it
keeps same-origin relative paths only, so a redirect can never leave the site.
"""

from __future__ import annotations

import re
import unicodedata
from functools import partial
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from ..config import SettingsError
from ..models.base import utcnow
from ..services import abuse
from .proxy_check import init_proxy_check

# Printable ASCII without space and backslash. Browsers drop tabs and newlines inside URLs ("/\t/evil" is
# "//evil") and read "\" as "/", so anything outside this set is refused rather than cleaned.
_PLAIN_PATH = re.compile(r"/[!-\[\]-~]*")


def safe_next(url: str | None, default: str = "/") -> str:
    """``url`` when it is a same-origin relative path (``/admin/people?page=2``), otherwise ``default``.

    Refused: absolute and scheme-relative addresses (``https://x``, ``//x``, ``https:x``), backslashes,
    whitespace and control characters anywhere, non-ASCII, and paths that decode to any of those
    (``/%2F%2Fevil``), so a later decoding step cannot turn a safe path into an off-site one; and dot
    segments (``/..//evil``).
    """
    if not isinstance(url, str) or not _PLAIN_PATH.fullmatch(url) or not _is_local(url):
        return default
    decoded = url
    for _ in range(3):  # a few rounds of percent-decoding cover double-encoded tricks
        decoded = unquote(decoded)
        if not _is_local(decoded) or any(_is_control(ch) for ch in decoded):
            return default
    return url


def _is_local(url: str) -> bool:
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return False
    parts = urlsplit(url)
    # Dot segments are never in our own addresses; "/..//evil" would resolve to "//evil".
    return not parts.scheme and not parts.netloc and not {".", ".."} & set(parts.path.split("/"))


def _is_control(ch: str) -> bool:
    """Control, format and line-separator characters: browsers drop or reinterpret them inside addresses."""
    return unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}


# Every page's own resources only. No inline scripts or handlers anywhere (templates load advocacy/static/*.js);
# inline style attributes are avoided too, so style-src needs no 'unsafe-inline' either.
DEFAULT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"
# Responses no cache or browser history should keep: staff pages, the API's answers, and pages that show
# or act on one person's data (confirmation, unsubscribe, exports).
NO_STORE_PREFIXES = ("/admin", "/api/", "/confirm/", "/unsubscribe", "/export")


def init_security(app: Flask) -> None:
    """Refuse to serve with the debugger in production, read the client address through the configured proxies
    (and notice when requests show the setting is wrong), and add the default headers to every response."""
    settings = app.extensions["advocacy"].settings
    if settings.production and app.debug:
        raise SettingsError("Flask's debugger is on (FLASK_DEBUG): it must be off in production")
    if settings.proxy_hops:
        # Only as many X-Forwarded-* entries as there are proxies of ours: any further left were sent by the client.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops,  # type: ignore[method-assign]
                                x_proto=settings.proxy_hops)
    init_proxy_check(app, settings.proxy_hops)  # says when the setting and the requests disagree
    app.after_request(partial(add_security_headers, hsts=settings.production))
    app.add_template_global(form_issued_token)


def form_issued_token() -> str:
    """The public forms' timing token: the one this submission carried (a re-shown form keeps its age), else new."""
    secret = current_app.config["SECRET_KEY"]
    carried = request.form.get(abuse.FORM_TOKEN, "") if request.method == "POST" else ""
    if carried and abuse.form_age(secret, carried, utcnow()) is not None:
        return carried
    return abuse.issue_form_token(secret)


# Every response's own: (name, value), each added unless the view set it (the widget sets its own policy).
# strict-origin-when-cross-origin keeps a same-origin Referer, which Flask-WTF's HTTPS check needs.
_ALWAYS = (("Content-Security-Policy", DEFAULT_CSP), ("X-Content-Type-Options", "nosniff"),
           ("Referrer-Policy", "strict-origin-when-cross-origin"))


def add_security_headers(response: Response, *, hsts: bool) -> Response:
    headers = response.headers
    present = {name.lower() for name in headers.keys()}  # one pass: every response pays for this hook
    wanted = list(_ALWAYS)
    policy = headers["Content-Security-Policy"] if "content-security-policy" in present else DEFAULT_CSP
    if "frame-ancestors 'none'" in policy:
        wanted.append(("X-Frame-Options", "DENY"))  # for browsers that predate frame-ancestors
    if hsts:
        wanted.append(("Strict-Transport-Security", HSTS))
    headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
    if _no_store(request.path, response):
        headers["Cache-Control"] = "no-store"
    return response


def _no_store(path: str, response: Response) -> bool:
    # The API's public reads carry an ETag and their own Cache-Control (public, max-age): caching those is the
    # point, and they hold no personal data. Everything else under the prefixes is never stored.
    if path.startswith("/api/") and response.headers.get("ETag") and request.method in {"GET", "HEAD"}:
        return False
    return path.startswith(NO_STORE_PREFIXES) or path.rstrip("/").endswith("/export")
