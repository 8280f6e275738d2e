"""Links sent by email: random single-purpose tokens (stored hashed) and signed unsubscribe tokens."""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

TOKEN_BYTES = 24  # 192 bits: guessing one is hopeless


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """What the database keeps: a leaked table does not leak working links."""
    return hashlib.sha256(token.encode()).hexdigest()


def email_hash(email_key: str) -> str:
    return hashlib.sha256(email_key.strip().lower().encode()).hexdigest()


# itsdangerous's URL-safe serializers, one per key and purpose (the salt), kept: building one costs more than
# signing with it (it encodes an empty dict to check its JSON serializer), and it holds nothing per call. The
# campaign page signs a token with one for every visitor.
@lru_cache(maxsize=32)
def signing_serializer(secret: str, salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=salt)


@lru_cache(maxsize=32)
def timed_serializer(secret: str, salt: str) -> URLSafeTimedSerializer:
    """As ``signing_serializer``, stamping the time it signed (``loads`` can check an age or return it)."""
    return URLSafeTimedSerializer(secret, salt=salt)


def _unsubscribe_serializer(secret: str) -> URLSafeSerializer:
    return signing_serializer(secret, "unsubscribe-v1")


def unsubscribe_token(secret: str, email_key: str) -> str:
    """Never expires (CASL asks for links valid at least 60 days); signed so nobody can unsubscribe others."""
    return _unsubscribe_serializer(secret).dumps(email_key)


def read_unsubscribe_token(secret: str, token: str) -> str | None:
    try:
        value = _unsubscribe_serializer(secret).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None
