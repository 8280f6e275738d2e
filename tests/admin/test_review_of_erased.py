"""An erased supporter's action in the review queue: it never counts again and no letter of theirs leaves."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from advocacy.domain.types import Supporter
from advocacy.models import Action, AuditEntry
from advocacy.models.base import utcnow
from advocacy.services import moderation, people
from advocacy.services.dashboard import campaign_counts
from advocacy.services.stats import count_actions

from ..conftest import csrf_token
from .review_setup import LETTER, PETITION, POSTAL_CODE, deliver, letters, sign, write_letter

ANN = Supporter("Ann", "Lee", "ann.lee@example.com", POSTAL_CODE)
QUEUE = "/admin/reviews"
REFUSED = "That supporter&#39;s data was erased"


def flag(ctx, action_id: int, reason: str = "many letters from one address") -> None:
    with ctx.db.transaction() as session:
        moderation.flag_for_review(session, session.get(Action, action_id), reason, now=utcnow())


def erase(ctx, address: str = ANN.email) -> people.Erasure:
    with ctx.db.transaction() as session:
        return people.erase_person(session, people.find_supporter(session, address), now=utcnow())


def erased_before_reviews_were_closed(ctx, action_id: int) -> None:
    """An erasure made before erasure rejected waiting reviews left the action in the queue."""
    with ctx.db.transaction() as session:
        session.execute(update(Action).where(Action.id == action_id).values(review=moderation.PENDING,
                                                                           review_note="", reviewed_at=None))


def counted(ctx, slug: str = LETTER) -> int:
    with ctx.db.transaction() as session:
        return count_actions(session, slug)


def review_of(ctx, action_id: int) -> tuple[str, str]:
    with ctx.db.transaction() as session:
        action = session.get(Action, action_id)
        return action.review, action.review_note


def edits_for(ctx, action_id: int) -> list[moderation.LetterEdit]:
    return [moderation.LetterEdit(d.id, "Keep jobs here", "Dear office,\n\nPlease keep the jobs.")
            for d in letters(ctx, action_id)]


# The services


def test_erasure_rejects_a_waiting_review_and_it_cannot_be_approved(ctx, smtp_sink):
    action = write_letter(ctx, ANN)
    flag(ctx, action)
    edits = edits_for(ctx, action)
    done = erase(ctx)
    assert done.reviews_closed == 1
    assert review_of(ctx, action) == (moderation.REJECTED, moderation.ERASED_NOTE)
    with ctx.db.transaction() as session:
        assert moderation.pending_reviews(session) == []
        kept = session.get(Action, action)
        with pytest.raises(moderation.ActionErased):
            moderation.approve(session, kept, now=utcnow(), note="looks fine")
        with pytest.raises(moderation.ActionErased):
            moderation.edit_and_approve(session, kept, edits, note="tidied", now=utcnow())
    assert counted(ctx) == 0
    assert {d.status for d in letters(ctx, action)} == {"cancelled"}
    assert deliver(ctx, smtp_sink.url) == 0 and smtp_sink.messages == []
    with ctx.db.transaction() as session:
        counts = campaign_counts(session, LETTER)[LETTER]
    assert (counts.confirmed, counts.in_review, counts.rejected) == (0, 0, 1)


def test_an_erased_signature_waiting_for_review_stays_out_of_the_count(ctx):
    sign(ctx, Supporter("Bo", "Li", "bo@example.com", POSTAL_CODE))
    action = sign(ctx, ANN)
    flag(ctx, action)
    assert counted(ctx, PETITION) == 1
    erase(ctx)
    with ctx.db.transaction() as session, pytest.raises(moderation.ActionErased):
        moderation.approve(session, session.get(Action, action), now=utcnow())
    assert counted(ctx, PETITION) == 1


def test_an_action_left_waiting_by_an_earlier_erasure_can_only_be_rejected(ctx, smtp_sink):
    action = write_letter(ctx, ANN)
    flag(ctx, action)
    erase(ctx)
    erased_before_reviews_were_closed(ctx, action)
    edits = edits_for(ctx, action)
    with ctx.db.transaction() as session:
        kept = session.get(Action, action)
        for refused in (lambda: moderation.approve(session, kept, now=utcnow()),
                        lambda: moderation.edit_and_approve(session, kept, edits, note="tidied", now=utcnow())):
            with pytest.raises(moderation.ActionErased):
                refused()
    assert counted(ctx) == 0
    with ctx.db.transaction() as session:
        moderation.reject(session, session.get(Action, action), now=utcnow(), note="erased")
    assert review_of(ctx, action) == (moderation.REJECTED, "erased")
    assert counted(ctx) == 0 and deliver(ctx, smtp_sink.url) == 0


def test_a_counted_action_of_an_erased_supporter_cannot_be_held(ctx):
    action = write_letter(ctx, ANN)
    assert erase(ctx).reviews_closed == 0
    with ctx.db.transaction() as session, pytest.raises(moderation.ActionErased):
        moderation.flag_for_review(session, session.get(Action, action), "odd", now=utcnow())
    assert review_of(ctx, action) == ("", "")
    assert counted(ctx) == 1  # erasure kept the count, and so does everything after it


# Through the admin


def post(client, url: str, data: dict[str, str], page: str = QUEUE):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def erase_in_admin(ctx, staff_client) -> None:
    with ctx.db.transaction() as session:
        person = people.find_supporter(session, ANN.email).id
    admin, page = staff_client("admin"), f"/admin/people/{person}/erase"
    assert post(admin, page, {"email": ANN.email}, page=page).status_code == 302


def audited(db, prefix: str) -> list[tuple[str, dict]]:
    with db.transaction() as session:
        return [(e.action, e.detail) for e in session.scalars(select(AuditEntry).where(
            AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id))]


def test_erasing_in_the_admin_takes_the_action_out_of_the_queue_for_good(ctx, staff_client, smtp_sink):
    action = write_letter(ctx, ANN)
    flag(ctx, action, "10 near-identical custom letters from one source")
    erase_in_admin(ctx, staff_client)
    [(_kind, detail)] = audited(ctx.db, "person.erase")
    assert detail["reviews_closed"] == 1

    campaigner = staff_client("campaigner")
    assert "Nothing is waiting for review." in campaigner.get(QUEUE).get_data(as_text=True)
    approved = post(campaigner, f"{QUEUE}/{action}/approve", {"note": "fine"})
    assert approved.status_code == 302
    assert REFUSED in campaigner.get(QUEUE).get_data(as_text=True)
    edit = f"{QUEUE}/{action}/edit"
    assert campaigner.get(edit).status_code == 302
    form = {f"subject-{d.id}": "Keep the work here" for d in letters(ctx, action)}
    form |= {f"body-{d.id}": "Dear office,\n\nPlease keep the work." for d in letters(ctx, action)}
    assert post(campaigner, edit, {**form, "note": "tidied"}).status_code == 302
    assert REFUSED in campaigner.get(QUEUE).get_data(as_text=True)

    assert counted(ctx) == 0
    assert review_of(ctx, action) == (moderation.REJECTED, moderation.ERASED_NOTE)
    assert {d.status for d in letters(ctx, action)} == {"cancelled"}
    assert deliver(ctx, smtp_sink.url) == 0 and smtp_sink.messages == []
    assert audited(ctx.db, "review.") == []


def test_holding_an_erased_supporters_action_is_refused_and_the_count_kept(ctx, staff_client):
    action = write_letter(ctx, ANN)
    erase_in_admin(ctx, staff_client)
    campaigner = staff_client("campaigner")
    response = post(campaigner, f"/admin/actions/{action}/hold", {"reason": "odd"})
    assert response.status_code == 302
    assert REFUSED in campaigner.get(QUEUE).get_data(as_text=True)
    assert counted(ctx) == 1
    assert audited(ctx.db, "review.") == []


def test_the_queue_offers_only_rejection_for_an_earlier_erasure(ctx, staff_client, smtp_sink):
    action = write_letter(ctx, ANN)
    flag(ctx, action)
    erase(ctx)
    erased_before_reviews_were_closed(ctx, action)
    campaigner = staff_client("campaigner")
    page = campaigner.get(QUEUE).get_data(as_text=True)
    assert f"#{action}" in page and "this action can only be rejected" in page
    assert f"{QUEUE}/{action}/approve" not in page and f"{QUEUE}/{action}/edit" not in page
    assert f"{QUEUE}/{action}/reject" in page

    post(campaigner, f"{QUEUE}/{action}/approve", {"note": "fine"})
    assert REFUSED in campaigner.get(QUEUE).get_data(as_text=True)
    assert counted(ctx) == 0 and review_of(ctx, action)[0] == moderation.PENDING

    assert post(campaigner, f"{QUEUE}/{action}/reject", {"note": "erased"}).status_code == 302
    assert review_of(ctx, action) == (moderation.REJECTED, "erased")
    assert counted(ctx) == 0 and deliver(ctx, smtp_sink.url) == 0
    assert [kind for kind, _detail in audited(ctx.db, "review.")] == ["review.reject"]
