"""The review queue pages: campaigners decide, every decision is audited, viewers cannot act."""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import select

from advocacy.domain.types import Supporter
from advocacy.models import Action, AuditEntry
from advocacy.models.base import utcnow
from advocacy.services import moderation

from ..conftest import csrf_token
from .review_setup import POSTAL_CODE, deliver, letters, write_letter

ANN = Supporter("Ann", "Lee", "ann.lee@example.com", POSTAL_CODE)
QUEUE = "/admin/reviews"


def flagged(ctx, reason: str = "10 near-identical custom letters from one source") -> int:
    action = write_letter(ctx, ANN)
    with ctx.db.transaction() as session:
        moderation.flag_for_review(session, session.get(Action, action), reason, now=utcnow())
    return action


def post(client, url: str, data: dict[str, str], page: str = QUEUE):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def audit_entries(db) -> list[tuple[str, str, dict]]:
    with db.transaction() as session:
        return [(e.action, e.target, e.detail) for e in session.scalars(select(AuditEntry).where(
            AuditEntry.action.startswith("review.")).order_by(AuditEntry.id))]


def test_the_queue_shows_campaign_reason_time_and_letter_text(ctx, staff_client):
    action = flagged(ctx)
    page = staff_client("campaigner").get(QUEUE).get_data(as_text=True)
    assert str(escape(ctx.catalog.get("stop-offshoring").title)) in page
    assert "10 near-identical custom letters from one source" in page
    assert "Dear Sam Demo-Tremblay," in page and f"#{action}" in page
    assert 'name="note"' in page and "Edit and approve" in page


def test_approving_queues_the_letters_and_audits_the_note(ctx, staff_client, smtp_sink):
    action = flagged(ctx)
    response = post(staff_client("campaigner"), f"{QUEUE}/{action}/approve", {"note": "a member we know"})
    assert response.status_code == 302
    assert deliver(ctx, smtp_sink.url) == 2
    assert audit_entries(ctx.db) == [("review.approve", f"action:{action}", {
        "campaign": "stop-offshoring", "kind": "letter", "reason": "10 near-identical custom letters from one source",
        "note": "a member we know", "letters": 2})]


def test_rejecting_cancels_the_letters(ctx, staff_client):
    action = flagged(ctx)
    post(staff_client("campaigner"), f"{QUEUE}/{action}/reject", {"note": "spam run"})
    assert {d.status for d in letters(ctx, action)} == {"cancelled"}
    assert audit_entries(ctx.db)[0][:2] == ("review.reject", f"action:{action}")


def test_edit_and_approve_needs_a_note_and_sends_the_edited_text(ctx, staff_client, smtp_sink):
    action = flagged(ctx)
    client = staff_client("campaigner")
    edit = f"{QUEUE}/{action}/edit"
    held = letters(ctx, action)
    form = {f"subject-{d.id}": "Keep the work here" for d in held}
    form |= {f"body-{d.id}": f"Dear {d.recipient_name},\n\nPlease keep the work in Ontario.\n\nAnn Lee" for d in held}
    refused = post(client, edit, {**form, f"subject-{held[0].id}": " ", "note": ""}, page=edit)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Say why you edited the letter" in page and "Enter a subject" in page
    assert f'href="#subject-{held[0].id}"' in page and 'aria-invalid="true"' in page
    assert {d.status for d in letters(ctx, action)} == {"held"}

    assert post(client, edit, {**form, "note": "took out a phone number"}, page=edit).status_code == 302
    assert deliver(ctx, smtp_sink.url) == 2
    assert {m["Subject"] for m in smtp_sink.messages} == {"Keep the work here"}
    assert all("Please keep the work in Ontario." in m.get_content() for m in smtp_sink.messages)
    kind, _target, detail = audit_entries(ctx.db)[0]
    assert (kind, detail["note"]) == ("review.edit_approve", "took out a phone number")


def test_staff_can_hold_a_letter_for_review(ctx, staff_client, smtp_sink):
    action = write_letter(ctx, ANN)
    client = staff_client("campaigner")
    response = post(client, f"/admin/actions/{action}/hold", {"reason": "threatening language"})
    assert response.status_code == 302
    assert {d.hold_reason for d in letters(ctx, action)} == {moderation.IN_REVIEW}
    assert deliver(ctx, smtp_sink.url) == 0
    assert "threatening language" in client.get(QUEUE).get_data(as_text=True)
    assert audit_entries(ctx.db)[0][:2] == ("review.hold", f"action:{action}")


@pytest.mark.parametrize("path", ["approve", "reject", "edit"])
def test_a_viewer_gets_403_on_every_review_action(ctx, staff_client, path):
    action = flagged(ctx)
    viewer = staff_client("viewer")
    assert viewer.get(QUEUE).status_code == 403
    token = csrf_token(viewer, "/admin/account")
    response = viewer.post(f"{QUEUE}/{action}/{path}", data={"csrf_token": token, "note": "x"})
    assert response.status_code == 403
    assert viewer.post(f"/admin/actions/{action}/hold", data={"csrf_token": token, "reason": "x"}).status_code == 403
    assert {d.status for d in letters(ctx, action)} == {"held"}


def test_deciding_twice_is_explained_not_an_error(ctx, staff_client):
    action = flagged(ctx)
    client = staff_client("campaigner")
    post(client, f"{QUEUE}/{action}/approve", {})
    response = post(client, f"{QUEUE}/{action}/reject", {})
    assert response.status_code == 302
    assert "already decided" in client.get(QUEUE).get_data(as_text=True)
    assert {d.status for d in letters(ctx, action)} == {"queued"}
