"""Fault-injection drills: a synthetic letter campaign, a sink that can fail on cue, and measured summaries.

The drill campaign writes to OFFICES named offices at once (one delivery per office per letter), so
1,000 deliveries take 20 letters and no office receives more than its per-hour allowance: pacing must
not be what holds letters back here. One office's mailbox does not exist, so 2% of deliveries are
refused with 550 and must end as dead letters.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from advocacy.cli import CliState
from advocacy.config import Settings
from advocacy.context import AppContext
from advocacy.db import Database
from advocacy.domain.types import Supporter
from advocacy.models import Delivery, DeliveryEvent
from advocacy.models.base import utcnow
from advocacy.services.letters import compose_letters, submit_letter
from advocacy.services.targets import resolve_targets

from ..conftest import make_settings, prepare_database
from ..delivery.conftest import ADVOCACY, Clock
from ..smtp import SmtpSink

CAMPAIGN = "fault-drill"
OFFICES = 50
BAD_OFFICE = 7  # every letter to this office is refused with 550: 1 office in 50 is 2% of deliveries
POSTAL_CODE = "K1P5J2"
TERMINAL = ("sent", "failed")


def office_email(number: int) -> str:
    return f"office-{number:02d}@offices.invalid"


BAD_ADDRESS = office_email(BAD_OFFICE)


def write_drill_campaign(directory: Path, *, offices: int = OFFICES, per_hour: int = 1000) -> Path:
    """A live letter campaign naming ``offices`` offices, each allowing ``per_hour`` letters an hour."""
    directory.mkdir(parents=True, exist_ok=True)
    targets = "".join(
        f'\n[[targets]]\ntype = "official"\noffice = "office-{n:02d}"\nname = "Member {n:02d}"\n'
        f'title = "Member for District {n:02d}"\nemail = "{office_email(n)}"\n'
        f"[targets.delivery]\nper_hour = {per_hour}\n"
        for n in range(offices)
    )
    text = f'''slug = "{CAMPAIGN}"
kind = "letter"
status = "live"
goal = 100000
confirm = "off"

[text.en]
title = "Fault drill"
summary = "Letters written to test delivery under failure."
body = "Letters written to test delivery under failure."
thank_you = "Thank you."
share_text = "A fault drill."
consent = "Email me about campaigns."
{targets}
[letters.default.en]
subject = "A letter to {{{{ target.name }}}}"
body = """
I am writing about the services in {{{{ target.office }}}}. This letter is long enough to look like the
real thing: a few hundred characters of text that an office would read, with a greeting, a body and a
signature, so that the time spent building and sending each message is representative.

Please keep public services public.
"""
'''
    path = directory / f"{CAMPAIGN}.toml"
    path.write_text(text, encoding="utf-8")
    return directory


def write_letters(ctx: AppContext, supporters: int, *, now: datetime, first: int = 0) -> int:
    """``supporters`` letters through the real services (one to each office); returns the deliveries queued.

    Commits every 50 letters, so a large outbox is built in a few seconds without one huge transaction.
    """
    campaign = ctx.catalog.get(CAMPAIGN)
    assert campaign is not None, f"{CAMPAIGN} is not in {ctx.settings.campaigns_dir}"
    queued = 0
    for start in range(first, first + supporters, 50):
        with ctx.db.transaction() as session:
            recipients = resolve_targets(session, campaign, POSTAL_CODE, ctx.provider).recipients
            for n in range(start, min(start + 50, first + supporters)):
                person = Supporter("Drill", f"Writer {n}", f"writer{n}@example.com", POSTAL_CODE)
                letters = compose_letters(campaign, recipients, person)
                submit_letter(session, campaign, person, letters, now=now, message_domain=ctx.message_domain)
                queued += len(letters)
    return queued


class FaultSink(SmtpSink):
    """The test SMTP server, plus an outage switch, a 451 budget and acceptance times."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted_at: list[float] = []
        self.rcpts = 0
        self.temporary_budget = 0  # the next this-many RCPTs get a 451
        self.temporary_replies = 0
        self.permanent_replies = 0
        self.rcpt_reply = self._rcpt

    def _rcpt(self, address: str) -> str | None:
        # Runs on the server's one event-loop thread, so the counters need no lock.
        self.rcpts += 1
        if self.temporary_replies < self.temporary_budget:
            self.temporary_replies += 1
            return "451 4.7.1 Try again later"
        if address.lower() == BAD_ADDRESS:
            self.permanent_replies += 1
            return "550 5.1.1 No such mailbox"
        return None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        reply = await super().handle_DATA(server, session, envelope)
        if reply.startswith("250"):
            with self.lock:
                self.accepted_at.append(time.monotonic())
        return reply

    @property
    def is_down(self) -> bool:
        return self.controller._thread is None

    def down(self) -> None:
        """Stop listening: connections are refused until ``up()``."""
        self.controller.stop()

    def up(self) -> None:
        # A stopped aiosmtpd controller has closed its event loop: listen again with a fresh one.
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def message_ids(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m["Message-ID"]) for m in self.messages)

    def longest_gap(self) -> float:
        """The longest pause between two accepted messages (a stall of the sender shows here)."""
        times = sorted(self.accepted_at)
        return max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)


@pytest.fixture
def clock() -> Clock:
    return Clock(utcnow().replace(microsecond=0))


