"""Resolving a letter's recipients: the most likely district by default, the supporter's choice, vacancies."""

from __future__ import annotations

from sqlalchemy import select

from advocacy.domain.types import Level, Supporter
from advocacy.models import Delivery
from advocacy.models.base import utcnow
from advocacy.providers.base import ProviderChain
from advocacy.providers.directory import DirectoryProvider
from advocacy.services import letters
from advocacy.services.lookup import chosen_candidate, find_representatives, list_districts
from advocacy.services.targets import resolve_targets

from . import payloads as p

DIRECTORY = ProviderChain([DirectoryProvider()])
OFFICE = "minister-of-public-and-business-service-delivery"


def test_by_default_the_most_likely_district_gets_the_letter_and_the_choice_is_recorded(ctx, db):
    campaign = ctx.catalog.get("stop-offshoring")
    with db.transaction() as session:
        resolution = resolve_targets(session, campaign, "K1P1A4", DIRECTORY)
    mpp, minister = resolution.recipients
    assert (mpp.name, mpp.match, mpp.confidence) == ("Sam Demo-Tremblay", "postal area", "low")
    assert resolution.ambiguous_levels == [Level.PROVINCIAL]  # K1P straddles two ridings: offer the choice
    assert (minister.district_key, minister.confidence) == (OFFICE, "high")


def test_a_district_chosen_by_the_supporter_needs_no_lookup(ctx, db):
    campaign = ctx.catalog.get("stop-offshoring")
    with db.transaction() as session:
        choices = list_districts(session, Level.PROVINCIAL)
        kanata = next(c for c in choices if c.name == "Kanata—Carleton")
        # X0A is nowhere in the directory, but the supporter told us their riding.
        resolution = resolve_targets(session, campaign, "X0A1A1", DIRECTORY, chosen={Level.PROVINCIAL: kanata.key})
    assert [(r.name, r.match, r.confidence) for r in resolution.recipients][0] == \
        ("Jordan Demo-Singh", "chosen", "high")


def test_an_unknown_or_wrong_level_choice_is_a_problem_not_a_letter_to_someone_else(ctx, db):
    campaign = ctx.catalog.get("stop-offshoring")
    with db.transaction() as session:
        assert chosen_candidate(session, "federal:ottawa-centre", Level.PROVINCIAL) is None
        resolution = resolve_targets(session, campaign, "K1P1A4", DIRECTORY, chosen={Level.PROVINCIAL: "nope"})
    assert [r.district_key for r in resolution.recipients] == [OFFICE]
    assert resolution.problems == ["We could not find the MPP's district you chose."]


def test_a_vacant_seat_is_said_plainly_and_the_fixed_office_still_gets_the_letter(ctx, db, live, chain, represent):
    represent.json("/postcodes/K1P1A4/", p.k1p1a4())
    with db.transaction() as session:
        live.lookup(session, "K1P1A4")  # Ottawa Centre's MPP is now known, so the map is staffed
    represent.json("/postcodes/K2J1A1/", p.postcode("K2J1A1", centroid=[p.boundary(p.PROV, "nepean", "Nepean")]))
    with db.transaction() as session:
        resolution = resolve_targets(session, ctx.catalog.get("stop-offshoring"), "K2J1A1", chain)
    assert resolution.problems == ["The seat for Nepean is vacant right now."]
    assert [r.district_key for r in resolution.recipients] == [OFFICE]


def test_the_delivery_row_keeps_a_snapshot_of_how_the_recipient_was_found(ctx, db, live, represent):
    represent.json("/postcodes/K1P1A4/", p.k1p1a4())
    campaign = ctx.catalog.get("stop-offshoring")
    person = Supporter("Ann", "Lee", "ann@example.org", "K1P1A4")
    with db.transaction() as session:
        resolution = resolve_targets(session, campaign, "K1P1A4", live)
        composed = letters.compose_letters(campaign, resolution.recipients, person,
                                           edits=letters.default_letter_text(campaign))
        letters.submit_letter(session, campaign, person, composed, now=utcnow(), message_domain="union.test")
    with db.transaction() as session:
        row = session.scalars(select(Delivery).where(Delivery.recipient_name == "Lee Sample")).one()
        assert (row.match, row.confidence, row.source) == ("centroid", "medium", "represent:ontario-legislature")
        assert row.recipient_source_url == "https://example.org/ontario-legislature"
        assert row.recipient_fetched_at is not None


def test_an_unknown_postal_code_offers_the_districts_of_its_postal_area_or_all(db, live, represent):
    represent.json("/postcodes/K1P1A4/", p.k1p1a4())
    with db.transaction() as session:
        live.lookup(session, "K1P1A4")
        nearby = find_representatives(session, live, "k1p 9z9")  # 404 on Represent; a neighbour is cached
        far = find_representatives(session, live, "P0T 1A1")
    assert nearby.lookup is None and nearby.choices_scope == "postal area"
    assert [c.name for c in nearby.choices[Level.PROVINCIAL]][:1] == ["Ottawa Centre"]
    assert far.choices_scope == "all" and len(far.choices[Level.PROVINCIAL]) >= 5
