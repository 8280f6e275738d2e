"""Signing reads first and writes last: what happens when the database changed in between."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from advocacy.domain.types import Supporter
from advocacy.models import Action, Confirmation, Delivery
from advocacy.models import Supporter as SupporterRow
from advocacy.models.base import utcnow
from advocacy.services.petitions import prepare_signature, record_signature
from advocacy.services.stats import public_count
from advocacy.services.supporters import upsert_supporter_id

SLUG = "the-rich-and-the-rest-of-us"  # optional confirmation: counted at once, one link emailed


def _count(db, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def _sign(ctx, person: Supporter):
    campaign, now = ctx.catalog.get(SLUG), utcnow()
    with ctx.db.session() as reader:
        prepared = prepare_signature(reader, campaign, person, now=now, provider=ctx.provider)
    return prepared, campaign, now


def test_two_identical_submissions_racing_store_one_signature_and_one_email(ctx):
    ann = Supporter("Ann", "Lee", "ann@example.com", "M5V3L9")
    first, _, now = _sign(ctx, ann)
    second, _, _ = _sign(ctx, Supporter("Annie", "Lee", "ANN@example.com", "M5V3L9"))  # read before either wrote
    with ctx.db.transaction() as session:
        assert record_signature(session, first, now=now, mail=ctx.mail).created
    with ctx.db.transaction() as session:
        result = record_signature(session, second, now=now, mail=ctx.mail)
    assert (result.created, result.pending) == (False, False)
    assert _count(ctx.db, Action) == 1 and _count(ctx.db, Confirmation) == 1 and _count(ctx.db, Delivery) == 1
    with ctx.db.session() as session:  # the losing submission left nothing behind, not even a new first name
        assert session.scalars(select(SupporterRow.first_name)).one() == "Ann"


def test_the_daily_cap_is_checked_again_inside_the_write(ctx):
    prepared = []
    for slug in ("the-rich-and-the-rest-of-us", "together-fairness-works"):
        campaign, now = ctx.catalog.get(slug), utcnow()
        with ctx.db.session() as reader:
            prepared.append(prepare_signature(reader, campaign, Supporter("Bo", "Li", "bo@example.com", "K1P5J2"),
                                              now=now, provider=ctx.provider))
    assert all(p.plan is not None and p.plan.email for p in prepared)
    # Two emails were sent to this address elsewhere after the reads: the cap of three a day leaves room
    # for one more, so only the first of these two signatures may email.
    with ctx.db.transaction() as session:
        for number in range(2):
            session.add(Delivery(campaign_slug="x", status="sent", kind="confirmation", recipient_name="Bo",
                                 recipient_email="bo@example.com", recipient_office="supporter",
                                 office_key="bo@example.com", subject="s", body="b", message_id=f"<{number}@x>",
                                 attempts=0, next_attempt_at=now, created_at=now))
    for signature in prepared:
        with ctx.db.transaction() as session:
            assert record_signature(session, signature, now=now, mail=ctx.mail).created
    with ctx.db.session() as session:
        kinds = session.scalars(select(Delivery.campaign_slug).where(Delivery.office_key == "bo@example.com",
                                                                     Delivery.kind == "confirmation"))
        assert sorted(kinds) == ["the-rich-and-the-rest-of-us", "x", "x"]


def test_public_count_is_cached_but_a_signer_sees_their_own(ctx):
    with ctx.db.session() as session:
        assert public_count(session, SLUG) == 0
    with ctx.db.transaction() as session:  # another worker's signature: this process is not told
        bo = upsert_supporter_id(session, Supporter("Bo", "Li", "bo@example.com", "K1P5J2"), now=utcnow())
        session.execute(insert(Action).values(campaign_slug=SLUG, kind="signature", supporter_id=bo,
                                              email_key="bo@example.com", first_name="Bo", last_name="Li",
                                              postal_code="K1P5J2"))
    with ctx.db.session() as session:
        assert public_count(session, SLUG) == 0  # at most PUBLIC_COUNT_SECONDS old
    prepared, _, now = _sign(ctx, Supporter("Ann", "Lee", "ann@example.com", "M5V3L9"))
    with ctx.db.transaction() as session:
        record_signature(session, prepared, now=now, mail=ctx.mail)
    with ctx.db.session() as session:
        assert public_count(session, SLUG) == 2
