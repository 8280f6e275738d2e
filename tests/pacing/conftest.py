"""Pacing fixtures: campaigns with chosen delivery policies, a letter writer, workers on a hand-moved clock.

Times in these tests are Toronto wall-clock times, turned into UTC the way offices live them.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from advocacy.catalog import Campaign, Catalog, load_campaign_text
from advocacy.config import Settings
from advocacy.context import AppContext
from advocacy.db import Database
from advocacy.domain.types import Level, Supporter
from advocacy.models import Delivery
from advocacy.providers import build_chain
from advocacy.services.letters import compose_letters, submit_letter
from advocacy.services.targets import resolve_targets
from advocacy.worker import Worker

from ..delivery.conftest import Clock, smtp_worker

TORONTO = ZoneInfo("America/Toronto")
# Postal codes of three ridings in the demo directory, each with its own MPP.
OTTAWA, TORONTO_CODE, THUNDER_BAY = "K1P5J2", "M5V3L9", "P7B1A1"
OTTAWA_MPP = "mpp.ottawa-centre@demo.invalid"
TORONTO_MPP = "mpp.spadina-fort-york@demo.invalid"
THUNDER_BAY_MPP = "mpp.thunder-bay-superior-north@demo.invalid"
MINISTER = "minister.energy@demo.invalid"


def toronto(text: str) -> datetime:
    """"2026-03-06 18:00" on a Toronto clock, as the UTC instant it is."""
    return datetime.fromisoformat(text).replace(tzinfo=TORONTO).astimezone(ZoneInfo("UTC"))


def campaign(slug: str, *, mpp: str = "", minister: str | None = None, title: str | None = None,
             extra: str = "") -> Campaign:
    """A live letter campaign to the supporter's MPP (and the Minister of Energy when ``minister`` is given).

    ``mpp`` and ``minister`` are the inside of each target's ``delivery = { ... }`` table.
    """
    targets = f'[[targets]]\ntype = "representative"\nlevel = "provincial"\ndelivery = {{ {mpp} }}\n'
    if minister is not None:
        targets += f'[[targets]]\ntype = "official"\noffice = "minister-of-energy"\ndelivery = {{ {minister} }}\n'
    text = f'''slug = "{slug}"
kind = "letter"
status = "live"
goal = 1000
confirm = "off"
{extra}
[text.en]
title = "{title or slug.replace("-", " ").title()}"
summary = "A campaign for the pacing tests."
body = "Why it matters."
thank_you = "Thank you."
share_text = "Write too."
consent = "Email me."

{targets}
[letters.default.en]
subject = "About {{{{ campaign.title }}}}"
body = "Please act on {{{{ campaign.title }}}}."
'''
    return load_campaign_text(text, f"{slug}.toml")


def with_campaigns(ctx: AppContext, *campaigns: Campaign, db: Database | None = None) -> AppContext:
    return dataclasses.replace(ctx, catalog=Catalog(campaigns), db=db or ctx.db)


class Writer:
    """Writes letters the way the public form does, from supporters in the postal code given."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.count = 0

    def write(self, ctx: AppContext, slug: str, postal_code: str = OTTAWA, n: int = 1, *,
              chosen: dict[Level, str] | None = None, hold: bool = False) -> list[int]:
        """``n`` letters on campaign ``slug`` (``hold``: awaiting confirmation); returns their delivery ids."""
        found = ctx.catalog.get(slug)
        assert found is not None
        ids: list[int] = []
        with ctx.db.transaction() as session:
            recipients = resolve_targets(session, found, postal_code, ctx.provider, chosen=chosen).recipients
            for _ in range(n):
                self.count += 1
                person = Supporter("Writer", f"Number {self.count}", f"writer{self.count}@example.com", postal_code)
                action = submit_letter(session, found, person, compose_letters(found, recipients, person),
                                       now=self.clock(), message_domain=ctx.message_domain, hold=hold)
                ids += session.scalars(select(Delivery.id).where(Delivery.action_id == action.id)
                                       .order_by(Delivery.id)).all()
        return ids


@pytest.fixture
def ctx(settings: Settings, db: Database) -> AppContext:
    """What the worker and the CLI share, without a web app: these tests never need one."""
    context = AppContext(settings, Database(settings.sqlalchemy_url), Catalog(), build_chain(settings))
    yield context
    context.db.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(toronto("2026-11-23 10:00"))  # a Monday morning


@pytest.fixture
def writer(clock: Clock) -> Writer:
    return Writer(clock)


def worker(ctx: AppContext, sink_url: str, clock: Clock, *, batch: int | None = None) -> Worker:
    if batch is not None:
        ctx = dataclasses.replace(ctx, settings=ctx.settings.with_(worker_batch=batch))
    return smtp_worker(ctx, sink_url, clock)


def received(sink) -> Counter[str]:
    """How many emails each inbox has received."""
    return Counter(message["To"].addresses[0].addr_spec for message in sink.messages)


def statuses(db: Database, ids: list[int] | None = None) -> Counter[str]:
    with db.transaction() as session:
        query = select(Delivery.status)
        if ids is not None:
            query = query.where(Delivery.id.in_(ids))
        return Counter(session.scalars(query))
