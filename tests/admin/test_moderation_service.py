"""The review queue: a flagged action is not counted and its letters wait until staff decide."""

from __future__ import annotations

import pytest

from advocacy.domain.types import Supporter
from advocacy.models import Action
from advocacy.models.base import utcnow
from advocacy.services import moderation
from advocacy.services.confirmations import confirm
from advocacy.services.stats import count_actions, public_count

from .review_setup import LETTER, PETITION, POSTAL_CODE, confirm_link, deliver, letters, sign, write_letter

ANN = Supporter("Ann", "Lee", "ann.lee@example.com", POSTAL_CODE)


def flag(ctx, action_id: int, reason: str = "many letters from one address") -> None:
    with ctx.db.transaction() as session:
        moderation.flag_for_review(session, session.get(Action, action_id), reason, now=utcnow())


def decide(ctx, action_id: int, decision: str, **kwargs: object) -> int:
    with ctx.db.transaction() as session:
        return getattr(moderation, decision)(session, session.get(Action, action_id), now=utcnow(), **kwargs)


def statuses(ctx, action_id: int) -> set[str]:
    return {d.status for d in letters(ctx, action_id)}


def counted(ctx, slug: str) -> int:
    with ctx.db.transaction() as session:
        return count_actions(session, slug)


def test_a_flagged_letter_is_not_counted_and_the_worker_does_not_send_it(ctx, smtp_sink):
    action = write_letter(ctx, ANN)
    assert counted(ctx, LETTER) == 1
    flag(ctx, action)
    assert counted(ctx, LETTER) == 0
    assert statuses(ctx, action) == {"held"}
    assert {d.hold_reason for d in letters(ctx, action)} == {moderation.IN_REVIEW}
    assert deliver(ctx, smtp_sink.url) == 0
    assert smtp_sink.messages == []
    with ctx.db.transaction() as session:
        assert [a.id for a in moderation.pending_reviews(session)] == [action]


def test_approved_letters_are_sent_by_the_worker_and_counted(ctx, smtp_sink):
    action = write_letter(ctx, ANN)
    flag(ctx, action)
    assert decide(ctx, action, "approve", note="a real member") == 2
    assert counted(ctx, LETTER) == 1
    assert deliver(ctx, smtp_sink.url) == 2
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_sink.messages) == [
        "minister.service-delivery@demo.invalid", "mpp.ottawa-centre@demo.invalid"]
    with ctx.db.transaction() as session:
        assert moderation.pending_reviews(session) == []


def test_rejected_letters_are_cancelled_and_the_action_kept_uncounted(ctx, smtp_sink):
    action = write_letter(ctx, ANN)
    flag(ctx, action)
    assert decide(ctx, action, "reject", note="spam") == 2
    assert statuses(ctx, action) == {"cancelled"}
    assert counted(ctx, LETTER) == 0
    assert deliver(ctx, smtp_sink.url) == 0
    with ctx.db.transaction() as session:
        kept = session.get(Action, action)
        assert (kept.review, kept.review_reason, kept.review_note) == ("rejected", "many letters from one address",
                                                                       "spam")
        with pytest.raises(moderation.ReviewError):
            moderation.approve(session, kept, now=utcnow())


def test_edit_and_approve_sends_the_edited_text_to_the_office(ctx, smtp_sink):
    action = write_letter(ctx, ANN)
    flag(ctx, action)
    edits = [moderation.LetterEdit(d.id, "Keep jobs here", f"Dear {d.recipient_name},\n\nPlease keep the jobs.")
             for d in letters(ctx, action)]
    with ctx.db.transaction() as session, pytest.raises(moderation.ReviewError, match="why"):
        moderation.edit_and_approve(session, session.get(Action, action), edits, note=" ", now=utcnow())
    with ctx.db.transaction() as session:
        moderation.edit_and_approve(session, session.get(Action, action), edits, note="removed a slur",
                                    now=utcnow())
    assert deliver(ctx, smtp_sink.url) == 2
    assert {m["Subject"] for m in smtp_sink.messages} == {"Keep jobs here"}
    assert all("Please keep the jobs." in m.get_content() for m in smtp_sink.messages)


def test_a_letter_pending_confirmation_and_in_review_needs_both(ctx, smtp_sink):
    action = write_letter(ctx, ANN, hold=True)
    flag(ctx, action)
    with ctx.db.transaction() as session:
        outcome = confirm(session, ctx.catalog.get, confirm_link(ctx, action), mail=ctx.mail, now=utcnow())
    assert outcome.state == "confirmed" and outcome.letters == 0  # review still holds them
    assert counted(ctx, LETTER) == 0
    deliver(ctx, smtp_sink.url)  # the supporter's own emails go; the letters do not
    assert statuses(ctx, action) == {"held"}
    decide(ctx, action, "approve")
    assert counted(ctx, LETTER) == 1
    deliver(ctx, smtp_sink.url)
    assert {"mpp.ottawa-centre@demo.invalid", "minister.service-delivery@demo.invalid"} <= {
        m["To"].addresses[0].addr_spec for m in smtp_sink.messages}


def test_approval_before_confirmation_leaves_the_letters_waiting_for_the_supporter(ctx):
    action = write_letter(ctx, ANN, hold=True)
    flag(ctx, action)
    assert decide(ctx, action, "approve") == 0
    assert statuses(ctx, action) == {"held"}
    assert counted(ctx, LETTER) == 0
    with ctx.db.transaction() as session:
        outcome = confirm(session, ctx.catalog.get, confirm_link(ctx, action), mail=ctx.mail, now=utcnow())
    assert outcome.letters == 2
    assert statuses(ctx, action) == {"queued"}
    assert counted(ctx, LETTER) == 1


def test_a_flagged_signature_is_left_out_of_the_public_count_until_approved(ctx):
    sign(ctx, Supporter("Bo", "Li", "bo@example.com", POSTAL_CODE))
    action = sign(ctx, ANN)
    with ctx.db.transaction() as session:
        assert public_count(session, PETITION) == 2
    flag(ctx, action)
    with ctx.db.transaction() as session:
        assert public_count(session, PETITION) == 1
    decide(ctx, action, "approve")
    with ctx.db.transaction() as session:
        assert public_count(session, PETITION) == 2


def test_flagging_twice_keeps_the_first_reason(ctx):
    action = write_letter(ctx, ANN)
    flag(ctx, action, "first")
    flag(ctx, action, "second")
    with ctx.db.transaction() as session:
        assert session.get(Action, action).review_reason == "first"



def test_an_allys_webhook_waits_for_the_approval(ctx):
    from sqlalchemy import select

    from advocacy.models import Ally, AllyAction, WebhookDelivery
    from advocacy.services.webhooks import queue_action_webhooks

    action = write_letter(ctx, ANN)
    with ctx.db.transaction() as session:
        ally = Ally(slug="nurses", name="Nurses", all_campaigns=True, webhook_url="https://nurses.example/hook",
                    webhook_secret="s3cret")
        session.add(ally)
        session.flush()
        session.add(AllyAction(action_id=action, ally_id=ally.id, key_prefix="k1"))
        moderation.flag_for_review(session, session.get(Action, action), "odd", now=utcnow())
        assert queue_action_webhooks(session, [action], now=utcnow()) == 0
    decide(ctx, action, "approve")
    with ctx.db.transaction() as session:
        assert session.scalars(select(WebhookDelivery.action_id)).all() == [action]
