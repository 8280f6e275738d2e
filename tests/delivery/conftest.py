"""Delivery fixtures: a controllable clock, a letter factory, and workers wired to the SMTP sink."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from advocacy.channels.smtp import SmtpChannel, SmtpTarget
from advocacy.cli import CliState
from advocacy.config import PROJECT_ROOT, Settings
from advocacy.context import AppContext
from advocacy.db import Database
from advocacy.domain.types import Supporter
from advocacy.models import Delivery, DeliveryEvent
from advocacy.models.base import utcnow
from advocacy.services.letters import compose_letters, submit_letter
from advocacy.services.targets import resolve_targets
from advocacy.worker import Worker

from ..conftest import make_settings, prepare_database

CAMPAIGN = "stop-offshoring"
POSTAL_CODE = "K1P5J2"  # Ottawa Centre: the MPP and the minister, 2 deliveries per letter
ADVOCACY = Path(sys.executable).parent / "advocacy"


class Clock:
    """A clock the test moves by hand; workers and services read it instead of the wall clock."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def unpaced_campaigns(directory: Path) -> Path:
    """The shipped campaigns, with stop-offshoring letting each office take 1,000 letters an hour.

    These tests send hundreds of letters to the same two offices to exercise the outbox itself (leases,
    retries, crashes, concurrency); with the shipped allowance of 10 an hour most would wait for the next
    hour. Pacing has its own tests in tests/pacing.
    """
    shutil.copytree(PROJECT_ROOT / "campaigns", directory)
    path = directory / f"{CAMPAIGN}.toml"
    text = path.read_text(encoding="utf-8")
    targets = ('level = "provincial"\n', 'office = "minister-of-public-and-business-service-delivery"\n')
    for line in targets:
        assert text.count(line) == 1, f"{path.name} no longer has {line!r}: update this fixture"
        text = text.replace(line, f"{line}delivery = {{ per_hour = 1000 }}\n")
    path.write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    (tmp_path / "instance").mkdir()
    return make_settings(tmp_path, campaigns_dir=unpaced_campaigns(tmp_path / "campaigns"))


@pytest.fixture
def clock() -> Clock:
    # Start from the wall clock so rows touched by CLI commands (which use it) compare sensibly.
    return Clock(utcnow().replace(microsecond=0))


class LetterFactory:
    """Writes letters the way the public form does: resolve targets, compose, submit, commit."""

    def __init__(self, ctx: AppContext, clock: Clock) -> None:
        self.ctx = ctx
        self.clock = clock
        self.count = 0

    def make(self, n: int = 1, *, db: Database | None = None, first_name: str = "Ann",
             last_name: str = "Lee") -> list[int]:
        """Submit ``n`` letters from distinct supporters; returns the new delivery ids."""
        database = db or self.ctx.db
        campaign = self.ctx.catalog.get(CAMPAIGN)
        assert campaign is not None
        ids: list[int] = []
        with database.transaction() as session:
            recipients = resolve_targets(session, campaign, POSTAL_CODE, self.ctx.provider).recipients
            for _ in range(n):
                self.count += 1
                person = Supporter(first_name, last_name, f"supporter{self.count}@example.com", POSTAL_CODE)
                letters = compose_letters(campaign, recipients, person)
                action = submit_letter(session, campaign, person, letters, now=self.clock(),
                                       message_domain=self.ctx.message_domain)
                ids += session.scalars(select(Delivery.id).where(Delivery.action_id == action.id)
                                       .order_by(Delivery.id)).all()
        return ids


@pytest.fixture
def letters(ctx: AppContext, clock: Clock) -> LetterFactory:
    return LetterFactory(ctx, clock)


def smtp_worker(ctx: AppContext, url: str, clock: Clock, **kwargs: object) -> Worker:
    return Worker(ctx, SmtpChannel(SmtpTarget.parse(url), timeout=10), clock=clock, **kwargs)


def rows(db: Database, ids: list[int] | None = None) -> list[Delivery]:
    with db.transaction() as session:
        query = select(Delivery).order_by(Delivery.id)
        if ids is not None:
            query = query.where(Delivery.id.in_(ids))
        return list(session.scalars(query))


def row(db: Database, delivery_id: int) -> Delivery:
    with db.transaction() as session:
        found = session.get(Delivery, delivery_id)
        assert found is not None
        return found


def events(db: Database, delivery_id: int) -> list[tuple[str, str, str]]:
    with db.transaction() as session:
        found = session.scalars(select(DeliveryEvent).where(DeliveryEvent.delivery_id == delivery_id)
                                .order_by(DeliveryEvent.id))
        return [(e.from_state, e.to_state, e.reason) for e in found]


# -- the worker as a separate process --------------------------------------------

def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> bool:
    """Poll another process's progress, bounded; the worker's own timing is not what is measured here."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def worker_instance(tmp_path: Path, poll_seconds: str, **extra: str) -> tuple[dict[str, str], CliState]:
    """Environment and state for an ``advocacy`` process with its own instance directory and SQLite file."""
    instance = tmp_path / "instance"
    env = {key: value for key, value in os.environ.items() if not key.startswith("ADVOCACY_")}
    env.update(ADVOCACY_ENV="test", ADVOCACY_INSTANCE_DIR=str(instance),
               ADVOCACY_CAMPAIGNS_DIR=str(unpaced_campaigns(tmp_path / "campaigns")),
               ADVOCACY_FROM_ADDRESS="letters@union.test",
               ADVOCACY_ORG_NAME="Test Union", ADVOCACY_WORKER_POLL_SECONDS=poll_seconds, **extra)
    settings = Settings.from_env(env)
    instance.mkdir()
    prepare_database(settings.sqlalchemy_url).dispose()
    return env, CliState(settings)


def start_worker(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """``advocacy worker`` with its output in cwd/worker.log (a pipe nobody reads could fill up and block it)."""
    with (cwd / "worker.log").open("ab") as log:
        return subprocess.Popen([str(ADVOCACY), "worker"], env=env, cwd=cwd, stdout=log, stderr=log)


def stop_worker(worker: subprocess.Popen, cwd: Path) -> tuple[float, str]:
    """SIGTERM the worker; how long it took to exit, and what it printed."""
    stopping = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=30)
    return time.monotonic() - stopping, (cwd / "worker.log").read_text(errors="replace")


def kill_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.kill()
        worker.wait(timeout=30)


def all_sent(state: CliState) -> bool:
    return all(d.status == "sent" for d in rows(state.db))
