"""Looking up a postal code on Represent: what the supporter gets back, and what Represent is sent."""

from __future__ import annotations

import time

import pytest

from advocacy.domain.types import Confidence, Level, Match

from . import payloads as p
from .conftest import make_provider
from .represent_server import MAINTENANCE_PAGE, Reply

PATH = "/postcodes/K1P1A4/"


def lookup(provider, db, code="K1P1A4"):
    with db.transaction() as session:
        return provider.lookup(session, code)


def test_only_the_postal_code_is_sent_upper_case_without_space_with_trailing_slash(live, represent, db):
    represent.json(PATH, p.k1p1a4())
    lookup(live, db)
    [seen] = represent.seen
    assert seen.path == PATH
    assert seen.headers["Accept"] == "application/json"
    assert "Cookie" not in seen.headers


def test_every_level_comes_back_with_contact_details_and_how_it_was_matched(live, represent, db):
    represent.json(PATH, p.k1p1a4())
    found = lookup(live, db)
    assert (found.source, found.stale, found.city) == ("represent", False, "Ottawa")
    [federal] = found.choices(Level.FEDERAL)  # the retired 2013 map, which nobody sits for, is left out
    assert federal.district.name == "Ottawa Centre" and federal.match == Match.CENTROID
    assert federal.confidence == Confidence.MEDIUM
    [member] = federal.representatives
    assert (member.name, member.office, member.email) == ("Pat Example", "MP", "pat.example@parl.example")
    assert member.phone == "1 613 555-0002"  # the constituency office, where constituents write
    assert member.postal_address.startswith("Main office")
    assert member.source_url and member.fetched_at is not None
    assert [c.representatives[0].name for c in found.choices(Level.PROVINCIAL)] == ["Lee Sample"]
    municipal = found.choices(Level.MUNICIPAL)  # the ward councillor first, then the mayor (listed once)
    assert [[r.name for r in c.representatives] for c in municipal] == [["Ari Placeholder"], ["Jo Mayor"]]
    assert not found.ambiguous(Level.MUNICIPAL)


@pytest.mark.parametrize("missing", [..., None])
def test_answers_without_representatives_keys_fall_through_to_the_directory(chain, represent, db, missing):
    # Represent leaves the keys out (or, defensively, null); boundaries alone name nobody to write to.
    represent.json("/postcodes/K1P5J2/", p.postcode("K1P5J2", centroid=[p.boundary(p.OLD_FED, "35075", "Ottawa")],
                                                     reps_centroid=missing, reps_concordance=missing))
    found = lookup(chain, db, "K1P5J2")
    assert found.choices(Level.PROVINCIAL)[0].source == "directory"
    assert found.choices(Level.PROVINCIAL)[0].representatives[0].name == "Sam Demo-Tremblay"


def test_an_old_boundary_set_with_nobody_in_it_gives_no_level_rather_than_a_vacancy(live, represent, db):
    represent.json("/postcodes/K2J6B6/", p.postcode("K2J6B6", centroid=[p.boundary(p.OLD_FED, "35064", "Nepean")]))
    found = lookup(live, db, "K2J6B6")
    assert found.choices(Level.FEDERAL) == []


def test_a_fresh_answer_is_cached_for_90_days(live, represent, db, clock):
    represent.json(PATH, p.k1p1a4())
    lookup(live, db)
    clock.advance(days=89)
    assert lookup(live, db).choices(Level.FEDERAL)[0].representatives[0].name == "Pat Example"
    assert len(represent.seen) == 1
    clock.advance(days=2)
    lookup(live, db)
    assert len(represent.seen) == 2


def test_an_unknown_code_404_html_is_remembered_for_a_day(chain, represent, db, clock):
    found = lookup(chain, db, "K1P9Z9")  # the fake answers 404 with an HTML page, as Represent does
    assert found.source == "directory" and found.match == "postal area"
    lookup(chain, db, "K1P9Z9")
    assert represent.paths() == ["/postcodes/K1P9Z9/"]
    clock.advance(hours=25)
    lookup(chain, db, "K1P9Z9")
    assert len(represent.seen) == 2


def test_a_200_html_maintenance_page_is_an_outage_not_data(chain, represent, db):
    represent.set(PATH, Reply(200, MAINTENANCE_PAGE, "text/html"))
    found = lookup(chain, db)
    assert found.source == "directory"
    assert len(represent.seen) == 1  # not retried: a maintenance page will not go away in a second


@pytest.mark.parametrize("status", [429, 500, 503])
def test_busy_or_failing_represent_is_retried_twice_with_jitter_then_the_directory_answers(
        chain, represent, db, clock, status):
    represent.set(PATH, Reply(status, "busy", "text/plain"))
    found = lookup(chain, db)
    assert found.source == "directory"
    assert len(represent.seen) == 3
    assert len(clock.slept) == 2 and all(0 <= s <= 1 for s in clock.slept)


