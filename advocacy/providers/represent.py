"""Open North's Represent API: a polite client, and the cached provider that answers lookups with it.

Politeness: at most ``represent_rate_per_minute`` calls a minute across every process (a shared token
bucket), timeouts of at most 3 seconds, at most 2 retries with jitter, and a circuit breaker. Only the
postal code is ever sent: no name, no email, no cookie.

When Represent cannot answer, the provider falls back to the stale cache and then gives way to the
next provider in the chain (the local directory); it never raises on Represent's account.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..config import Settings
from ..db import Database
from ..domain.types import Lookup, Representative
from ..ratelimit import Rate, RateLimiter, shared_limiter
from .base import register
from .breaker import CircuitBreaker
from .cache import CachedPostcode, PostcodeCache
from .represent_json import PostcodeAnswer, RepresentBadResponse, parse_postcode, parse_roster_page

log = logging.getLogger(__name__)
RETRYABLE = {429, 500, 502, 503, 504}
HEADERS = {"Accept": "application/json", "User-Agent": "advocacy-letters/0.1"}
MAX_RETRY_AFTER = 2.0  # seconds; a server asking for a longer pause gets the fallback instead


class RepresentUnavailable(Exception):
    """Represent cannot answer now: down, rate-limited, too slow, or answering with something not JSON."""


class RosterIncomplete(Exception):
    """A roster came back empty, partial or unreadable; the directory must be left as it is."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RepresentClient:
    limiter_key = "represent"

    def __init__(self, base_url: str, *, limiter: RateLimiter, breaker: CircuitBreaker, timeout: float = 3.0,
                 retries: int = 2, http: requests.Session | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], datetime] = _utcnow, rng: random.Random | None = None,
                 backoff_seconds: float = 0.25) -> None:
        self.base_url = base_url.rstrip("/")
        self.limiter, self.breaker, self.timeout, self.retries = limiter, breaker, timeout, retries
        self.clock, self.sleep, self.now, self.backoff_seconds = clock, sleep, now, backoff_seconds
        self.rng = rng or random.Random()  # noqa: S311 - retry jitter, not security  # nosec B311
        self.http = http or requests.Session()
        self.http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # never keep or send cookies
        self.calls = 0  # HTTP requests made, for reports and tests
        self._no_token_until = 0.0

    def postcode(self, code: str) -> PostcodeAnswer | None:
        """The districts and people for a normalised postal code; ``None`` when Represent does not know it."""
        path = f"/postcodes/{code}/"  # upper case, no space, trailing slash: the only form Represent serves
        payload = self._get(path, token_wait=0.0)
        if payload is None:
            return None
        try:
            return parse_postcode(payload, fetched_at=self.now(), api_url=self.base_url + path)
        except RepresentBadResponse as exc:
            raise RepresentUnavailable(str(exc)) from exc

    def roster(self, people_set: str, *, max_pages: int = 20, token_wait: float = 70.0) -> list[Representative]:
        """Everyone in a representative set (``house-of-commons``), following ``meta.next``; all or nothing."""
        path: str | None = f"/representatives/{people_set}/?limit=1000"
        people: list[Representative] = []
        objects, total = 0, None
        for _page in range(max_pages):
            assert path is not None  # type narrowing for the checker  # nosec B101
            try:
                payload = self._get(path, token_wait=token_wait)
                if payload is None:
                    raise RosterIncomplete(f"{people_set}: Represent has no such list")
                page = parse_roster_page(payload, fetched_at=self.now())
            except (RepresentUnavailable, RepresentBadResponse) as exc:
                raise RosterIncomplete(f"{people_set}: {exc}") from exc
            people.extend(page.people)
            objects += page.objects
            total = page.total if total is None else total
            path = page.next or None
            if path is None:
                break
        else:
            raise RosterIncomplete(f"{people_set}: more than {max_pages} pages")
        if not people:
            raise RosterIncomplete(f"{people_set}: the list is empty (an unknown set answers with an empty list)")
        if total is not None and objects != total:
            raise RosterIncomplete(f"{people_set}: got {objects} of the {total} records announced")
        return people

    def _get(self, path: str, *, token_wait: float) -> Any:
        """JSON from ``path``, ``None`` on 404, or ``RepresentUnavailable``."""
        url = self.base_url + path
        problem, pause = "no attempt", 0.0
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(max(pause, self.rng.uniform(0, self.backoff_seconds * 2 ** (attempt - 1))))
            if not self.breaker.allow():
                raise RepresentUnavailable("Represent has been failing; not calling it for a while")
            if not self._token(token_wait):
                self.breaker.release()
                raise RepresentUnavailable("our share of Represent's rate limit is used up for now")
            self.calls += 1
            try:
                with self.http.get(url, headers=HEADERS, timeout=(self.timeout, self.timeout)) as response:
                    status, ctype = response.status_code, response.headers.get("Content-Type", "")
                    body = response.content if status == 200 else b""
                    retry_after = response.headers.get("Retry-After", "")
            except requests.ReadTimeout:
                # A server that accepted the request and then hung will likely hang again: asking twice
                # more would keep the supporter waiting three times as long for the same fallback.
                problem = "no answer within the timeout"
                break
            except requests.RequestException as exc:
                problem, pause = type(exc).__name__, 0.0
                continue
            if status == 404:
                self.breaker.success()
                return None
            if status in RETRYABLE:
                problem, pause = f"HTTP {status}", _seconds(retry_after)
                if pause > MAX_RETRY_AFTER:
                    break
                continue
            return self._json(status, ctype, body)
        self.breaker.failure()
        raise RepresentUnavailable(f"Represent did not answer: {problem}")

    def _json(self, status: int, ctype: str, body: bytes) -> Any:
        if status != 200:
            raise RepresentUnavailable(f"Represent answered HTTP {status}")
        if not ctype.lower().startswith("application/json"):
            # A proxy's maintenance page arrives as 200 text/html: that is an outage, not data.
            self.breaker.failure()
            raise RepresentUnavailable(f"Represent answered {ctype or 'no content type'} instead of JSON")
        try:
            payload = json.loads(body)
        except ValueError as exc:
            self.breaker.failure()
            raise RepresentUnavailable("Represent answered with broken JSON") from exc
        self.breaker.success()
        return payload

    def _token(self, wait_budget: float) -> bool:
        """Take a token from the shared bucket, waiting at most ``wait_budget`` seconds for one."""
        deadline = self.clock() + wait_budget
        for _ in range(100):  # bounded even with a clock that never moves
            now = self.clock()
            if now < self._no_token_until:  # we already know the bucket is empty: skip the round trip
                if self._no_token_until > deadline:
                    return False
                self.sleep(self._no_token_until - now)
            try:
                wait = self.limiter.acquire(self.limiter_key)
            except Exception as exc:  # noqa: BLE001 - a broken limiter must not let calls through
                log.warning("rate limiter unavailable: %s", exc)
                return False
            if wait <= 0:
                return True
            self._no_token_until = self.clock() + wait
            if self._no_token_until > deadline:
                return False
        return False


