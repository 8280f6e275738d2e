"""Links sent by email: random single-purpose tokens (stored hashed) and signed unsubscribe tokens."""

from __future__ import annotations

import hashlib
import secrets

from itsdangerous import BadSignature, URLSafeSerializer

TOKEN_BYTES = 24  # 192 bits: guessing one is hopeless


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """What the database keeps: a leaked table does not leak working links."""
    return hashlib.sha256(token.encode()).hexdigest()


def email_hash(email_key: str) -> str:
    return hashlib.sha256(email_key.strip().lower().encode()).hexdigest()


def _unsubscribe_serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="unsubscribe-v1")


def unsubscribe_token(secret: str, email_key: str) -> str:
    """Never expires (CASL asks for links valid at least 60 days); signed so nobody can unsubscribe others."""
    return _unsubscribe_serializer(secret).dumps(email_key)


def read_unsubscribe_token(secret: str, token: str) -> str | None:
    try:
        value = _unsubscribe_serializer(secret).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None
