"""Posting to allies' webhooks over HTTP, and the rule for which addresses we may post to at all (SSRF).

Only http and https. In production the host must resolve to public addresses only: a webhook pointed at
127.0.0.1, 10.x, 169.254.169.254 (cloud metadata) or the like would let an ally make our server call our own
private network. The addresses are checked again before every post, since DNS can change after the URL was set;
redirects are never followed, so a public URL cannot bounce the request inward.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def check_webhook_url(url: str, *, production: bool, resolver: Resolver = resolve) -> None:
    """Raise ``ValueError`` (the message says why) if we must not post to ``url``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("a webhook address must start with https:// (or http://) and name a host")
    if parts.username or parts.password:
        raise ValueError("put no user name or password in the webhook address: we sign every post instead")
    if len(url) > 500:
        raise ValueError("a webhook address has at most 500 characters")
    if not production:
        return  # development and tests post to local servers
    if parts.scheme != "https":
        raise ValueError("in production a webhook address must use https://")
    try:
        port = parts.port or 443
        addresses = resolver(parts.hostname, port)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{parts.hostname} cannot be reached: {exc}") from exc
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise ValueError(f"{parts.hostname} points at a private or local address ({address}); "
                             f"webhooks go only to public servers")


class WebhookFailed(Exception):
    """One post did not get a 2xx answer; the message is what staff see."""


def post_webhook(url: str, body: bytes, headers: dict[str, str], *, timeout: float, production: bool) -> None:
    """POST ``body``; raises ``WebhookFailed`` unless the server answered 2xx."""
    # Imported here: requests and what it loads add about 5 MiB, and only the webhook worker posts (the admin
    # imports this module for check_webhook_url).
    import requests

    try:
        check_webhook_url(url, production=production)
    except ValueError as exc:
        raise WebhookFailed(f"refused: {exc}") from exc
    try:
        response = requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise WebhookFailed(f"{type(exc).__name__}: {exc}"[:500]) from exc
    if not 200 <= response.status_code < 300:
        raise WebhookFailed(f"HTTP {response.status_code}: {response.text[:200]}")