def _seconds(header: str) -> float:
    try:
        return max(0.0, float(header))
    except ValueError:
        return 0.0


class RepresentProvider:
    """Represent behind the two-layer cache: fresh cache, then a live call, then the stale cache."""

    name = "represent"

    def __init__(self, client: RepresentClient, cache: PostcodeCache, now: Callable[[], datetime] = _utcnow,
                 memo_seconds: float = 0.0, memo_size: int = 10_000) -> None:
        self.client, self.cache, self.now = client, cache, now
        # A short in-process memo of fresh answers absorbs the burst after a campaign email goes out;
        # a roster sync reaches this process when its entries expire.
        self.memo_seconds, self.memo_size = memo_seconds, memo_size
        self._memo: OrderedDict[str, tuple[datetime, Lookup]] = OrderedDict()
        self._memo_lock = threading.Lock()

    def lookup(self, session: Session, postal_code: str) -> Lookup | None:
        # ``session`` is the caller's unit of work; the cache keeps its own (see cache.py).
        now = self.now()
        remembered = self._remembered(postal_code, now)
        if remembered is not None:
            return remembered
        found = self._lookup(postal_code, now)
        if found is not None and not found.stale and self.memo_seconds:
            with self._memo_lock:
                self._memo[postal_code] = (now + timedelta(seconds=self.memo_seconds), found)
                while len(self._memo) > self.memo_size:
                    self._memo.popitem(last=False)
        return found

    def _remembered(self, postal_code: str, now: datetime) -> Lookup | None:
        if not self.memo_seconds:
            return None
        with self._memo_lock:
            until, found = self._memo.get(postal_code, (now, None))
            if until <= now:
                self._memo.pop(postal_code, None)
                return None
            self._memo.move_to_end(postal_code)
            return found

    def _lookup(self, postal_code: str, now: datetime) -> Lookup | None:
        try:
            cached = self.cache.get(postal_code, now)
        except Exception:  # noqa: BLE001 - the cache is an optimisation; answer without it
            log.exception("postcode cache unreadable")
            cached = None
        if cached is not None and cached.fresh:
            return self._from_cache(cached, stale=False) if cached.found else None
        try:
            answer = self.client.postcode(postal_code)
        except Exception as exc:  # noqa: BLE001 - whatever Represent did, the supporter gets a fallback
            log.info("Represent lookup for %s failed: %s", postal_code[:3], exc)
            return self._from_cache(cached, stale=True) if cached is not None and cached.found else None
        if answer is None:
            self.cache.remember_not_found(postal_code, now)
            return None
        stored = self.cache.store(postal_code, answer, now)
        override: dict[str, list[Representative]] = defaultdict(list)
        if not stored:
            for person in answer.people:
                override[person.district_key].append(person)
        return self.cache.assemble(postal_code, answer.city, answer.boundaries, now, stale=False, override=override)

    def _from_cache(self, cached: CachedPostcode, *, stale: bool) -> Lookup | None:
        try:
            return self.cache.assemble(cached.code, cached.city, cached.boundaries, cached.fetched_at, stale=stale)
        except Exception:  # noqa: BLE001
            log.exception("postcode cache unreadable")
            return None

    def official(self, session: Session, office: str) -> Representative | None:
        return None  # fixed offices come from the campaign file or the directory


def build_client(settings: Settings, db: Database) -> RepresentClient:
    rate = Rate(settings.represent_rate_per_minute, settings.represent_burst)
    return RepresentClient(
        settings.represent_url, limiter=shared_limiter(db, rate, redis_url=settings.redis_url),
        breaker=CircuitBreaker(settings.represent_breaker_failures, settings.represent_breaker_seconds),
        timeout=settings.represent_timeout_seconds, retries=settings.represent_retries)


def _short_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout=1000")


@register("represent")
def _make(settings: Settings) -> RepresentProvider:
    db = Database(settings.sqlalchemy_url)  # the cache's own engine: see cache.py for why
    if db.is_sqlite:
        # Cache writes and rate-limit buckets are best effort: wait a second for SQLite's write lock, not ten.
        event.listen(db.engine, "connect", _short_busy_timeout)
    cache = PostcodeCache(db, ttl=timedelta(days=settings.postcode_ttl_days),
                          not_found_ttl=timedelta(hours=settings.postcode_not_found_hours), sets_seconds=60.0)
    return RepresentProvider(build_client(settings, db), cache, memo_seconds=settings.lookup_memo_seconds)