def test_a_retry_after_longer_than_we_can_wait_goes_straight_to_the_fallback(chain, represent, db):
    represent.set(PATH, Reply(503, "slow down", "text/plain", headers=(("Retry-After", "120"),)))
    assert lookup(chain, db).source == "directory"
    assert len(represent.seen) == 1


def test_a_server_that_hangs_is_given_up_on_after_the_timeout_without_asking_again(db, represent, clock):
    represent.set(PATH, Reply(200, "{}", delay=2.0))
    provider = make_provider(db, represent, clock, timeout=0.3)
    started = time.monotonic()
    assert lookup(provider, db) is None
    assert time.monotonic() - started < 1.5
    assert len(represent.seen) == 1


def test_when_represent_is_down_the_stale_cache_answers_with_low_confidence(live, represent, db, clock):
    represent.json(PATH, p.k1p1a4())
    lookup(live, db)
    clock.advance(days=120)
    represent.set(PATH, Reply(503, "down", "text/plain"))
    found = lookup(live, db)
    assert found.stale and found.source == "represent"
    assert found.choices(Level.FEDERAL)[0].confidence == Confidence.LOW
    assert found.choices(Level.FEDERAL)[0].representatives[0].name == "Pat Example"


def test_the_breaker_stops_calls_after_repeated_failures_and_tries_again_later(db, represent, clock):
    provider = make_provider(db, represent, clock, retries=0, failures=2)
    represent.set("/postcodes/K1P1A1/", Reply(500, "", "text/plain"))
    represent.set("/postcodes/K1P1A2/", Reply(500, "", "text/plain"))
    lookup(provider, db, "K1P1A1")
    lookup(provider, db, "K1P1A2")
    represent.json(PATH, p.k1p1a4())
    assert lookup(provider, db) is None  # open: no call at all
    assert len(represent.seen) == 2
    clock.advance(seconds=61)
    assert lookup(provider, db).source == "represent"  # the trial call succeeds and closes the breaker
    assert provider.client.breaker.state == "closed"


def test_when_our_share_of_the_rate_limit_is_used_up_no_call_is_made(db, represent, clock, chain):
    from advocacy.ratelimit import Rate

    provider = make_provider(db, represent, clock, rate=Rate(1, 1))
    represent.json(PATH, p.k1p1a4())
    assert lookup(provider, db).source == "represent"
    assert lookup(provider, db, "K1P5J2") is None  # no token: the caller falls back at once
    assert len(represent.seen) == 1


def test_concordance_and_centroid_disagreeing_offers_both_districts(live, represent, db):
    other = p.mpp("Kim Other", "kanata-carleton", "Kanata—Carleton", "kother@ola.example")
    represent.json("/postcodes/K0A1K0/", p.postcode(
        "K0A1K0", concordance=[p.boundary(p.PROV, "kanata-carleton", "Kanata—Carleton")],
        centroid=[p.boundary(p.PROV, "ottawa-centre", "Ottawa Centre")],
        reps_concordance=[other], reps_centroid=[p.OTTAWA_CENTRE_MPP]))
    found = lookup(live, db, "K0A1K0")
    assert found.ambiguous(Level.PROVINCIAL)
    names = [(c.district.name, c.match, c.confidence, c.representatives[0].name)
             for c in found.choices(Level.PROVINCIAL)]
    assert names == [("Kanata—Carleton", Match.CONCORDANCE, Confidence.LOW, "Kim Other"),
                     ("Ottawa Centre", Match.CENTROID, Confidence.LOW, "Lee Sample")]


def test_a_person_without_a_boundary_url_joins_the_boundary_of_the_same_name(live, represent, db):
    represent.json(PATH, p.postcode("K1P1A4", centroid=[p.boundary(p.PROV, "ottawa-centre", "Ottawa Centre")],
                                    reps_centroid=[p.mpp("Lee Sample", "", "Ottawa Centre", "l@ola.example",
                                                         with_boundary=False)]))
    [candidate] = lookup(live, db).choices(Level.PROVINCIAL)
    assert candidate.district.key == f"{p.PROV}/ottawa-centre" and candidate.representatives[0].name == "Lee Sample"


def test_each_process_remembers_fresh_answers_briefly_to_absorb_bursts(db, represent, clock):
    from advocacy.models import PostcodeLookup

    provider = make_provider(db, represent, clock)
    provider.memo_seconds = 30
    represent.json(PATH, p.k1p1a4())
    lookup(provider, db)
    with db.transaction() as session:
        session.query(PostcodeLookup).delete()
    clock.advance(seconds=20)
    assert lookup(provider, db).source == "represent" and len(represent.seen) == 1
    clock.advance(seconds=11)
    lookup(provider, db)
    assert len(represent.seen) == 2


def test_a_broken_limiter_stops_calls_rather_than_letting_them_through(db, represent, clock, chain):
    class Broken:
        def acquire(self, key):
            raise ConnectionError("redis is down")

    chain.providers[0].client.limiter = Broken()
    represent.json(PATH, p.k1p1a4())
    assert lookup(chain, db).source == "directory"
    assert represent.seen == []
