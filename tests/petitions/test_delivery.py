"""What each target office receives when a petition is delivered, and that each delivery happens once."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from advocacy.models import Delivery, DeliveryAttachment, PetitionMilestone
from advocacy.services.petition_delivery import (
    deliver_petition,
    manual_key,
    queue_due_petition_deliveries,
    schedule_slot,
)

from .conftest import MPPS, NOW, PREMIER, with_rules

OTTAWA, SPADINA, THUNDER_BAY = "mpp.ottawa-centre@demo.invalid", "mpp.spadina-fort-york@demo.invalid", \
    "mpp.thunder-bay-superior-north@demo.invalid"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # spreadsheet programs then read the accents right
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def packages(db) -> dict[str, tuple[Delivery, dict[str, bytes]]]:
    """Each queued petition delivery by inbox, with its files by extension."""
    with db.transaction() as session:
        rows = session.scalars(select(Delivery).where(Delivery.kind == "petition").order_by(Delivery.id)).all()
        return {d.recipient_email: (d, {a.filename.rsplit(".", 1)[1]: a.data for a in d.attachments}) for d in rows}


def deliver(ctx, campaign, *, now=NOW, key=None):
    with ctx.db.transaction() as session:
        return deliver_petition(session, campaign, ctx.provider, keys=[key or manual_key(now)], now=now,
                                mail=ctx.mail)


def count(db, model) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def sign_across_ontario(signatures):
    signatures.sign(MPPS, "Émilie", "Côté", "K1R7S8")  # Ottawa Centre
    signatures.sign(MPPS, "Noël", "Lefèvre", "K1R5A4")  # Ottawa Centre
    signatures.sign(MPPS, "Ann", "Lee", "M5V3L9")  # Spadina—Fort York
    signatures.sign(MPPS, "Sam", "Pending", "M5V2T6", pending=True)  # never confirmed: not counted, not sent
    signatures.sign(MPPS, "Robin", "Okafor", "P7B5E1")  # Thunder Bay—Superior North


def test_each_mpp_gets_their_constituents_names_and_every_ridings_count(ctx, signatures):
    sign_across_ontario(signatures)
    queued = deliver(ctx, ctx.catalog.get(MPPS))

    assert queued is not None and queued.plan.total == 4
    sent = packages(ctx.db)
    assert set(sent) == {OTTAWA, SPADINA, THUNDER_BAY}
    delivery, files = sent[OTTAWA]
    assert (delivery.status, delivery.action_id, delivery.recipient_name) == ("queued", None, "Sam Demo-Tremblay")
    assert delivery.subject == "Petition: The Rich and the Rest of Us (4 signatures)"
    assert "4 people have signed it" in delivery.body and "2 of them from Ottawa Centre" in delivery.body
    assert set(files) == {"pdf", "csv"}

    text = pdf_text(files["pdf"])
    assert "The Rich and the Rest of Us" in text and "For Sam Demo-Tremblay, MPP for Ottawa Centre" in text
    assert "4 signatures in total" in text and "2 of them from Ottawa Centre" in text
    assert "We, the undersigned residents of Ontario" in text  # the text they signed, in both languages
    assert "Nous, soussignés, résidents de l'Ontario" in text
    assert "Émilie Côté" in text and "Noël Lefèvre" in text  # accents as written
    assert "Ottawa Centre: 2 signatures" in text
    for riding in ("Spadina—Fort York", "Thunder Bay—Superior North"):
        assert riding in text  # in the table of counts...
    assert "Ann Lee" not in text and "Okafor" not in text  # ...but other ridings' signers go to their own member
    assert "Pending" not in text
    assert "@" not in text and "K1R 7S8" not in text and "K1R7S8" not in text

    assert csv_rows(files["csv"]) == [
        {"Riding": "Ottawa Centre", "First name": "Émilie", "Last name": "Côté", "Postal area": "K1R"},
        {"Riding": "Ottawa Centre", "First name": "Noël", "Last name": "Lefèvre", "Postal area": "K1R"},
    ]
    assert "Ann Lee" in pdf_text(sent[SPADINA][1]["pdf"])


def test_the_premier_gets_every_signer_grouped_by_riding(ctx, signatures):
    for first, last, code in (("Émilie", "Côté", "K1R7S8"), ("Ann", "Lee", "M5V3L9"), ("Bo", "Chen", "M5V2T6")):
        signatures.sign(PREMIER, first, last, code)
    deliver(ctx, ctx.catalog.get(PREMIER))

    sent = packages(ctx.db)
    assert list(sent) == ["premier@demo.invalid"]
    delivery, files = sent["premier@demo.invalid"]
    assert delivery.recipient_office == "Premier of Ontario" and delivery.target_group == 0
    text = pdf_text(files["pdf"])
    assert "Spadina—Fort York: 2 signatures" in text and "Ottawa Centre: 1 signature" in text
    assert text.index("Spadina—Fort York: 2") < text.index("Bo Chen") < text.index("Ann Lee")  # by family name
    assert [row["Riding"] for row in csv_rows(files["csv"])] == ["Ottawa Centre", "Spadina—Fort York",
                                                                 "Spadina—Fort York"]


def test_a_name_a_spreadsheet_would_run_arrives_as_text(ctx, signatures):
    signatures.sign(PREMIER, "=HYPERLINK(\"http://x.test\")", "+Lee", "M5V3L9")
    deliver(ctx, ctx.catalog.get(PREMIER))
    _delivery, files = packages(ctx.db)["premier@demo.invalid"]
    row = csv_rows(files["csv"])[0]
    assert (row["First name"], row["Last name"]) == ("'=HYPERLINK(\"http://x.test\")", "'+Lee")
    assert '=HYPERLINK("http://x.test") +Lee' in pdf_text(files["pdf"])  # the PDF shows it as typed


def test_milestones_are_delivered_once_each(ctx, signatures):
    campaign, catalog = with_rules(ctx, PREMIER, milestones=(2, 3), at_close=False)

    def due(now=NOW):
        with ctx.db.transaction() as session:
            return queue_due_petition_deliveries(session, catalog, ctx.provider, now=now, mail=ctx.mail)

    signatures.sign(PREMIER, "Ann", "Lee", "M5V3L9", campaign=campaign)
    assert due() == []
    signatures.sign(PREMIER, "Bo", "Chen", "M5V2T6", campaign=campaign)
    first = due()
    assert [(q.keys, len(q.deliveries)) for q in first] == [(("2",), 1)]
    assert due() == [] and due(NOW + timedelta(days=3)) == []  # the same milestone, asked again later
    signatures.sign(PREMIER, "Cy", "Roy", "K1R7S8", campaign=campaign)
    signatures.sign(PREMIER, "Di", "Roy", "K1R5A4", campaign=campaign)
    assert [q.keys for q in due()] == [("3",)]
    assert count(ctx.db, Delivery) == 2
    with ctx.db.transaction() as session:
        assert sorted(session.execute(select(PetitionMilestone.key, PetitionMilestone.signatures))) == \
            [("2", 2), ("3", 4)]


def test_several_milestones_passed_at_once_send_one_package(ctx, signatures):
    campaign, catalog = with_rules(ctx, PREMIER, milestones=(1, 2, 3), at_close=False)
    for first, code in (("Ann", "M5V3L9"), ("Bo", "M5V2T6"), ("Cy", "K1R7S8")):
        signatures.sign(PREMIER, first, "Lee", code, campaign=campaign)
    with ctx.db.transaction() as session:
        done = queue_due_petition_deliveries(session, catalog, ctx.provider, now=NOW, mail=ctx.mail)
    assert [(q.keys, len(q.deliveries)) for q in done] == [(("1", "2", "3"), 1)]


def test_a_weekly_schedule_sends_only_what_is_new_once_a_week_in_toronto(ctx, signatures):
    campaign, catalog = with_rules(ctx, MPPS, schedule="weekly", at_close=False)

    def due(now):
        with ctx.db.transaction() as session:
            return queue_due_petition_deliveries(session, catalog, ctx.provider, now=now, mail=ctx.mail)

    signatures.sign(MPPS, "Émilie", "Côté", "K1R7S8", campaign=campaign)
    signatures.sign(MPPS, "Ann", "Lee", "M5V3L9", campaign=campaign)
    assert [(q.keys, len(q.deliveries)) for q in due(NOW)] == [(("2026-W48",), 2)]
    assert due(NOW + timedelta(days=2)) == []  # later that week

    # Sunday 22:00 in Toronto is Monday 03:00 UTC: still week 48 there.
    sunday_night = datetime.fromisoformat("2026-11-30T03:00:00+00:00")
    assert schedule_slot("weekly", sunday_night) == "2026-W48" and due(sunday_night) == []

    signatures.sign(MPPS, "Noël", "Lefèvre", "K1R5A4", campaign=campaign)
    monday = datetime.fromisoformat("2026-11-30T05:30:00+00:00")  # 00:30 in Toronto
    next_week = due(monday)
    assert [q.keys for q in next_week] == [("2026-W49",)]
    # Only Ottawa Centre's list changed: Spadina's member is not sent the same names again.
    assert [d.recipient_email for d in next_week[0].deliveries] == [OTTAWA]
    assert [r.email for r in next_week[0].plan.unchanged] == [SPADINA]
    assert "Noël Lefèvre" in pdf_text(packages(ctx.db)[OTTAWA][1]["pdf"])

    quiet_week = due(monday + timedelta(days=7))
    assert [(q.keys, q.deliveries) for q in quiet_week] == [(("2026-W50",), ())]  # the slot passes, nothing sent
    assert schedule_slot("monthly", monday) == "2026-11"  # 30 November, 00:30 in Toronto


def test_the_close_is_delivered_once_after_the_last_day(ctx, signatures):
    campaign, catalog = with_rules(ctx, PREMIER, at_close=True, closes=date(2026, 11, 30))
    signatures.sign(PREMIER, "Ann", "Lee", "M5V3L9", campaign=campaign)

    def due(now):
        with ctx.db.transaction() as session:
            return queue_due_petition_deliveries(session, catalog, ctx.provider, now=now, mail=ctx.mail)

    last_evening = datetime.fromisoformat("2026-12-01T04:30:00+00:00")  # 23:30 on 30 November in Toronto
    assert due(last_evening) == []
    closed = datetime.fromisoformat("2026-12-01T05:30:00+00:00")
    assert [(q.keys, len(q.deliveries)) for q in due(closed)] == [(("close",), 1)]
    assert due(closed + timedelta(days=1)) == []


def test_a_private_petition_without_targets_is_never_delivered(ctx, signatures):
    signatures.sign("opa-organizing-campaign", "Ann", "Lee", "M5V3L9")
    with ctx.db.transaction() as session:
        assert queue_due_petition_deliveries(session, ctx.catalog, ctx.provider, now=NOW, mail=ctx.mail) == []
    assert count(ctx.db, Delivery) == 0 and count(ctx.db, PetitionMilestone) == 0


def test_a_key_another_process_claimed_first_is_not_delivered_twice(ctx, signatures):
    signatures.sign(PREMIER, "Ann", "Lee", "M5V3L9")
    campaign = ctx.catalog.get(PREMIER)
    assert deliver(ctx, campaign, key="close") is not None
    assert deliver(ctx, campaign, key="close") is None
    assert count(ctx.db, Delivery) == 1 and count(ctx.db, DeliveryAttachment) == 2
