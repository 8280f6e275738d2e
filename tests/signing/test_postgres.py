"""On PostgreSQL: the signing statements (one read, the writes, the email unless the address was erased)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from advocacy import create_app
from advocacy.domain.types import Supporter
from advocacy.models import Action, Delivery
from advocacy.models.base import utcnow
from advocacy.services import people
from advocacy.services.confirmations import ConfirmationPlan, plan_confirmation
from advocacy.services.petitions import prepare_signature, record_signature

pytestmark = pytest.mark.postgres
SLUG = "the-rich-and-the-rest-of-us"  # optional confirmation: counted at once, one link emailed
ANN = Supporter("Ann", "Lee", "Ann.Lee@example.com", "M5V3L9")


@pytest.fixture
def pg_ctx(settings, pg_db, pg_url):
    app = create_app(settings.with_(database_url=pg_url))
    yield app.extensions["advocacy"]
    app.extensions["advocacy"].db.dispose()


def _sign(ctx, person: Supporter):
    campaign, now = ctx.catalog.get(SLUG), utcnow()
    with ctx.db.session() as reader:
        prepared = prepare_signature(reader, campaign, person, now=now, provider=ctx.provider)
    with ctx.db.transaction() as session:
        return prepared, record_signature(session, prepared, now=now, mail=ctx.mail)


def _emails(ctx) -> list[Delivery]:
    with ctx.db.session() as session:
        return list(session.scalars(select(Delivery).where(Delivery.kind == "confirmation")))


def test_a_signature_is_stored_with_its_confirmation_email_and_counted_once(pg_ctx):
    first, result = _sign(pg_ctx, ANN)
    assert first.earlier is None and first.plan is not None and first.plan.email and result.created
    [email] = _emails(pg_ctx)
    assert (email.recipient_email, email.status, email.recipient_office) == (ANN.email, "queued", "supporter")
    assert email.return_token and "/confirm/" in email.body

    again, result = _sign(pg_ctx, Supporter("Annie", "Lee", "ANN.LEE@example.COM", "M5V3L9"))
    assert again.earlier is not None and not result.created
    assert again.plan is None  # counted at once (optional confirmation): nothing to ask again
    assert len(_emails(pg_ctx)) == 1
    with pg_ctx.db.session() as session:  # asked again within the day, the link already sent is the one to use
        plan = plan_confirmation(session, pg_ctx.catalog.get(SLUG), ANN.email.lower(), now=utcnow())
        link = session.scalar(select(Action.confirmation_id))
        assert link is not None and plan == ConfirmationPlan(link)


def test_an_erased_address_signs_but_is_not_mailed(pg_ctx):
    _sign(pg_ctx, ANN)
    with pg_ctx.db.transaction() as session:
        people.erase_person(session, people.find_supporter(session, ANN.email), now=utcnow())
    before = len(_emails(pg_ctx))

    _prepared, result = _sign(pg_ctx, ANN)
    assert result.created
    assert len(_emails(pg_ctx)) == before
    assert ANN.email.lower() not in [e.office_key for e in _emails(pg_ctx)]
    with pg_ctx.db.session() as session:
        assert session.scalar(select(Action.email_key).where(Action.campaign_slug == SLUG,
                                                             Action.first_name == "Ann")) == ANN.email.lower()
