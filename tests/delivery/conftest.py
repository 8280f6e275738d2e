"""Delivery fixtures: a controllable clock, a letter factory, and workers wired to the SMTP sink."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from advocacy.channels.smtp import SmtpChannel, SmtpTarget
from advocacy.context import AppContext
from advocacy.db import Database
from advocacy.domain.types import Supporter
from advocacy.models import Delivery, DeliveryEvent
from advocacy.models.base import utcnow
from advocacy.services.letters import compose_letters, submit_letter
from advocacy.services.targets import resolve_targets
from advocacy.worker import Worker

CAMPAIGN = "stop-offshoring"
POSTAL_CODE = "K1P5J2"  # Ottawa Centre: the MPP and the minister, 2 deliveries per letter


class Clock:
    """A clock the test moves by hand; workers and services read it instead of the wall clock."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


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
             last_name: str = "Lee", subject: str | None = None) -> list[int]:
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
                if subject is not None:
                    letters = [dataclasses.replace(letter, subject=subject) for letter in letters]
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
