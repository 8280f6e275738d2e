"""On PostgreSQL: two workers checking the same petition at once queue its delivery once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from advocacy import create_app
from advocacy.models import Delivery, PetitionMilestone
from advocacy.services.petition_delivery import deliver_petition

from .conftest import NOW, PREMIER, Signatures

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_ctx(settings, pg_db, pg_url):
    app = create_app(settings.with_(database_url=pg_url))
    yield app.extensions["advocacy"]
    app.extensions["advocacy"].db.dispose()


def test_one_of_two_simultaneous_deliveries_of_a_key_wins(pg_ctx):
    signatures = Signatures(pg_ctx)
    for first, code in (("Ann", "M5V3L9"), ("Bo", "K1R7S8")):
        signatures.sign(PREMIER, first, "Lee", code)
    campaign = pg_ctx.catalog.get(PREMIER)
    first_in = threading.Event()
    results: list[object] = []

    def deliver(hold: bool) -> None:
        with pg_ctx.db.transaction() as session:
            if not hold:
                first_in.wait(10)  # the other transaction has claimed the key and not committed yet
            results.append(deliver_petition(session, campaign, pg_ctx.provider, keys=["close"], now=NOW,
                                            mail=pg_ctx.mail))
            if hold:
                first_in.set()
                threading.Event().wait(0.5)  # the second one now waits on the unique key

    threads = [threading.Thread(target=deliver, args=(hold,)) for hold in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)

    assert sorted(result is None for result in results) == [False, True]
    with pg_ctx.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 1
        assert session.scalars(select(PetitionMilestone.key)).all() == ["close"]
