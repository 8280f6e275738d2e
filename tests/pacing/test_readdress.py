"""Letters that have not left follow the seat: a new holder gets them, a vacant seat holds them for staff."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select, update

from advocacy.cli import CliState, main
from advocacy.domain.types import Level
from advocacy.models import Delivery, DirectoryEntry
from advocacy.services.digests import build_digests
from advocacy.services.readdress import VACANT, follow_directory

from ..delivery.conftest import events, row
from ..lookup import payloads as p
from ..lookup.represent_server import FakeRepresent
from .conftest import MINISTER, OTTAWA, OTTAWA_MPP, campaign, received, statuses, with_campaigns, worker

HEADER = "level,district,name,office,email,party,phone,postal_address,source,source_url,postal_codes,demo\n"
ROSTER = "/representatives/ontario-legislature/?limit=1000"
KIM = p.mpp("Kim Other", "kanata-carleton", "Kanata—Carleton", "kother@ola.example")
NEWCOMER = p.mpp("Sam Newcomer", "ottawa-centre", "Ottawa Centre", "snew@ola.example")
OTTAWA_KEY = f"{p.PROV}/ottawa-centre"


def load(settings, tmp_path, rows: str):
    path = tmp_path / "changes.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return CliRunner().invoke(main, ["directory", "load", str(path)], obj=CliState(settings))


def sync(settings, represent, *people):
    represent.json(ROSTER, p.roster_page(list(people), total=len(people), next_path=None))
    return CliRunner().invoke(main, ["directory", "sync", "--set", "ontario-legislature"],
                              obj=CliState(settings.with_(represent_url=represent.url)))


def test_a_new_mpp_after_a_directory_load_gets_the_letters_still_waiting(ctx, settings, writer, clock, smtp_sink,
                                                                       tmp_path):
    paced = with_campaigns(ctx, campaign("follow", mpp="per_hour = 2"))
    sent = writer.write(paced, "follow", OTTAWA, 2)
    sender = worker(paced, smtp_sink.url, clock)
    sender.run_once()
    waiting = writer.write(paced, "follow", OTTAWA, 3)  # over the allowance: still queued

    result = load(settings, tmp_path, "provincial,Ottawa Centre,Pat Newly-Elected,MPP,pat.newly@ola.example,,,,"
                                      "election 2026,,K1P:0.74;K1R,\n")
    assert result.exit_code == 0, result.output
    assert ("re-addressed 3 waiting letters for Ottawa Centre (provincial:ottawa-centre): "
            "Sam Demo-Tremblay <mpp.ottawa-centre@demo.invalid> -> Pat Newly-Elected <pat.newly@ola.example>"
            ) in result.output

    moved = row(ctx.db, waiting[0])
    assert (moved.recipient_name, moved.recipient_email, moved.office_key) == (
        "Pat Newly-Elected", "pat.newly@ola.example", "pat.newly@ola.example")
    assert moved.body.startswith("Dear Pat Newly-Elected,")  # the greeting names the person who reads it
    assert events(ctx.db, waiting[0])[-1] == (
        "queued", "queued", "re-addressed: Sam Demo-Tremblay <mpp.ottawa-centre@demo.invalid> -> "
        "Pat Newly-Elected <pat.newly@ola.example> (the directory changed)")
    assert {row(ctx.db, i).recipient_email for i in sent} == {OTTAWA_MPP}  # what was sent stays as it was

    # A new inbox has its own allowance: two go now, the third waits its turn.
    assert sender.run_once().sent == 2
    assert received(smtp_sink) == {OTTAWA_MPP: 2, "pat.newly@ola.example": 2}
    assert "Dear Pat Newly-Elected," in smtp_sink.messages[-1].get_content()

    again = load(settings, tmp_path, "provincial,Ottawa Centre,Pat Newly-Elected,MPP,pat.newly@ola.example,,,,"
                                     "election 2026,,K1P:0.74;K1R,\n")
    assert "re-addressed" not in again.output  # loading the same file again moves nothing


def test_a_vacant_seat_holds_the_letters_and_staff_are_told_then_the_next_member_gets_them(
        ctx, settings, writer, clock, smtp_sink):
    represent = FakeRepresent().start()
    try:
        assert sync(settings, represent, p.OTTAWA_CENTRE_MPP, KIM).exit_code == 0
        paced = with_campaigns(ctx, campaign("vacancy", mpp='hours = "09:00-17:00"'))
        clock.advance(8 * 3600)  # 18:00: the office has closed, so the letters wait
        chosen = {Level.PROVINCIAL: OTTAWA_KEY}
        confirmed = writer.write(paced, "vacancy", OTTAWA, 2, chosen=chosen)
        [pending] = writer.write(paced, "vacancy", OTTAWA, chosen=chosen, hold=True)  # not confirmed yet
        sender = worker(paced, smtp_sink.url, clock)
        assert sender.run_once().sent == 0

        result = sync(settings, represent, KIM)  # Lee Sample resigned: nobody sits for Ottawa Centre
        assert result.exit_code == 0, result.output
        assert (f"held 3 letters for Ottawa Centre ({OTTAWA_KEY}): the seat is vacant (was Lee Sample "
                "<lsample-co@ola.example>); see `advocacy deliveries list --status held`") in result.output
        assert [(row(ctx.db, i).status, row(ctx.db, i).hold_reason) for i in [*confirmed, pending]] == \
            [("held", VACANT)] * 3
        listing = CliRunner().invoke(main, ["deliveries", "list", "--status", "held"], obj=CliState(settings))
        assert listing.output.count("lsample-co@ola.example") == 3

        clock.advance(15 * 3600)  # the office is open again, but the seat is still empty
        assert sender.run_once().sent == 0

        result = sync(settings, represent, NEWCOMER, KIM)
        assert (f"re-addressed 3 waiting letters for Ottawa Centre ({OTTAWA_KEY}): Lee Sample "
                "<lsample-co@ola.example> -> Sam Newcomer <snew@ola.example>") in result.output
        assert (f"released 2 letters held for Ottawa Centre ({OTTAWA_KEY}): the seat is filled by Sam Newcomer "
                "<snew@ola.example>") in result.output
        assert sender.run_once().sent == 2
        assert received(smtp_sink) == {"snew@ola.example": 2}
        # The supporter who has not confirmed is still waiting for that, now for the new member.
        waiting = row(ctx.db, pending)
        assert (waiting.status, waiting.hold_reason, waiting.recipient_name) == (
            "held", "awaiting confirmation", "Sam Newcomer")
    finally:
        represent.stop()


def test_a_new_minister_gets_the_digest_still_waiting_and_offices_named_in_the_campaign_stay(
        ctx, settings, writer, clock, smtp_sink, tmp_path):
    named = campaign("ministers", mpp='mode = "digest"', minister='mode = "digest"')
    paced = with_campaigns(ctx, named)
    writer.write(paced, "ministers", OTTAWA, 2)
    clock.advance(24 * 3600)
    sender = worker(paced, smtp_sink.url, clock)
    with ctx.db.transaction() as session:  # built, not sent yet (as if the office were closed)
        built = build_digests(session, paced.catalog, clock(), message_domain="union.test")
    assert len(built) == 2
    result = load(settings, tmp_path, "official,minister-of-energy,Dana New-Minister,Minister of Energy and Mines,"
                                      "dana.minister@ontario.example,,,,,,,\n")
    assert "re-addressed 1 waiting letter for Minister of Energy and Mines (minister-of-energy): Parker " \
           "Demo-Energy <minister.energy@demo.invalid> -> Dana New-Minister <dana.minister@ontario.example>" \
           in result.output
    assert sender.run_once().sent == 2
    assert received(smtp_sink) == {"dana.minister@ontario.example": 1, OTTAWA_MPP: 1}
    assert MINISTER not in received(smtp_sink)
    assert statuses(ctx.db) == {"sent": 6}


def test_only_waiting_mail_with_a_known_seat_follows(ctx, writer, clock, smtp_sink):
    paced = with_campaigns(ctx, campaign("steady"))
    ids = writer.write(paced, "steady", OTTAWA, 1)
    with ctx.db.transaction() as session:
        letter = session.get(Delivery, ids[0])
        letter.district_key = "provincial:nowhere"  # a seat the directory has never heard of: a data gap
        assert follow_directory(session, now=clock()).lines() == []
        assert session.scalars(select(Delivery.status)).all() == ["queued"]


def test_a_member_without_an_email_address_holds_the_letters_and_says_so(ctx, writer, clock):
    paced = with_campaigns(ctx, campaign("no-address"))
    [letter] = writer.write(paced, "no-address", OTTAWA, 1)
    with ctx.db.transaction() as session:
        session.execute(update(DirectoryEntry).where(DirectoryEntry.district_key == "provincial:ottawa-centre")
                        .values(name="Ari Silent", email=""))
        lines = follow_directory(session, now=clock()).lines()
    assert lines == ["held 1 letter for Ottawa Centre (provincial:ottawa-centre): Ari Silent has no email address "
                     "(was Sam Demo-Tremblay <mpp.ottawa-centre@demo.invalid>); see `advocacy deliveries list "
                     "--status held`"]
    assert events(ctx.db, letter)[-1] == ("queued", "held", "seat vacant: Ari Silent has no email address "
                                                            "(provincial:ottawa-centre)")
