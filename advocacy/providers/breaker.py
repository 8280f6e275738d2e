"""A circuit breaker: after repeated failures, stop calling a service for a while and fail fast."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    """Closed -> open after ``failures`` failures in a row -> one trial call after ``reset_seconds``.

    While open, callers skip the service at once, so supporters get the fallback answer without waiting
    for timeouts, and a struggling service is not hammered. The clock is injectable for tests.
    """

    def __init__(self, failures: int = 3, reset_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failures, self.reset_seconds, self.clock = failures, reset_seconds, clock
        self._count = 0
        self._opened_at: float | None = None
        self._trial = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half-open" if self.clock() - self._opened_at >= self.reset_seconds else "open"

    def allow(self) -> bool:
        """May a call go out now? In the half-open state only one trial call is let through."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self.clock() - self._opened_at < self.reset_seconds or self._trial:
                return False
            self._trial = True
            return True

    def success(self) -> None:
        with self._lock:
            self._count, self._opened_at, self._trial = 0, None, False

    def failure(self) -> None:
        with self._lock:
            self._count += 1
            if self._trial or self._count >= self.failures:
                self._opened_at, self._trial = self.clock(), False

    def release(self) -> None:
        """The allowed call was not made after all (no rate-limit token): let another caller try."""
        with self._lock:
            self._trial = False
