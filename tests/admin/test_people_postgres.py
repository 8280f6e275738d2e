"""On PostgreSQL: review and erasure keep the counts and leave nothing of the person behind."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from advocacy import create_app
from advocacy.domain.types import Supporter
from advocacy.models import Action, Delivery
from advocacy.models.base import utcnow
from advocacy.services import moderation, people
from advocacy.services.stats import count_actions

from .review_setup import LETTER, PETITION, letters, sign, write_letter

pytestmark = pytest.mark.postgres
ZELDA = Supporter("Zelda", "Quixote", "Zelda.Quixote@Example.com", "K1P1A4")


@pytest.fixture
def pg_ctx(settings, pg_db, pg_url):
    app = create_app(settings.with_(database_url=pg_url))
    yield app.extensions["advocacy"]
    app.extensions["advocacy"].db.dispose()


def test_review_then_erasure_on_postgres(pg_ctx):
    flagged = write_letter(pg_ctx, ZELDA)
    sign(pg_ctx, ZELDA)
    with pg_ctx.db.transaction() as session:
        moderation.flag_for_review(session, session.get(Action, flagged), "odd", now=utcnow())
    with pg_ctx.db.transaction() as session:
        assert (count_actions(session, LETTER), count_actions(session, PETITION)) == (0, 1)
        moderation.approve(session, session.get(Action, flagged), now=utcnow())
    with pg_ctx.db.transaction() as session:
        people.erase_person(session, people.find_supporter(session, ZELDA.email), now=utcnow())
    with pg_ctx.db.transaction() as session:
        assert (count_actions(session, LETTER), count_actions(session, PETITION)) == (1, 1)
        assert session.scalar(select(func.count()).select_from(Action).where(Action.last_name == "Quixote")) == 0
        assert session.scalar(select(func.count()).select_from(Delivery)
                              .where(Delivery.body.contains("Quixote"))) == 0
    assert {d.status for d in letters(pg_ctx, flagged)} == {"cancelled"}
