"""Flask's signed session cookie, with its serializer built once per key rather than twice per request."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

SERIALIZERS_KEPT = 8  # one per secret key (and fallbacks) in use: a process normally has one


class SessionCookies(SecureCookieSessionInterface):
    """The same cookie as Flask's own interface, read and written by a serializer kept per key.

    Flask builds a new serializer to read the cookie and another to write it, and building one costs about as
    much as signing with it (itsdangerous checks the JSON serializer by encoding an empty dict): a tenth of the
    campaign page's time, which every new visitor pays because the CSRF token lives in the session. A serializer
    holds nothing per request; keyed by the secret key and its fallbacks, a change of key takes effect at once.
    """

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        try:
            return self._serializers[key]
        except KeyError:
            if len(self._serializers) >= SERIALIZERS_KEPT:
                self._serializers.clear()
            serializer = self._serializers[key] = super().get_signing_serializer(app)
            return serializer
