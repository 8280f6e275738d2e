"""Retention for a campaign no longer in the catalog (its file deleted, its stored row removed): it counts as
closed at its latest action, so its actions are anonymised the set time after the last one, counts unchanged."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from advocacy.catalog import Catalog
from advocacy.cli import CliState, main
from advocacy.models import Action, StoredCampaign, Supporter
from advocacy.models.base import utcnow
from advocacy.services import dashboard
from advocacy.services.privacy import RetentionPolicy, purge
from advocacy.services.stats import count_actions

from ..conftest import post_form

GONE, KEPT = "the-rich-and-the-rest-of-us", "together-fairness-works"
PEOPLE = [{"first_name": "Ada", "last_name": "Quill", "email": "ada.quill@example.com", "postal_code": "K1P 5J2"},
          {"first_name": "Bea", "last_name": "Rook", "email": "bea.rook@example.com", "postal_code": "K1A 0A6",
           "opt_in": "y"},
          {"first_name": "Cy", "last_name": "Marsh", "email": "cy.marsh@example.com", "postal_code": "M5V 3L9"}]
KEEPER = {"first_name": "Dee", "last_name": "Vale", "email": "dee.vale@example.com", "postal_code": "K1P 5J2"}
POLICY = RetentionPolicy(letter_days=30, ip_days=30, anonymise_days=90)


@pytest.fixture
def signed(client):
    """Three signatures on the campaign whose file will go, one on a campaign that stays open."""
    for person in PEOPLE:
        post_form(client, f"/campaigns/{GONE}", person)
    post_form(client, f"/campaigns/{KEPT}", KEEPER)
    return utcnow()


def without_gone(ctx) -> Catalog:
    """The catalog as it is once the campaign's file has been deleted."""
    return Catalog([c for c in ctx.catalog if c.slug != GONE])


def counts(db) -> dict[str, object]:
    with db.transaction() as session:
        return {slug: (count_actions(session, slug), dashboard.campaign_counts(session, slug),
                       dashboard.by_riding(session, slug), dashboard.by_source(session, slug),
                       dashboard.actions_per_day(session, slug)) for slug in (GONE, KEPT)}


def actions(db, slug: str) -> list[Action]:
    with db.transaction() as session:
        return list(session.scalars(select(Action).where(Action.campaign_slug == slug).order_by(Action.id)))


def anonymised(db, slug: str) -> list[bool]:
    return [a.anonymised_at is not None and not (a.first_name or a.last_name or a.postal_code)
            and "@" not in a.email_key for a in actions(db, slug)]


def test_a_deleted_campaigns_actions_are_anonymised_after_its_last_one_and_counts_stay(db, ctx, signed):
    before, catalog = counts(db), without_gone(ctx)

    def purge_at(days: float):
        with db.transaction() as session:
            return purge(session, catalog, POLICY, now=signed + timedelta(days=days))

    assert purge_at(89).actions_anonymised == 0
    assert anonymised(db, GONE) == [False] * 3
    done = purge_at(91)
    assert done.actions_anonymised == 3 and done.supporters_anonymised == 2  # Bea opted in: she stays
    assert anonymised(db, GONE) == [True] * 3
    assert anonymised(db, KEPT) == [False]  # an open campaign in the catalog is untouched
    with db.transaction() as session:
        assert {s.first_name for s in session.scalars(select(Supporter))} - {""} == {"Bea", "Dee"}
    assert counts(db) == before
    assert purge_at(92).total == 0  # nothing twice


def test_the_latest_action_is_when_it_closed(db, ctx, signed):
    first = actions(db, GONE)[0].id
    with db.transaction() as session:  # one signature long ago; the others came in today
        session.execute(update(Action).where(Action.id == first).values(created_at=signed - timedelta(days=300)))
    with db.transaction() as session:
        assert purge(session, without_gone(ctx), POLICY, now=signed + timedelta(days=60)).actions_anonymised == 0
    assert anonymised(db, GONE) == [False] * 3


def test_a_file_campaigns_leftover_status_row_does_not_keep_it(db, ctx, signed):
    with db.transaction() as session:  # staff had closed the file campaign: a status-only row stays behind
        session.add(StoredCampaign(slug=GONE, source=None, status="closed"))
    with db.transaction() as session:
        assert purge(session, without_gone(ctx), POLICY, now=signed + timedelta(days=91)).actions_anonymised == 3


def test_a_stored_campaign_the_catalog_left_out_is_not_taken_for_gone(db, ctx, signed):
    with db.transaction() as session:  # e.g. it no longer validates, or the catalog could not read it
        session.add(StoredCampaign(slug=GONE, source='title = "no longer valid"', status="live"))
    with db.transaction() as session:
        assert purge(session, without_gone(ctx), POLICY, now=signed + timedelta(days=400)).actions_anonymised == 0
    assert anonymised(db, GONE) == [False] * 3


def test_the_command_purges_a_campaign_whose_file_was_deleted(db, settings, signed, tmp_path):
    campaigns = tmp_path / "campaigns"
    shutil.copytree(settings.campaigns_dir, campaigns)
    (campaigns / f"{GONE}.toml").unlink()
    with db.transaction() as session:  # its last signature came in 91 days ago
        session.execute(update(Action).where(Action.campaign_slug == GONE)
                        .values(created_at=utcnow() - timedelta(days=91)))
    before = counts(db)
    result = CliRunner().invoke(main, ["privacy", "purge"], obj=CliState(replace(settings, campaigns_dir=campaigns)),
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "3 actions and 2 supporters anonymised" in result.output
    assert anonymised(db, GONE) == [True] * 3 and anonymised(db, KEPT) == [False]
    assert counts(db) == before
