"""Token buckets: in memory (one process), in the database or in Redis (every process that shares it).

A bucket holding at most ``burst`` tokens, refilled at ``per_minute`` tokens a minute, lets through at
most ``burst + per_minute`` calls in any minute. ``acquire`` never blocks: it takes a token and returns 0,
or returns how many seconds until the next token, so callers decide whether to wait or fall back.
Every limiter takes a clock (seconds since the epoch) so tests can move time without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .db import Database
from .models import RateBucket

Clock = Callable[[], float]


@dataclass(frozen=True)
class Rate:
    per_minute: float
    burst: int

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


def take(tokens: float, updated: float, now: float, rate: Rate) -> tuple[float, float, float]:
    """Refill a bucket up to ``now`` and try to take one token: ``(wait, tokens, updated)``."""
    if now > updated:  # a clock that went backwards (another host's) refills nothing
        tokens = min(float(rate.burst), tokens + (now - updated) * rate.per_second)
        updated = now
    if tokens >= 1.0:
        return 0.0, tokens - 1.0, updated
    return (1.0 - tokens) / rate.per_second, tokens, updated


class RateLimiter(Protocol):
    rate: Rate

    def acquire(self, key: str) -> float:
        """Take a token from bucket ``key``: 0.0 when granted, otherwise the seconds until one is due."""
        ...


class MemoryRateLimiter:
    """Buckets in this process only: for per-client limits where one process's view is enough."""

    def __init__(self, rate: Rate, clock: Clock = time.time, max_keys: int = 100_000) -> None:
        self.rate, self.clock, self.max_keys = rate, clock, max_keys
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        now = self.clock()
        with self._lock:
            if len(self._buckets) >= self.max_keys and key not in self._buckets:
                self._buckets.clear()  # bounded memory: forgetting buckets only lets a few extra calls through
            tokens, updated = self._buckets.get(key, (float(self.rate.burst), now))
            wait, tokens, updated = take(tokens, updated, now, self.rate)
            self._buckets[key] = (tokens, updated)
        return wait


class DatabaseRateLimiter:
    """One row per bucket, updated under a row lock (PostgreSQL) or the write lock (SQLite)."""

    def __init__(self, db: Database, rate: Rate, clock: Clock = time.time) -> None:
        self.db, self.rate, self.clock = db, rate, clock

    def acquire(self, key: str) -> float:
        now = self.clock()
        with self.db.transaction() as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            session.execute(insert(RateBucket).values(key=key, tokens=float(self.rate.burst), updated=now)
                            .on_conflict_do_nothing(index_elements=["key"]))
            bucket = session.execute(select(RateBucket).where(RateBucket.key == key).with_for_update()).scalar_one()
            wait, bucket.tokens, bucket.updated = take(bucket.tokens, bucket.updated, now, self.rate)
        return wait


# The same arithmetic as ``take``, run atomically inside Redis. Floats travel as strings because Redis
# truncates Lua numbers to integers in replies.
_REDIS_TAKE = """
local burst = tonumber(ARGV[1])
local per_second = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or burst
local updated = tonumber(state[2]) or now
if now > updated then
  tokens = math.min(burst, tokens + (now - updated) * per_second)
  updated = now
end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / per_second end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(updated))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / per_second) + 60)
return tostring(wait)
"""


class RedisRateLimiter:
    def __init__(self, client: Any, rate: Rate, clock: Clock = time.time, prefix: str = "advocacy:rate:") -> None:
        self.rate, self.clock, self.prefix = rate, clock, prefix
        self._script = client.register_script(_REDIS_TAKE)

    def acquire(self, key: str) -> float:
        reply = self._script(keys=[self.prefix + key], args=[self.rate.burst, self.rate.per_second, self.clock()])
        return float(reply.decode() if isinstance(reply, bytes) else reply)


def shared_limiter(db: Database, rate: Rate, *, redis_url: str = "", clock: Clock = time.time) -> RateLimiter:
    """The limiter every process shares: Redis when configured, else the database."""
    if redis_url:
        import redis  # imported here: only deployments that set ADVOCACY_REDIS_URL need the client

        client = redis.Redis.from_url(redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
        return RedisRateLimiter(client, rate, clock)
    return DatabaseRateLimiter(db, rate, clock)
