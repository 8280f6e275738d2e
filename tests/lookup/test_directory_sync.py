"""Staff keep the directory current: `advocacy directory sync` from Represent, and `advocacy directory check`."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select, update

from advocacy.cli import CliState, main
from advocacy.domain.types import Level
from advocacy.models import DirectoryEntry
from advocacy.models.base import utcnow
from advocacy.services.lookup import list_districts

from . import payloads as p
from .represent_server import Reply

ROSTER = "/representatives/ontario-legislature/?limit=1000"
PAGE_2 = "/representatives/ontario-legislature/?limit=1000&offset=2"
KIM = p.mpp("Kim Other", "kanata-carleton", "Kanata—Carleton", "kother@ola.example")
ROBIN = p.mpp("Robin Third", "nepean", "Nepean", "rthird@ola.example")


def sync(settings, represent, *sets):
    args = ["directory", "sync", *[a for s in sets for a in ("--set", s)]]
    return CliRunner().invoke(main, args, obj=CliState(settings.with_(represent_url=represent.url)))


def people(db):
    with db.transaction() as session:
        rows = session.scalars(select(DirectoryEntry).where(DirectoryEntry.source == "represent:ontario-legislature"))
        return sorted((e.name, e.email) for e in rows)


def serve_full_roster(represent):
    represent.json(ROSTER, p.roster_page([p.OTTAWA_CENTRE_MPP, KIM], total=3, next_path=PAGE_2))
    represent.json(PAGE_2, p.roster_page([ROBIN], total=3, next_path=None, offset=2))


def test_sync_follows_pages_and_reports_who_was_added(settings, db, represent):
    serve_full_roster(represent)
    result = sync(settings, represent, "ontario-legislature")
    assert result.exit_code == 0, result.output
    assert "ontario-legislature: 3 added, 0 changed, 0 removed, 0 unchanged" in result.output
    assert "+ Robin Third (Nepean)" in result.output
    assert represent.paths() == [ROSTER, PAGE_2]
    assert people(db) == [("Kim Other", "kother@ola.example"), ("Lee Sample", "lsample-co@ola.example"),
                          ("Robin Third", "rthird@ola.example")]
    with db.transaction() as session:  # the chooser lists each riding once, preferring the live roster
        ottawa = [c for c in list_districts(session, Level.PROVINCIAL) if c.name == "Ottawa Centre"]
    assert [(c.key, c.representatives) for c in ottawa] == [(f"{p.PROV}/ottawa-centre", ("Lee Sample",))]


def test_a_second_sync_reports_changes_and_departures(settings, db, represent):
    serve_full_roster(represent)
    sync(settings, represent, "ontario-legislature")
    moved = {**KIM, "email": "kim.other@ola.example"}
    represent.json(ROSTER, p.roster_page([p.OTTAWA_CENTRE_MPP, moved], total=2, next_path=None))
    result = sync(settings, represent, "ontario-legislature")
    assert "1 changed, 1 removed, 1 unchanged" in result.output
    assert "~ Kim Other (Kanata—Carleton)" in result.output and "- Robin Third" in result.output
    assert ("Kim Other", "kim.other@ola.example") in people(db)


def test_a_partial_failed_or_empty_roster_changes_nothing(settings, db, represent):
    serve_full_roster(represent)
    sync(settings, represent, "ontario-legislature")
    before = people(db)
    for broken in (p.roster_page([p.OTTAWA_CENTRE_MPP], total=3, next_path=None),  # 1 of 3 announced
                   p.roster_page([], total=0, next_path=None)):  # an unknown set answers with an empty list
        represent.json(ROSTER, broken)
        result = sync(settings, represent, "ontario-legislature")
        assert result.exit_code == 1 and "left unchanged" in result.output
    represent.set(ROSTER, Reply(503, "down", "text/plain"))
    assert sync(settings, represent, "ontario-legislature").exit_code == 1
    assert people(db) == before


def test_sync_needs_a_represent_url(settings):
    result = CliRunner().invoke(main, ["directory", "sync"], obj=CliState(settings))
    assert result.exit_code == 1 and "ADVOCACY_REPRESENT_URL" in result.output


def test_one_roster_refresh_corrects_every_cached_postal_code(settings, db, represent, live, clock):
    represent.json("/postcodes/K1P1A4/", p.k1p1a4())
    represent.json("/postcodes/K2J1A1/", p.postcode("K2J1A1", centroid=[p.boundary(p.PROV, "nepean", "Nepean")]))
    with db.transaction() as session:
        assert live.lookup(session, "K2J1A1").choices(Level.PROVINCIAL) == []  # nobody known for that map yet
        live.lookup(session, "K1P1A4")
    newcomer = p.mpp("Sam Newcomer", "ottawa-centre", "Ottawa Centre", "snew@ola.example")
    represent.json(ROSTER, p.roster_page([newcomer, KIM], total=2, next_path=None))
    sync(settings, represent, "ontario-legislature")
    calls = len(represent.seen)
    with db.transaction() as session:
        [ottawa] = live.lookup(session, "K1P1A4").choices(Level.PROVINCIAL)
        [nepean] = live.lookup(session, "K2J1A1").choices(Level.PROVINCIAL)
    assert [r.name for r in ottawa.representatives] == ["Sam Newcomer"]
    assert nepean.vacant and nepean.district.name == "Nepean"  # a riding of a staffed map with nobody: vacant
    assert len(represent.seen) == calls  # both answers came from the cache


def test_check_passes_on_a_fresh_directory_and_names_old_rows(settings, db):
    result = CliRunner().invoke(main, ["directory", "check"], obj=CliState(settings))
    assert result.exit_code == 0, result.output
    with db.transaction() as session:
        session.execute(update(DirectoryEntry).where(DirectoryEntry.name == "Sam Demo-Tremblay")
                        .values(updated_at=utcnow() - timedelta(days=200)))
    result = CliRunner().invoke(main, ["directory", "check"], obj=CliState(settings))
    assert result.exit_code == 1
    assert "older than 180 days: Sam Demo-Tremblay (MPP, provincial:ottawa-centre)" in result.output


def test_check_names_levels_and_offices_a_live_campaign_lacks(settings, db):
    with db.transaction() as session:
        session.execute(DirectoryEntry.__table__.delete().where(DirectoryEntry.level.in_(["provincial", "official"])))
    result = CliRunner().invoke(main, ["directory", "check"], obj=CliState(settings))
    assert result.exit_code == 1
    assert "stop-offshoring: no provincial representatives in the directory" in result.output
    assert "stop-offshoring: the office minister-of-public-and-business-service-delivery is not in" in result.output


def test_synced_rows_export_and_load_back_and_a_member_without_email_gets_no_letter(settings, db, ctx, represent,
                                                                                   tmp_path):
    import io

    from advocacy.providers.base import ProviderChain
    from advocacy.providers.directory import DirectoryProvider
    from advocacy.services.directory import export_csv, load_csv
    from advocacy.services.targets import resolve_targets

    from ..conftest import prepare_database

    silent = {**ROBIN, "email": ""}
    represent.json(ROSTER, p.roster_page([p.OTTAWA_CENTRE_MPP, KIM, silent], total=3, next_path=None))
    assert sync(settings, represent, "ontario-legislature").exit_code == 0
    with db.transaction() as session:
        exported = export_csv(session)
        chosen = {Level.PROVINCIAL: f"{p.PROV}/nepean"}
        resolution = resolve_targets(session, ctx.catalog.get("stop-offshoring"), "K2J1A1",
                                     ProviderChain([DirectoryProvider()]), chosen=chosen)
    assert resolution.problems == ["We have no email address for Robin Third, MPP for Nepean."]
    assert "Lee Sample" in exported and "Robin Third" not in exported  # the file format needs an address
    other = prepare_database(f"sqlite:///{tmp_path / 'other.db'}")
    for target in (other, db):
        with target.transaction() as session:
            assert load_csv(session, io.StringIO(exported), name="export.csv", now=utcnow()).entries >= 17
    assert "ontario-legislature: 0 added, 0 changed, 0 removed, 3 unchanged" in \
        sync(settings, represent, "ontario-legislature").output  # a reloaded copy is not mistaken for the roster
    other.dispose()
