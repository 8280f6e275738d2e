"""Fixtures for the lookup tests: a fake Represent, a clock tests move by hand, providers built on both."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from advocacy.providers.base import ProviderChain
from advocacy.providers.breaker import CircuitBreaker
from advocacy.providers.cache import PostcodeCache
from advocacy.providers.directory import DirectoryProvider
from advocacy.providers.represent import RepresentClient, RepresentProvider
from advocacy.ratelimit import DatabaseRateLimiter, Rate

from .represent_server import FakeRepresent


class Clock:
    """Wall clock, epoch seconds and monotonic time in one; ``sleep`` moves time instead of waiting."""

    def __init__(self) -> None:
        self.at = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.at

    def time(self) -> float:
        return self.at.timestamp()

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds=seconds)

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def represent():
    server = FakeRepresent().start()
    yield server
    server.stop()


DEFAULT_RATE = Rate(50, 5)


def make_client(db, represent: FakeRepresent, clock: Clock, *, rate: Rate = DEFAULT_RATE, retries: int = 2,
                timeout: float = 2.0, failures: int = 3) -> RepresentClient:
    return RepresentClient(represent.url, limiter=DatabaseRateLimiter(db, rate, clock.time),
                           breaker=CircuitBreaker(failures, 60.0, clock.time), timeout=timeout, retries=retries,
                           clock=clock.time, sleep=clock.sleep, now=clock.now, rng=random.Random(7))


def make_provider(db, represent: FakeRepresent, clock: Clock, **client_options) -> RepresentProvider:
    cache = PostcodeCache(db, ttl=timedelta(days=90), not_found_ttl=timedelta(hours=24))
    return RepresentProvider(make_client(db, represent, clock, **client_options), cache, now=clock.now)


@pytest.fixture
def live(db, represent, clock) -> RepresentProvider:
    return make_provider(db, represent, clock)


@pytest.fixture
def chain(live) -> ProviderChain:
    return ProviderChain([live, DirectoryProvider()])