@pytest.fixture
def fault_sink():
    sink = FaultSink()
    sink.start()
    yield sink
    if not sink.is_down:  # the test may have left it down
        sink.stop()


def drill_settings(tmp_path: Path, **overrides: object) -> Settings:
    """In-process settings whose catalog is the drill campaign."""
    (tmp_path / "instance").mkdir(exist_ok=True)
    campaigns = write_drill_campaign(tmp_path / "campaigns")
    return make_settings(tmp_path, campaigns_dir=campaigns, **overrides)


# -- the outcome -----------------------------------------------------------------

def statuses(db: Database) -> Counter[str]:
    # A read session: on SQLite a write transaction here would take the lock the worker needs, many times a second.
    with db.session() as session:
        return Counter(dict(session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()))


def all_done(db: Database) -> bool:
    counts = statuses(db)
    return sum(counts.values()) > 0 and set(counts) <= set(TERMINAL)


def outcome(db: Database, sink: FaultSink) -> dict[str, object]:
    """What the bar measures: lost, duplicates, dead letters, attempts."""
    with db.session() as session:
        rows = session.execute(select(Delivery.id, Delivery.status, Delivery.message_id, Delivery.recipient_email,
                                      Delivery.attempts, Delivery.last_error)).all()
        retried = session.scalar(select(func.count(func.distinct(DeliveryEvent.delivery_id)))
                                 .where(DeliveryEvent.to_state == "retry"))
    received = sink.message_ids()
    sent = {r.message_id for r in rows if r.status == "sent"}
    # Lost: a row that did not end sent (or dead-lettered for the bad office), or sent but never received.
    lost = [r.id for r in rows
            if not (r.status == "sent" or (r.status == "failed" and r.recipient_email == BAD_ADDRESS))]
    lost += [r.id for r in rows if r.status == "sent" and r.message_id not in received]
    return {
        "deliveries": len(rows),
        "lost": len(lost),
        "received": sum(received.values()),
        "duplicates": sum(received.values()) - len(received),
        "foreign": len(set(received) - sent),  # accepted by the server but not recorded as sent
        "dead_letters": sum(r.status == "failed" for r in rows),
        "dead_letters_bad_office": sum(r.status == "failed" and r.recipient_email == BAD_ADDRESS
                                       and r.last_error.startswith("SMTP 550") for r in rows),
        "bad_office_rows": sum(r.recipient_email == BAD_ADDRESS for r in rows),
        "max_attempts": max((r.attempts for r in rows), default=0),
        "retried_rows": retried or 0,
        "failed_ids": sorted(r.id for r in rows if r.status == "failed"),
    }


def summary(name: str, figures: dict[str, object]) -> None:
    """One line per drill, shown with ``pytest -s``, so the figures can be quoted as measured."""
    shown = " ".join(f"{key}={value:.2f}" if isinstance(value, float) else f"{key}={value}"
                     for key, value in figures.items() if key != "failed_ids")
    print(f"\nFAULTS {name}: {shown}", flush=True)


# -- the worker as a separate process ---------------------------------------------

def drill_instance(tmp_path: Path, smtp_url: str, *, database_url: str = "", **extra: str,
                   ) -> tuple[dict[str, str], CliState]:
    """Environment for ``advocacy worker`` processes sharing one database, and state for this process."""
    campaigns = write_drill_campaign(tmp_path / "campaigns")
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("ADVOCACY_")}
    env.update(ADVOCACY_ENV="test", ADVOCACY_INSTANCE_DIR=str(instance), ADVOCACY_CAMPAIGNS_DIR=str(campaigns),
               ADVOCACY_FROM_ADDRESS="letters@union.test", ADVOCACY_ORG_NAME="Test Union",
               ADVOCACY_SMTP_URL=smtp_url, ADVOCACY_DATABASE_URL=database_url,
               # Short lease and quick retries: a killed worker's rows come back in 2 s, not 2 min.
               ADVOCACY_WORKER_POLL_SECONDS="0.1", ADVOCACY_WORKER_LEASE_SECONDS="2",
               ADVOCACY_RETRY_BASE_SECONDS="1")
    env.update(extra)
    settings = Settings.from_env(env)
    prepare_database(settings.sqlalchemy_url).dispose()
    return env, CliState(settings)


def spawn_worker(env: dict[str, str], log: Path, *, busy_timeout_ms: int | None = None) -> subprocess.Popen:
    """``advocacy worker``, its output in ``log``; ``busy_timeout_ms`` shortens SQLite's wait for a lock.

    The busy timeout is a constant of advocacy.db, not a setting, so the short-timeout worker is the same
    command started through ``python -c`` with that constant changed before anything connects.
    """
    if busy_timeout_ms is None:
        argv = [str(ADVOCACY), "worker"]
    else:
        argv = [sys.executable, "-c",
                f"import advocacy.db; advocacy.db.SQLITE_BUSY_TIMEOUT_MS = {int(busy_timeout_ms)}\n"
                "from advocacy.cli import main; main(['worker'])"]
    with log.open("ab") as out:
        return subprocess.Popen(argv, env=env, cwd=log.parent, stdout=out, stderr=out)


def wait_until(condition: Callable[[], bool], seconds: float, step: float = 0.005) -> bool:
    """Poll, bounded; a short step so a kill lands close to the point chosen for it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()
