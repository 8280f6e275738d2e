"""Represent allows 60 calls a minute in all: the shared bucket holds across threads, processes and hosts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from advocacy.config import PROJECT_ROOT
from advocacy.ratelimit import DatabaseRateLimiter, MemoryRateLimiter, Rate, RedisRateLimiter

from . import payloads as p
from .represent_server import Reply

REDIS_URL = os.environ.get("ADVOCACY_TEST_REDIS_URL", "")


def redis_client():
    if not REDIS_URL:
        pytest.skip("Redis tests need ADVOCACY_TEST_REDIS_URL (CI sets it)")
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {exc}")
    return client


def limiters(kind, clock, request):
    rate = Rate(60, 3)
    if kind == "memory":
        return MemoryRateLimiter(rate, clock.time)
    if kind == "database":
        return DatabaseRateLimiter(request.getfixturevalue("db"), rate, clock.time)
    if kind == "postgres":
        return DatabaseRateLimiter(request.getfixturevalue("pg_db"), rate, clock.time)
    return RedisRateLimiter(redis_client(), rate, clock.time, prefix=f"test:{uuid.uuid4().hex}:")


@pytest.mark.parametrize("kind", ["memory", "database", "postgres", "redis"])
def test_a_burst_is_let_through_then_calls_wait_for_the_refill(kind, clock, request):
    limiter = limiters(kind, clock, request)
    assert [limiter.acquire("represent") for _ in range(3)] == [0, 0, 0]
    assert limiter.acquire("represent") == pytest.approx(1.0)  # 60 a minute: the next token in a second
    clock.advance(seconds=1)
    assert limiter.acquire("represent") == 0
    assert limiter.acquire("another key") == 0  # buckets are independent


def test_no_minute_ever_sees_more_than_burst_plus_rate(clock):
    limiter = MemoryRateLimiter(Rate(50, 5), clock.time)
    granted = []
    for _ in range(6000):  # ten simulated minutes of someone trying every tenth of a second
        if limiter.acquire("represent") == 0:
            granted.append(clock.time())
        clock.advance(seconds=0.1)
    busiest = max(sum(1 for t in granted if start <= t < start + 60) for start in granted)
    assert busiest <= 55


SCRIPT = """
import json, sys
from advocacy.config import Settings
from advocacy.db import Database
from advocacy.providers import build_chain
settings = Settings.from_env()
chain, db = build_chain(settings), Database(settings.sqlalchemy_url)
sources = {}
for i in range(int(sys.argv[1])):
    code = "K1P" + sys.argv[2] + "ABCEGHJKLMNPRSTVWXYZ"[i % 20] + str(i // 20)
    with db.transaction() as session:
        found = chain.lookup(session, code)
    source = found.source if found else "nobody"
    sources[source] = sources.get(source, 0) + 1
print(json.dumps(sources))
"""


def run_two_processes(represent, database_url, redis_url=""):
    represent.default = Reply(200, json.dumps(p.k1p1a4()))
    env = {**os.environ, "ADVOCACY_DATABASE_URL": database_url, "ADVOCACY_REPRESENT_URL": represent.url,
           "ADVOCACY_REDIS_URL": redis_url, "ADVOCACY_REPRESENT_RATE_PER_MINUTE": "30",
           "ADVOCACY_REPRESENT_BURST": "3", "ADVOCACY_ENV": "test", "PYTHONPATH": str(PROJECT_ROOT)}
    workers = [subprocess.Popen([sys.executable, "-c", SCRIPT, "60", str(n)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for n in (1, 2)]
    results = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), [err[-2000:] for _out, err in results]
    answers = [json.loads(out) for out, _err in results]
    calls = [s.at for s in represent.seen]
    elapsed = max(calls) - min(calls) if calls else 0
    assert len(calls) <= 3 + 0.5 * elapsed + 1, (len(calls), elapsed)  # burst + 30 a minute, shared
    assert sum(a.get("represent", 0) for a in answers) == len(calls)
    assert sum(sum(a.values()) for a in answers) == 120 and not any("nobody" in a for a in answers)


@pytest.mark.slow
def test_two_processes_sharing_the_database_stay_under_the_limit_and_everyone_gets_an_answer(represent, db):
    run_two_processes(represent, db.url)


@pytest.mark.slow
def test_two_processes_sharing_postgresql(represent, pg_db):
    run_two_processes(represent, pg_db.url)


@pytest.mark.slow
def test_two_processes_sharing_redis(represent, db):
    client = redis_client()
    client.delete("advocacy:rate:represent")
    run_two_processes(represent, db.url, REDIS_URL)
