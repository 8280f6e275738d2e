"""Privacy requests: find a supporter by email, export what we hold, erase it without changing any count."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from advocacy.domain.types import Supporter
from advocacy.models import Action, Base, Delivery
from advocacy.models.base import utcnow
from advocacy.services import people
from advocacy.services.confirmations import confirm
from advocacy.services.consent import consent_history, record_opt_in
from advocacy.services.letters import LetterEdits
from advocacy.services.stats import count_actions
from advocacy.services.supporter_mail import is_erased

from ..conftest import post_form
from .review_setup import LETTER, PETITION, confirm_link, deliver, letters, sign, write_letter

ADDRESS = "Zelda.Quixote@Example.com"
ZELDA = Supporter("Zelda", "Quixote", ADDRESS, "K1P1A4")  # K1P: Ottawa Centre
BO = Supporter("Bo", "Li", "bo@example.com", "K1P5J2")
OWN_WORDS = LetterEdits("Offshoring and my family", "As a night nurse on Elgin Street I have seen it first-hand.")
PERSONAL = ["zelda.quixote@example.com", "Zelda", "Quixote", "K1P1A4", "K1P 1A4"]


def dump(db) -> str:
    """Every row of every table as text, lower-cased: what a search of the whole database would find."""
    parts = []
    with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                parts.append(" ".join(str(value) for value in row))
    return "\n".join(parts).lower()


def totals(ctx) -> tuple[int, ...]:
    with ctx.db.transaction() as session:
        sent = session.scalar(select(func.count()).select_from(Delivery).where(Delivery.kind == "letter",
                                                                                Delivery.status == "sent"))
        actions = session.scalar(select(func.count()).select_from(Action))
        return count_actions(session, LETTER), count_actions(session, PETITION), sent, actions


def test_search_is_exact_and_ignores_case_and_spaces(ctx):
    write_letter(ctx, ZELDA)
    with ctx.db.transaction() as session:
        assert people.find_supporter(session, "  zelda.QUIXOTE@example.com ").first_name == "Zelda"
        assert people.find_supporter(session, "zelda.quixote@example") is None
        assert people.find_supporter(session, "") is None


def test_search_normalises_the_address_as_the_forms_do(ctx):
    write_letter(ctx, Supporter("Zoe", "Roy", "zoe@bücher.example", "K1P1A4"))  # as check_email stores it
    with ctx.db.transaction() as session:
        assert people.find_supporter(session, "ZOE@xn--bcher-kva.example").first_name == "Zoe"


def test_export_holds_the_persons_actions_letters_and_confirmations(ctx):
    letter = write_letter(ctx, ZELDA, hold=True)
    sign(ctx, ZELDA)
    with ctx.db.transaction() as session:
        record_opt_in(session, email_key=ADDRESS.lower(), wording="Keep me posted", lang="en", method="web_form",
                      now=utcnow(), campaign_slug=PETITION)
    with ctx.db.transaction() as session:
        record = people.person_record(session, people.find_supporter(session, ADDRESS))
        exported = json.loads(json.dumps(people.export_person(record, now=utcnow())))
    assert exported["supporter"]["email"] == ADDRESS
    assert {(a["campaign"], a["kind"]) for a in exported["actions"]} == {(LETTER, "letter"), (PETITION, "signature")}
    letter_row = next(a for a in exported["actions"] if a["id"] == letter)
    assert {d["to_address"] for d in letter_row["deliveries"] if d["kind"] == "letter"} == {
        "mpp.ottawa-centre@demo.invalid", "minister.service-delivery@demo.invalid"}
    assert any(d["kind"] == "confirmation" and d["to_address"] == ADDRESS for d in letter_row["deliveries"])
    assert [c["campaign"] for c in exported["confirmations"]] == [LETTER]
    assert [(c["event"], c["wording"]) for c in exported["consent"]] == [("opt_in", "Keep me posted")]


def test_erasing_removes_the_person_from_every_table_and_keeps_every_count(ctx, smtp_sink):
    write_letter(ctx, BO)
    sent = write_letter(ctx, ZELDA, hold=True, edits=OWN_WORDS)
    with ctx.db.transaction() as session:
        confirm(session, ctx.catalog.get, confirm_link(ctx, sent), mail=ctx.mail, now=utcnow())
    deliver(ctx, smtp_sink.url)
    assert {d.status for d in letters(ctx, sent)} == {"sent"}
    waiting = write_letter(ctx, ZELDA)  # queued, not sent yet
    sign(ctx, ZELDA)
    with ctx.db.transaction() as session:
        record_opt_in(session, email_key=ADDRESS.lower(), wording="Keep me posted", lang="en", method="web_form",
                      now=utcnow(), campaign_slug=PETITION, ip_hash="f00dfeedcafe")
    assert OWN_WORDS.body.lower() in dump(ctx.db)
    before = totals(ctx)

    with ctx.db.transaction() as session:
        done = people.erase_person(session, people.find_supporter(session, ADDRESS), now=utcnow())
    assert done.actions == 3 and done.letters_cancelled == 2

    everything = dump(ctx.db)
    for personal in [*PERSONAL, OWN_WORDS.body, OWN_WORDS.subject, "f00dfeedcafe"]:
        assert personal.lower() not in everything, personal
    assert totals(ctx) == before
    assert {d.status for d in letters(ctx, waiting)} == {"cancelled"}
    assert {d.status for d in letters(ctx, sent)} == {"sent"}
    assert {d.body for d in letters(ctx, sent)} == {people.PLACEHOLDER}
    with ctx.db.transaction() as session:
        assert people.find_supporter(session, ADDRESS) is None
        assert is_erased(session, ADDRESS.upper())
        assert [c.event for c in consent_history(session, ADDRESS)] == ["opt_in", "withdrawal"]


def test_an_erased_address_is_never_mailed_again(ctx, client, smtp_sink):
    write_letter(ctx, ZELDA)
    with ctx.db.transaction() as session:
        people.erase_person(session, people.find_supporter(session, ADDRESS), now=utcnow())
    form = {"first_name": "Zelda", "last_name": "Quixote", "email": ADDRESS.upper(), "postal_code": "k1p 1a4"}
    assert post_form(client, "/campaigns/the-rich-and-the-rest-of-us", form).status_code == 303
    assert post_form(client, f"/campaigns/{LETTER}", {**form, "intent": "send"}).status_code == 303
    with ctx.db.transaction() as session:
        to_them = session.scalars(select(Delivery).where(Delivery.office_key == ADDRESS.lower())).all()
    assert to_them == []
    deliver(ctx, smtp_sink.url)
    assert all(ADDRESS.lower() not in [r.lower() for r in rcpts] for _, rcpts in smtp_sink.envelopes)


def test_erasing_takes_the_letter_and_its_writer_out_of_a_waiting_digest(ctx):
    action = write_letter(ctx, ZELDA, edits=OWN_WORDS)
    ids = letters(ctx, action)[0].id, letters(ctx, write_letter(ctx, BO))[0].id
    with ctx.db.transaction() as session:
        mine, theirs = (session.get(Delivery, i) for i in ids)
        digest = Delivery(campaign_slug=LETTER, kind="digest", status="queued", recipient_name=mine.recipient_name,
                          recipient_email=mine.recipient_email, subject="2 constituents wrote",
                          body=f"Zelda Quixote, K1P 1A4\n\n{mine.body.strip()}\n\n"
                               f"Bo Li, K1P 5J2\n\n{theirs.body.strip()}",
                          message_id="<digest@union.test>")
        session.add(digest)
        session.flush()
        for letter in (mine, theirs):
            letter.status, letter.digest_id = "batched", digest.id
        digest_id = digest.id
    with ctx.db.transaction() as session:
        people.erase_person(session, people.find_supporter(session, ADDRESS), now=utcnow())
    with ctx.db.transaction() as session:
        body = session.get(Delivery, digest_id).body
    assert "Zelda" not in body and "K1P 1A4" not in body and OWN_WORDS.body not in body
    assert "Bo Li, K1P 5J2" in body  # the other writer's letter still goes
    assert letters(ctx, action)[0].status == "cancelled"
