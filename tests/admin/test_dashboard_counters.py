"""The dashboard's running totals (models/counters.py, fed by the triggers of migration 0014 through change logs)
always equal a fresh count of the actions and deliveries, before and after the logs are folded in, after every
way they are written: signing, letters, confirming, review, staff changes to deliveries, erasure, the retention
purge, expiry and plain SQL; on SQLite and PostgreSQL, and after the migration's backfill of rows written before
it. Two folds at once count nothing twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from advocacy import create_app, migrate
from advocacy.db import Database
from advocacy.domain.types import Supporter
from advocacy.models import (
    Action,
    ActionCountByHour,
    ActionCountByRiding,
    ActionCountBySource,
    ActionCountChange,
    Delivery,
    DeliveryCount,
    DeliveryCountChange,
    LetterCountByOffice,
    LetterOffice,
    LetterOfficeChange,
)
from advocacy.models.base import utcnow
from advocacy.services import dashboard, moderation, people
from advocacy.services.confirmations import confirm
from advocacy.services.counters import current_totals, fold_counters
from advocacy.services.deliveries import cancel_delivery
from advocacy.services.petitions import sign_petition
from advocacy.services.privacy import RetentionPolicy, purge
from advocacy.services.stats import COUNTED

from .review_setup import LETTER, PETITION, confirm_link, letters, write_letter


def fresh_counts(session: Session) -> dict[str, Counter]:
    """Every figure the counters keep, counted afresh from actions and deliveries."""
    def grouped(*columns: object, where: object = True, table: object = Action) -> Counter:
        rows = session.execute(select(*columns, func.count()).select_from(table).where(where).group_by(*columns))
        return Counter({tuple(row[:-1]): row[-1] for row in rows})

    hours = Counter((slug, when.astimezone(UTC).strftime("%Y-%m-%d %H")) for slug, when in session.execute(
        select(Action.campaign_slug, Action.created_at).where(COUNTED)))
    return {
        "hour": hours,
        "source": grouped(Action.campaign_slug, Action.source, where=COUNTED),
        "riding": grouped(Action.campaign_slug, Action.district, Action.status, Action.review),
        "delivery": grouped(Delivery.campaign_slug, Delivery.kind, Delivery.status, table=Delivery),
        "office": grouped(Delivery.campaign_slug, Delivery.office_key, Delivery.status, table=Delivery,
                          where=Delivery.kind == "letter"),
    }


COUNTERS = {"hour": ActionCountByHour, "source": ActionCountBySource, "riding": ActionCountByRiding,
            "delivery": DeliveryCount, "office": LetterCountByOffice}
LOGS = (ActionCountChange, DeliveryCountChange, LetterOfficeChange)


def kept_counts(session: Session) -> dict[str, Counter]:
    """Every figure as the dashboard reads it: the totals plus the changes not folded yet."""
    return {name: Counter({tuple(row[:-1]): row[-1] for row in current_totals(session, table)})
            for name, table in COUNTERS.items()}


def folded_counts(session: Session) -> dict[str, Counter]:
    """The totals alone, which after a fold must be every figure (and none below zero)."""
    def kept(table: type) -> Counter:
        keys = [column for column in table.__table__.c if column.name != "total"]
        rows = session.execute(select(*keys, table.total).where(table.total != 0)).all()
        assert all(row[-1] > 0 for row in rows), f"a negative total in {table.__tablename__}"
        return Counter({tuple(row[:-1]): row[-1] for row in rows})

    return {name: kept(table) for name, table in COUNTERS.items()}


def logged_changes(session: Session) -> int:
    return sum(session.scalar(select(func.count()).select_from(log)) for log in LOGS)


def assert_counters_match(db: Database) -> None:
    """Exact before a fold, exact after it, and the fold empties the logs."""
    with db.session() as session:
        assert kept_counts(session) == fresh_counts(session)
    with db.transaction() as session:
        fold_counters(session)
    with db.session() as session:
        assert logged_changes(session) == 0
        fresh = fresh_counts(session)
        assert folded_counts(session) == fresh
        assert kept_counts(session) == fresh


def sign(ctx, number: int, *, hold: bool = False, district: str = "Ottawa Centre", source: str = "",
         when: datetime | None = None) -> int:
    person = Supporter("Ann", f"Lee{number}", f"signer{number}@example.com", "K1P5J2")
    with ctx.db.transaction() as session:
        sign_petition(session, ctx.catalog.get(PETITION), person, now=when or utcnow(), hold=hold,
                      district=district, source=source)
        return session.scalar(select(func.max(Action.id)))


def every_kind_of_write(ctx) -> None:
    """Actions and deliveries written, changed and deleted the ways the application does it."""
    now = utcnow()
    signed = [sign(ctx, n, district=("Ottawa Centre", "Spadina—Fort York", "")[n % 3],
                   source=("", "newsletter", "ally:friends")[n % 3], when=now - timedelta(hours=n * 7))
              for n in range(9)]
    sign(ctx, 20, hold=True, source="newsletter")
    sent = write_letter(ctx, Supporter("Bo", "Ng", "bo@example.com", "K1P5J2"))
    waiting = write_letter(ctx, Supporter("Cy", "Li", "cy@example.com", "K1P5J2"), hold=True)
    never = write_letter(ctx, Supporter("Di", "Ma", "di@example.com", "K1P5J2"), hold=True)
    assert_counters_match(ctx.db)
    with ctx.db.transaction() as session:  # the supporter uses the emailed link
        outcome = confirm(session, ctx.catalog.get, confirm_link(ctx, waiting), mail=ctx.mail, now=now)
        assert outcome.state == "confirmed"
    with ctx.db.transaction() as session:
        for action_id in signed[:3]:
            moderation.flag_for_review(session, session.get(Action, action_id), "many from one address", now=now)
        moderation.flag_for_review(session, session.get(Action, sent), "odd wording", now=now)
    with ctx.db.transaction() as session:
        moderation.reject(session, session.get(Action, signed[0]), now=now)
        moderation.approve(session, session.get(Action, signed[1]), now=now)
        moderation.approve(session, session.get(Action, sent), now=now)
    assert_counters_match(ctx.db)
    cancelled, renamed = letters(ctx, sent)
    with ctx.db.transaction() as session:  # staff cancel a letter; the directory renames an office
        cancel_delivery(session, cancelled.id, now=now)
        session.execute(update(Delivery).where(Delivery.id == renamed.id).values(recipient_name="New Member"))
    with ctx.db.transaction() as session:
        people.erase_person(session, people.find_supporter(session, "bo@example.com"), now=now)
        people.erase_person(session, people.find_supporter(session, "signer4@example.com"), now=now)
    assert_counters_match(ctx.db)
    with ctx.db.transaction() as session:  # a week later: unconfirmed actions go; a year later, personal details
        purge(session, ctx.catalog, RetentionPolicy(), now=now + timedelta(days=8))
        purge(session, ctx.catalog, RetentionPolicy(), now=now + timedelta(days=400))
    with ctx.db.transaction() as session:
        assert session.get(Action, never) is None  # its link expired unused
    with ctx.db.transaction() as session:  # plain SQL, as a script or a later migration might write
        session.execute(update(Action).where(Action.id == signed[5]).values(district="Kanata—Carleton",
                                                                            source="flyer"))
        session.execute(update(Action).where(Action.id == signed[6]).values(status="pending"))
        session.execute(delete(Action).where(Action.id == signed[8]))
    assert_counters_match(ctx.db)
    with ctx.db.session() as session:
        office = session.get(LetterOffice, (LETTER, renamed.office_key))
        assert office.recipient_name == "New Member"  # the name the latest letter to that inbox carries


def test_counters_equal_a_fresh_count_after_every_kind_of_write(ctx):
    every_kind_of_write(ctx)
    with ctx.db.session() as session:
        assert dashboard.campaign_counts(session, PETITION)[PETITION].in_review == 1
        assert dashboard.campaign_counts(session, PETITION)[PETITION].rejected == 1


@pytest.mark.postgres
def test_counters_equal_a_fresh_count_on_postgres(settings, pg_db, pg_url):
    app = create_app(settings.with_(database_url=pg_url))
    try:
        every_kind_of_write(app.extensions["advocacy"])
    finally:
        app.extensions["advocacy"].db.dispose()


def _rows_before_the_counters(db: Database) -> None:
    """Actions and deliveries written before migration 0014, as an existing database has them."""
    start = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
    with db.transaction() as session:
        for n in range(12):
            status, review = ("pending", "") if n % 4 == 0 else ("confirmed", "rejected" if n % 5 == 0 else "")
            action_id = session.execute(insert(Action).values(
                campaign_slug=LETTER if n % 3 == 0 else PETITION, kind="signature", status=status, review=review,
                email_key=f"old{n}@example.com", canonical_key=f"old{n}@example.com", first_name="A",
                last_name="B", postal_code="K1P5J2", district=f"Riding {n % 2}", source=("", "flyer")[n % 2],
                created_at=start + timedelta(minutes=47 * n)).returning(Action.id)).scalar_one()
            if n % 3 == 0:
                session.execute(insert(Delivery).values(
                    action_id=action_id, campaign_slug=LETTER, kind="letter", status=("sent", "queued")[n % 2],
                    office_key=f"office{n % 2}@example.com", recipient_name=f"Member {n % 2}",
                    recipient_email=f"office{n % 2}@example.com", subject="S", body="B", message_id=f"<{n}@old>"))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_migration_counts_the_rows_already_there(backend, tmp_path, request):
    url = request.getfixturevalue("pg_url") if backend == "postgres" else f"sqlite:///{tmp_path / 'old.db'}"
    db = Database(url)
    try:
        migrate.upgrade(db, "0013")
        _rows_before_the_counters(db)
        migrate.upgrade(db)
        assert_counters_match(db)
        with db.session() as session:
            assert [(o.email, o.name, o.total) for o in dashboard.letters_per_office(session, LETTER)] == [
                ("office0@example.com", "Member 0", 2), ("office1@example.com", "Member 1", 2)]
        migrate.downgrade(db, "0013")  # and back: the triggers go with their tables, writing works as before
        with db.transaction() as session:
            session.execute(delete(Delivery))
            session.execute(delete(Action))
        _rows_before_the_counters(db)
    finally:
        db.dispose()


def two_folds_at_once(db: Database) -> None:
    """A second fold while the first is uncommitted skips (PostgreSQL) and nothing is counted twice."""
    with db.session() as session:
        before = fresh_counts(session)
        assert logged_changes(session) > 0
    first = db.session(write=True)
    try:
        assert fold_counters(first) > 0
        with db.transaction() as second:
            assert fold_counters(second) == 0  # the first holds the lock: skip, do not wait
        first.commit()
    finally:
        first.close()
    with db.transaction() as session:
        assert fold_counters(session) == 0
    with db.session() as session:
        assert folded_counts(session) == before == kept_counts(session)


def test_counters_exact_before_and_after_a_fold(ctx):
    for n in range(3):
        sign(ctx, n, source="flyer")
    with ctx.db.session() as session:
        assert logged_changes(session) > 0
        assert dashboard.by_source(session, PETITION)[0].count == 3  # not folded yet, already counted
    assert_counters_match(ctx.db)
    with ctx.db.transaction() as session:
        assert fold_counters(session) == 0  # nothing left: a second fold adds nothing


@pytest.mark.postgres
def test_two_concurrent_folds_count_nothing_twice_on_postgres(settings, pg_db, pg_url):
    app = create_app(settings.with_(database_url=pg_url))
    ctx = app.extensions["advocacy"]
    try:
        for n in range(4):
            sign(ctx, n, source="flyer")
        write_letter(ctx, Supporter("Bo", "Ng", "bo@example.com", "K1P5J2"))
        two_folds_at_once(ctx.db)
    finally:
        ctx.db.dispose()
