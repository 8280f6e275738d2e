"""Noticing a reverse proxy the settings do not know about, or a proxy being bypassed.

The client address (rate limits, the staff sign-in lock, IP hashes) is read from ``X-Forwarded-For`` only when
``ADVOCACY_PROXY_HOPS`` says how many proxies are in front. Two mistakes make it wrong, and both show in requests:

- ``unset``: the setting is 0 but a loopback or private peer (the usual place of a proxy) sends a forwarded
  header (``X-Forwarded-For``, ``Forwarded`` or ``X-Real-IP``): every visitor then counts as the proxy, so one
  person can lock every staff member out and a surge trips the public limits for everyone.
- ``bypassed``: the setting is over 0 but a request comes without ``X-Forwarded-For``: the web process is
  reachable without the proxy, so a client could send that header and pick its own address.

Each is noted once per process, in memory (a time, no database write), logged once without any address, and
shown to admins (templates/admin/_proxy_warning.html). The check wraps the WSGI app: until it has noted what it
looks for, each request costs a few dictionary look-ups, and the peer address is read only when a forwarded
header came; afterwards, one attribute test.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Flask

from ..models.base import utcnow

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

EXTENSION = "advocacy.proxy_check"
FORWARDED_KEYS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
# A load balancer's health check often comes straight from it, without X-Forwarded-For: not a bypass.
UNCHECKED_PATHS = frozenset({"/healthz"})

UNSET_LOG = ("Requests arrive through a reverse proxy (a local or private peer sent forwarded headers) but "
             "ADVOCACY_PROXY_HOPS is 0, so every visitor counts as the proxy's address: per-address rate limits, "
             "the staff sign-in lock and IP hashes treat everyone as one client. Set ADVOCACY_PROXY_HOPS to the "
             "number of reverse proxies in front of the web processes (usually 1) and restart.")
BYPASS_LOG = ("ADVOCACY_PROXY_HOPS is %d but a request arrived without X-Forwarded-For: the web processes can be "
              "reached without going through the proxy, so a client could send that header and choose its own "
              "address. Let only the proxy reach them (bind to 127.0.0.1 or a private network, or firewall the "
              "port), or set ADVOCACY_PROXY_HOPS=0 if no proxy is in front.")


@dataclass
class ProxySeen:
    """What this process has seen of forwarded headers since it started (times in UTC, None = not yet)."""

    hops: int
    forwarded_at: datetime | None = None  # first request that came through a proxy (see ``note_request``)
    direct_at: datetime | None = None  # hops > 0: first request without X-Forwarded-For
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def problem(self) -> str | None:
        """``"unset"`` or ``"bypassed"`` (see the module's docstring), or None when nothing is wrong."""
        if self.hops == 0:
            return "unset" if self.forwarded_at is not None else None
        return "bypassed" if self.direct_at is not None else None

    @property
    def settled(self) -> bool:
        """Everything this check looks for has been seen: later requests need no look at all."""
        return self.forwarded_at is not None and (self.hops == 0 or self.direct_at is not None)

    def note_request(self, environ: WSGIEnvironment) -> None:
        """Note what one request shows. With hops 0, only a forwarded header from a local peer counts: anyone on
        the internet can send those headers, but only a proxy of ours talks to us from a private address."""
        if self.hops == 0:
            if any(key in environ for key in FORWARDED_KEYS) and local_peer(environ.get("REMOTE_ADDR", "")):
                self._note("forwarded_at", UNSET_LOG)
        elif "HTTP_X_FORWARDED_FOR" in environ:
            if self.forwarded_at is None:
                self._note("forwarded_at", None)
        elif self.direct_at is None and environ.get("PATH_INFO") not in UNCHECKED_PATHS:
            self._note("direct_at", BYPASS_LOG, self.hops)

    def _note(self, name: str, message: str | None, *args: object) -> None:
        with self._lock:  # two threads may see the first such request at once: one log line, one time
            if getattr(self, name) is not None:
                return
            setattr(self, name, utcnow())
        if message:
            log.warning(message, *args)  # never the request's addresses: they are personal data


def local_peer(address: str) -> bool:
    """Loopback, private or shared (carrier-grade NAT) addresses, or no network address at all (a Unix socket):
    where proxies sit. Nothing from the public internet."""
    try:
        return not ipaddress.ip_address(address).is_global
    except ValueError:
        return True  # not an IP address: the server was not reached over the network


class ProxyCheck:
    """WSGI middleware: notes each request in ``seen`` until there is nothing more to learn."""

    def __init__(self, app: WSGIApplication, seen: ProxySeen) -> None:
        self.app = app
        self.seen = seen

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not self.seen.settled:
            self.seen.note_request(environ)
        return self.app(environ, start_response)


def init_proxy_check(app: Flask, hops: int) -> None:
    """Wrap the app (outside ProxyFix, so the peer is the one the server saw) and keep what it sees for admins."""
    seen = ProxySeen(hops)
    app.extensions[EXTENSION] = seen
    app.wsgi_app = ProxyCheck(app.wsgi_app, seen)  # type: ignore[method-assign]


def proxy_seen(app: Any) -> ProxySeen | None:
    """This process's record for ``app`` (None when the check is not installed)."""
    return app.extensions.get(EXTENSION)
