"""Reopening a closed campaign (it comes back paused) and giving a file campaign its file's status back: each asked
once with what will happen, audited, and a petition's "at close" delivery is never sent twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from advocacy import create_app
from advocacy.catalog.schema import CAMPAIGN_TZ
from advocacy.models import Action, AuditEntry, Delivery, StoredCampaign
from advocacy.models.base import utcnow
from advocacy.services.privacy import anonymise_actions

from ..conftest import post_form
from .editor_forms import create, letter_form, petition_form, post_editor, set_status
from .test_editor_lifecycle import SIGNER, text_of, words

FILE_PETITION = "together-fairness-works"  # a live petition file, to the Premier


def reopen(client, slug: str, *, confirmed: bool = True, follow: bool = True):
    data = {"status": "paused", **({"confirmed": "yes"} if confirmed else {})}
    return post_editor(client, f"/admin/editor/{slug}/status", data, page=f"/admin/editor/{slug}", follow=follow)


def use_file_status(client, slug: str, *, confirmed: bool = True):
    data = {"confirmed": "yes"} if confirmed else {}
    return post_editor(client, f"/admin/editor/{slug}/file-status", data, page=f"/admin/editor/{slug}", follow=True)


def packages(db, slug: str) -> list[str]:
    with db.transaction() as session:
        return list(session.scalars(select(Delivery.recipient_email).where(Delivery.campaign_slug == slug,
                                                                           Delivery.kind == "petition")))


def audit_details(db, action: str) -> list[dict]:
    with db.transaction() as session:
        return [e.detail for e in session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                                  .order_by(AuditEntry.id))]


def test_a_closed_campaign_is_reopened_paused_after_saying_what_happens(staff_client, client, db):
    editor = staff_client("campaigner")
    create(editor, letter_form("fix-the-roof"))
    set_status(editor, "fix-the-roof", "live")
    set_status(editor, "fix-the-roof", "closed")
    page = words(editor.get("/admin/editor/fix-the-roof"))
    assert "This campaign is closed" in page and "Reopen…" in page and "Make live" not in page

    asked = words(reopen(editor, "fix-the-roof", confirmed=False))
    assert "Reopen Fix the roof (fix-the-roof)?" in asked
    assert "It comes back paused: its public page stays up but still refuses new signatures and letters." in asked
    assert "petition package" not in asked and "closing date" not in asked  # nothing else applies here
    assert "This campaign is closed" in text_of(client.get("/campaigns/fix-the-roof"))  # asking changed nothing

    done = words(reopen(editor, "fix-the-roof"))
    assert "Fix the roof (fix-the-roof) is open again, and paused: make it live when it is ready" in done
    assert "This campaign is paused" in text_of(client.get("/campaigns/fix-the-roof"))
    assert audit_details(db, "campaign.status")[-1] == {"from": "closed", "to": "paused", "source": "editor"}
    set_status(editor, "fix-the-roof", "live")
    letter = post_form(client, "/campaigns/fix-the-roof", {"first_name": "Ada", "last_name": "Li", "intent": "send",
                                                           "email": "ada@example.com", "postal_code": "K1P5J2"})
    assert letter.status_code == 303  # taking letters again


def test_viewers_cannot_reopen_or_clear_a_status(staff_client, db):
    editor = staff_client("campaigner")
    set_status(editor, FILE_PETITION, "closed")
    viewer = staff_client("viewer")
    page = words(viewer.get(f"/admin/editor/{FILE_PETITION}"))
    assert "Reopen" not in page and "Use the file's status" not in page
    assert reopen(viewer, FILE_PETITION, follow=False).status_code == 403
    assert post_editor(viewer, f"/admin/editor/{FILE_PETITION}/file-status", {"confirmed": "yes"},
                       page=f"/admin/editor/{FILE_PETITION}").status_code == 403
    with db.transaction() as session:
        assert session.scalars(select(StoredCampaign.status).where(StoredCampaign.slug == FILE_PETITION)).one() == (
            "closed")


def test_a_reopened_petition_closed_again_is_not_delivered_a_second_time(staff_client, client, db):
    editor = staff_client("campaigner")
    create(editor, petition_form("save-the-library"))
    set_status(editor, "save-the-library", "live")
    post_form(client, "/campaigns/save-the-library", SIGNER)
    closed = words(set_status(editor, "save-the-library", "closed", follow=True))
    assert "The petition is queued for delivery to 1 offices." in closed
    assert packages(db, "save-the-library") == ["premier@demo.invalid"]

    asked = words(reopen(editor, "save-the-library", confirmed=False))
    assert ("The petition package queued when it closed is not recalled: it stays queued or sent. If the campaign "
            "closes again, it is not delivered a second time") in asked
    reopen(editor, "save-the-library")
    set_status(editor, "save-the-library", "live")
    assert post_form(client, "/campaigns/save-the-library", {**SIGNER, "email": "grace@example.com"}).status_code == 303

    asked = words(post_editor(editor, "/admin/editor/save-the-library/status", {"status": "closed"},
                              page="/admin/editor/save-the-library"))
    assert "The petition was delivered to its targets when it first closed, and is not delivered again." in asked
    assert "will be delivered to its 1 targets now" not in asked
    closed = words(set_status(editor, "save-the-library", "closed", follow=True))
    assert "is now closed" in closed and "queued for delivery" not in closed
    assert packages(db, "save-the-library") == ["premier@demo.invalid"]  # still the one package


def test_reopening_says_when_the_closing_date_has_passed_and_how_many_actions_were_anonymised(staff_client,
                                                                                               client, db):
    editor = staff_client("campaigner")
    create(editor, petition_form("save-the-library"))
    set_status(editor, "save-the-library", "live")
    post_form(client, "/campaigns/save-the-library", SIGNER)
    set_status(editor, "save-the-library", "closed")
    with db.transaction() as session:  # the retention purge, long after the close
        anonymise_actions(session, Action.campaign_slug == "save-the-library", now=utcnow())
    asked = words(reopen(editor, "save-the-library", confirmed=False))
    assert ("1 action was anonymised after the campaign closed, as our retention rule says: that person could sign "
            "or write again and be counted twice.") in asked

    yesterday = (utcnow().astimezone(CAMPAIGN_TZ) - timedelta(days=1)).date().isoformat()
    saved = post_editor(editor, "/admin/editor/save-the-library",
                        {**petition_form("save-the-library", closes=yesterday), "version": "3", "intent": "save"})
    assert saved.status_code == 303, text_of(saved)[:2000]
    asked = words(reopen(editor, "save-the-library", confirmed=False))
    assert (f"Its closing date, {yesterday}, has passed: even when live it stays closed until that date is "
            "changed") in asked


def test_a_file_campaign_gets_its_files_status_back(staff_client, client, db, settings):
    editor = staff_client("campaigner")
    set_status(editor, FILE_PETITION, "paused")
    page = words(editor.get(f"/admin/editor/{FILE_PETITION}"))
    assert "(set in the admin: the file says live)" in page and "Use the file's status (live)…" in page

    asked = words(use_file_status(editor, FILE_PETITION, confirmed=False))
    assert ("The status set in the admin, paused, is removed: the campaign takes the status its file gives it, "
            "live.") in asked
    assert "Live, its public page takes signatures and letters between its opening and closing dates." in asked
    assert "This campaign is paused" in text_of(client.get(f"/campaigns/{FILE_PETITION}"))  # nothing yet

    other = create_app(settings.with_(catalog_refresh_seconds=0))  # another web process on the same database
    try:
        assert "This campaign is paused" in text_of(other.test_client().get(f"/campaigns/{FILE_PETITION}"))
        done = words(use_file_status(editor, FILE_PETITION))
        assert "Together FAIRNESS WORKS! is now live." in done
        assert "set in the admin" not in done and "Use the file's status" not in done
        assert "This campaign is paused" not in text_of(other.test_client().get(f"/campaigns/{FILE_PETITION}"))
    finally:
        other.extensions["advocacy"].db.dispose()
    assert post_form(client, f"/campaigns/{FILE_PETITION}", SIGNER).status_code == 303
    with db.transaction() as session:
        assert session.scalars(select(StoredCampaign).where(StoredCampaign.slug == FILE_PETITION)).all() == []
    assert audit_details(db, "campaign.status_cleared") == [{"from": "paused", "to": "live"}]

    again = words(use_file_status(editor, FILE_PETITION))
    assert "has no status set in the admin: it already has the status its file gives it." in again
    assert len(audit_details(db, "campaign.status_cleared")) == 1


def test_the_files_status_reopens_a_file_petition_closed_in_the_admin_without_a_second_delivery(staff_client,
                                                                                                 client, db):
    editor = staff_client("campaigner")
    post_form(client, f"/campaigns/{FILE_PETITION}", SIGNER)
    closed = words(set_status(editor, FILE_PETITION, "closed", follow=True))
    assert "The petition is queued for delivery to 1 offices." in closed

    asked = words(use_file_status(editor, FILE_PETITION, confirmed=False))
    assert "The status set in the admin, closed, is removed" in asked and "its file gives it, live." in asked
    assert "The petition package queued when it closed is not recalled" in asked
    use_file_status(editor, FILE_PETITION)
    assert "This campaign is closed" not in text_of(client.get(f"/campaigns/{FILE_PETITION}"))
    assert audit_details(db, "campaign.status_cleared") == [{"from": "closed", "to": "live"}]

    set_status(editor, FILE_PETITION, "closed")
    assert packages(db, FILE_PETITION) == ["premier@demo.invalid"]


def test_only_a_file_campaign_with_a_status_set_here_can_take_its_files_status(staff_client, db):
    editor = staff_client("campaigner")
    create(editor, letter_form("fix-the-roof"))
    assert "Use the file's status" not in words(editor.get("/admin/editor/fix-the-roof"))
    refused = words(use_file_status(editor, "fix-the-roof"))
    assert "has no status set in the admin" in refused
    assert "Use the file's status" not in words(editor.get(f"/admin/editor/{FILE_PETITION}"))  # none set yet
    assert post_editor(editor, "/admin/editor/no-such-campaign/file-status", {},
                       page="/admin/editor/").status_code == 404
    with db.transaction() as session:
        assert session.scalars(select(StoredCampaign.status).where(StoredCampaign.slug == "fix-the-roof")).one() == (
            "draft")
    assert audit_details(db, "campaign.status_cleared") == []
