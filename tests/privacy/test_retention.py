"""Retention, with a clock moved by hand: unconfirmed actions go after 7 days, message text after the
letter retention, IP hashes after 30 days, a closed campaign's personal details after the set time,
and no count, public or on the dashboard, ever changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from advocacy.catalog import Catalog
from advocacy.catalog.schema import CAMPAIGN_TZ
from advocacy.channels.mailbox import MailboxChannel
from advocacy.cli import CliState, main
from advocacy.models import Action, ConsentRecord, Delivery, Supporter
from advocacy.models.base import utcnow
from advocacy.services import dashboard
from advocacy.services.housekeeping import run_housekeeping
from advocacy.services.privacy import SCRUBBED_BODY, RetentionPolicy, purge
from advocacy.services.stats import count_actions, public_count
from advocacy.worker import Worker

from ..conftest import confirm_by_email, post_form

PETITION, LETTER = "the-rich-and-the-rest-of-us", "stop-offshoring"
PEOPLE = [{"first_name": "Ada", "last_name": "Quill", "email": "ada.quill@example.com", "postal_code": "K1P 5J2"},
          {"first_name": "Bea", "last_name": "Rook", "email": "bea.rook@example.com", "postal_code": "K1A 0A6",
           "opt_in": "y"},
          {"first_name": "Cy", "last_name": "Marsh", "email": "cy.marsh@example.com", "postal_code": "M5V 3L9"}]
WRITER = {"first_name": "Dee", "last_name": "Vale", "email": "dee.vale@example.com", "postal_code": "K1P 5J2"}
LATE = {"first_name": "Eli", "last_name": "Moss", "email": "eli.moss@example.com", "postal_code": "K1P 5J2"}
POLICY = RetentionPolicy(letter_days=30, ip_days=30, anonymise_days=90)


def counts(db) -> dict[str, object]:
    """Every number the public page and the staff dashboard show for the two campaigns."""
    with db.transaction() as session:
        found: dict[str, object] = {}
        for slug in (PETITION, LETTER):
            found[slug] = (count_actions(session, slug), public_count(session, slug),
                           dashboard.campaign_counts(session, slug), dashboard.by_riding(session, slug),
                           dashboard.actions_per_day(session, slug),
                           [(o.email, o.total) for o in dashboard.letters_per_office(session, slug)],
                           dashboard.delivery_states(session, slug))
        return found


@pytest.fixture
def activity(client, db, ctx, tmp_path):
    """Three signatures (one opting in), a confirmed and sent letter, a letter never confirmed."""
    for person in PEOPLE:
        post_form(client, f"/campaigns/{PETITION}?source=flyer", person)
    post_form(client, f"/campaigns/{LETTER}", {**WRITER, "intent": "send"})
    confirm_by_email(client, db, WRITER["email"])
    post_form(client, f"/campaigns/{LETTER}", {**LATE, "intent": "send"})
    Worker(ctx, MailboxChannel(tmp_path / "box")).run_once()
    return utcnow()


def closed_catalog(ctx, day) -> Catalog:
    """The same campaigns, closing on ``day``."""
    return Catalog([c.model_copy(update={"closes": day}) for c in ctx.catalog if c.slug in (PETITION, LETTER)])


def rows(db, model, *where) -> list:
    with db.transaction() as session:
        return list(session.scalars(select(model).where(*where).order_by(model.id)))


def test_each_rule_waits_for_its_time_and_counts_never_change(db, ctx, activity):
    start = activity
    before = counts(db)
    assert before[PETITION][0] == 3 and all(a.ip_hash for a in rows(db, Action))
    catalog = closed_catalog(ctx, start.astimezone(CAMPAIGN_TZ).date())

    def purge_at(days: float):
        with db.transaction() as session:
            return purge(session, catalog, POLICY, now=start + timedelta(days=days))

    early = purge_at(1)
    assert early.total == 0  # nothing is due a day later
    assert not any(d.body == SCRUBBED_BODY for d in rows(db, Delivery))

    week = purge_at(8)
    assert week.expired == 1 and not rows(db, Action, Action.email_key == LATE["email"])
    after = counts(db)  # an unconfirmed action was never counted: only the waiting figures drop
    assert {slug: after[slug][:2] for slug in after} == {slug: before[slug][:2] for slug in before}
    before = after

    month = purge_at(31)
    assert month.letters_scrubbed > 0 and month.ip_hashes_dropped >= 4
    sent = rows(db, Delivery, Delivery.sent_at.is_not(None))
    assert sent and all(d.body == SCRUBBED_BODY for d in sent)
    assert all(d.recipient_email and d.subject for d in sent)  # who, what and when are kept
    assert not any(a.ip_hash for a in rows(db, Action)) and not any(c.ip_hash for c in rows(db, ConsentRecord))
    assert not any(a.anonymised_at for a in rows(db, Action))  # the campaign closed less than 90 days ago
    assert counts(db) == before

    ridings = [a.district for a in rows(db, Action)]
    later = purge_at(92)
    assert later.actions_anonymised == 4 and later.supporters_anonymised == 3
    actions = rows(db, Action)
    assert all(not (a.first_name or a.last_name or a.postal_code) and "@" not in a.email_key for a in actions)
    assert [a.district for a in actions] == ridings and "Ottawa Centre" in ridings  # the riding stays
    supporters = {s.first_name for s in rows(db, Supporter)}
    assert "Bea" in supporters and not supporters & {"Ada", "Cy", "Dee"}  # Bea asked to hear from us
    assert counts(db) == before
    assert purge_at(93).total == 0  # nothing twice


def test_no_personal_text_stays_in_messages_past_retention(db, ctx, activity):
    with db.transaction() as session:
        purge(session, Catalog([]), POLICY, now=activity + timedelta(days=31))
    for delivery in rows(db, Delivery, Delivery.sent_at.is_not(None)):
        assert WRITER["last_name"] not in delivery.body and "K1P" not in delivery.body


def test_housekeeping_purges_at_most_hourly(db, ctx, activity):
    later = activity + timedelta(days=31)
    with db.transaction() as session:
        first = run_housekeeping(session, ctx.catalog, ctx.provider, mail=ctx.mail, now=later, retention=POLICY)
    assert first.purged.letters_scrubbed > 0 and "message texts" in str(first)
    with db.transaction() as session:
        soon = run_housekeeping(session, ctx.catalog, ctx.provider, mail=ctx.mail,
                                now=later + timedelta(minutes=1), retention=POLICY)
    assert soon.purged.total == 0


def test_the_command_prints_counts_only(db, settings, activity):
    result = CliRunner().invoke(main, ["privacy", "purge"], obj=CliState(settings), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "0 unconfirmed actions deleted" in result.output and "anonymised" in result.output
    for person in [*PEOPLE, WRITER]:
        assert person["email"] not in result.output and person["last_name"] not in result.output


@pytest.mark.postgres
def test_the_purge_runs_on_postgresql(tmp_path, pg_db, pg_url):
    from advocacy import create_app

    from ..conftest import make_settings
    from .conftest import ORG_ADDRESS

    (tmp_path / "instance").mkdir(exist_ok=True)
    app = create_app(make_settings(tmp_path, database_url=pg_url, org_address=ORG_ADDRESS))
    client, ctx = app.test_client(), app.extensions["advocacy"]
    for person in PEOPLE:
        post_form(client, f"/campaigns/{PETITION}", person)
    before = count_actions_now(pg_db)
    with pg_db.transaction() as session:
        done = purge(session, closed_catalog(ctx, utcnow().astimezone(CAMPAIGN_TZ).date()), POLICY,
                     now=utcnow() + timedelta(days=100))
    assert done.actions_anonymised == 3 and done.supporters_anonymised == 2  # Bea opted in: she stays
    assert done.ip_hashes_dropped == 4  # three actions and one consent record
    assert count_actions_now(pg_db) == before == 3
    ctx.db.dispose()


def count_actions_now(db) -> int:
    with db.transaction() as session:
        return count_actions(session, PETITION)
