"""The widget's form token: proof that we rendered the form recently, without a cookie or a session.

Signed with the app's secret (itsdangerous), it carries the campaign, the ally and the time the form was
rendered. It is refused when forged, when for another campaign or ally, when older than the maximum age (a
stale page), and when younger than the minimum fill time (nobody types their details in under 3 seconds).
It is deliberately not single-use: a supporter who goes back from the letter preview keeps a working form.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer

from ..tokens import signing_serializer

SALT = "embed-form-v1"


class EmbedTokenError(ValueError):
    """The token cannot be accepted; ``reason`` is forged, expired or too_fast."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class EmbedToken:
    campaign: str
    ally: str  # "" when the widget is embedded without an ally
    issued_at: float  # seconds since the epoch


def _serializer(secret: str) -> URLSafeSerializer:
    return signing_serializer(secret, SALT)


def issue_embed_token(secret: str, campaign: str, ally: str, *, now: datetime) -> str:
    # The nonce makes every rendered form's token different, so tokens cannot be told apart by content.
    return _serializer(secret).dumps({"c": campaign, "a": ally, "t": round(now.timestamp(), 3),
                                      "n": secrets.token_urlsafe(8)})


def read_embed_token(secret: str, token: str, *, campaign: str, ally: str, now: datetime, min_age: float,
                     max_age: float) -> EmbedToken:
    """The token's contents if it is ours, for this campaign and ally, and of an acceptable age."""
    try:
        data = _serializer(secret).loads(token)
    except BadSignature as exc:
        raise EmbedTokenError("forged") from exc
    if not isinstance(data, dict) or data.get("c") != campaign or data.get("a") != ally \
            or not isinstance(data.get("t"), int | float):
        raise EmbedTokenError("forged")
    age = now.timestamp() - data["t"]
    if age > max_age:
        raise EmbedTokenError("expired")
    if age < min_age:
        raise EmbedTokenError("too_fast")
    return EmbedToken(campaign, ally, float(data["t"]))
