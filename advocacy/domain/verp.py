"""VERP: each delivery's bounces come back to an address that names it (``bounces+<token>@domain``).

The token is random (128 bits), not derived from the row, so the address an office sees tells
nobody anything about our database and cannot be guessed for another delivery.
"""

from __future__ import annotations

import base64
import re
import secrets

TOKEN_BYTES = 16
_TOKEN = re.compile(r"[a-z2-7]{16,40}", re.ASCII)


def new_return_token() -> str:
    """A fresh token: lower-case base32, because some mail systems fold the case of local parts."""
    return base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode("ascii").rstrip("=").lower()


def default_bounce_address(from_address: str) -> str:
    """Without a bounce address of its own, bounces go to ``bounces@`` the sending domain."""
    return f"bounces@{from_address.rpartition('@')[2]}"


def return_path(bounce_address: str, token: str) -> str:
    """``bounces@union.example.org`` and a token make ``bounces+<token>@union.example.org``."""
    local, _, domain = bounce_address.rpartition("@")
    return f"{local}+{token}@{domain}"


def token_of(address: str, bounce_address: str) -> str | None:
    """The token in ``address`` if it is one of our return paths (case does not matter), else ``None``."""
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    our_local, _, our_domain = bounce_address.lower().rpartition("@")
    prefix, plus, token = local.partition("+")
    if not plus or prefix != our_local or domain != our_domain or not _TOKEN.fullmatch(token):
        return None
    return token
