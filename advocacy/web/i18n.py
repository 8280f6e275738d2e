"""The page language: a ``/fr/…`` address, then ``?lang=``, then the browser's Accept-Language.

French pages are the same routes served under ``/fr``: the prefix moves into SCRIPT_NAME, so every
``url_for`` on a French page keeps the visitor in French without a cookie or a second set of routes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, request
from flask_babel import get_locale, get_translations
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from ..domain.text import use_translations

LANGUAGES = ("en", "fr")
PREFIXED = ("fr",)
# Staff and machine routes keep one address: the admin cookie is scoped to /admin, API clients send ?lang=.
UNPREFIXED_AREAS = ("/admin", "/api", "/hooks")
ENVIRON_KEY = "advocacy.url_lang"
STAFF_ENDPOINTS = ("admin.",)


class LanguagePrefix:
    """WSGI middleware that serves ``/fr/<path>`` as ``<path>`` with ``/fr`` added to SCRIPT_NAME."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        for code in PREFIXED:
            prefix = f"/{code}"
            if path == prefix or path.startswith(prefix + "/"):
                rest = path[len(prefix):] or "/"
                if not rest.startswith(UNPREFIXED_AREAS):
                    environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
                    environ["PATH_INFO"] = rest
                    environ[ENVIRON_KEY] = code
                break
        return self.wsgi_app(environ, start_response)


def requested_language() -> str:
    """The language this request asks for, in order: address prefix, ``?lang=``, Accept-Language."""
    from_url = request.environ.get(ENVIRON_KEY)
    if from_url:
        return from_url
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    return browser_language()


def browser_language() -> str:
    """Which of our languages this browser's Accept-Language prefers (English when neither)."""
    return _preferred(request.headers.get("Accept-Language", ""))


@lru_cache(maxsize=256)
def _preferred(header: str) -> str:
    # Browsers send few distinct headers, and parsing one is a visible part of a cached page's time.
    return parse_accept_header(header, LanguageAccept).best_match(LANGUAGES, default="en") or "en"


def _choose_language() -> None:
    g.lang = requested_language()


def _vary_on_language(response: Response) -> Response:
    # An unprefixed page without ?lang= depends on the browser's language: caches must know that.
    if ENVIRON_KEY not in request.environ and "lang" not in request.args:
        response.vary.add("Accept-Language")
    return response


def _keep_staff_language(endpoint: str, values: dict[str, Any]) -> None:
    # Staff pages have no /fr address: a ?lang= chosen on one is carried by every link, form and redirect to another.
    asked = request.args.get("lang", "") if request else ""
    if asked in LANGUAGES and endpoint.startswith(STAFF_ENDPOINTS):
        values.setdefault("lang", asked)


def language_url(code: str) -> str:
    """This page's address in language ``code`` (for the EN/FR toggle), keeping its query string."""
    root = request.script_root
    url_lang = request.environ.get(ENVIRON_KEY)
    if url_lang:
        root = root[: -len(url_lang) - 1]
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    if code in PREFIXED:
        root += f"/{code}"
    elif browser_language() != code:
        args.append(("lang", code))  # without it, this browser's Accept-Language would choose another language
    query = f"?{urlencode(args)}" if args else ""
    return f"{root}{request.path}{query}"


def init_i18n(app: Flask) -> None:
    app.wsgi_app = LanguagePrefix(app.wsgi_app)  # type: ignore[method-assign]
    use_translations(get_translations, get_locale)  # messages from the domain and services, in this request's language
    # First of all: CSRF's check runs before the views, and its error pages must be in the page's language too.
    app.before_request_funcs.setdefault(None, []).insert(0, _choose_language)
    app.after_request(_vary_on_language)
    app.url_defaults(_keep_staff_language)
    app.add_template_global(language_url)
    app.add_template_global(LANGUAGES, "languages")
