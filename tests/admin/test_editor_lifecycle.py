"""Lifecycle buttons (draft → live ⇄ paused → closed), for editor and file campaigns, seen by every process."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from advocacy import create_app
from advocacy.models import Action, AuditEntry, Delivery, StoredCampaign

from ..conftest import csrf_token, post_form
from .editor_forms import create, letter_form, petition_form, set_status

SIGNER = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "postal_code": "K1P 5J2"}


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def words(response) -> str:
    """The page's words as a person reads them: no tags, single spaces."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_the_buttons_move_a_campaign_through_its_life(staff_client, client):
    editor = staff_client("campaigner")
    create(editor, letter_form("fix-the-roof"))
    page = words(editor.get("/admin/editor/fix-the-roof"))
    assert "This campaign is draft" in page and "Make live" in page and "Pause" not in page
    set_status(editor, "fix-the-roof", "live")
    assert "Write to your MPP" in text_of(client.get("/campaigns/fix-the-roof"))
    set_status(editor, "fix-the-roof", "paused")
    assert "This campaign is paused" in text_of(client.get("/campaigns/fix-the-roof"))
    set_status(editor, "fix-the-roof", "live")
    asked = editor.post("/admin/editor/fix-the-roof/status",
                        data={"csrf_token": _token(editor), "status": "closed"})
    assert "New signatures and letters will be refused" in text_of(asked)  # asks once before closing
    assert editor.application.extensions["advocacy"].catalog.get("fix-the-roof").status == "live"
    set_status(editor, "fix-the-roof", "closed")
    assert "This campaign is closed" in text_of(client.get("/campaigns/fix-the-roof"))
    refused = set_status(editor, "fix-the-roof", "live", follow=True)
    assert "a closed campaign cannot become live" in text_of(refused)


def _token(client) -> str:
    page = client.get("/admin/editor/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_closing_a_petition_refuses_signatures_and_queues_its_package(staff_client, client, db):
    editor = staff_client("campaigner")
    create(editor, petition_form("save-the-library"))
    set_status(editor, "save-the-library", "live")
    assert post_form(client, "/campaigns/save-the-library", SIGNER).status_code == 303
    closed = set_status(editor, "save-the-library", "closed", follow=True)
    assert "The petition is queued for delivery to 1 offices." in text_of(closed)
    # A page opened before the close still posts its form: the post is refused, with a reason.
    token = csrf_token(client, "/campaigns/together-fairness-works")
    refused = client.post("/campaigns/save-the-library", data={**SIGNER, "email": "grace@example.com",
                                                                "csrf_token": token})
    assert "not accepting actions now" in text_of(refused)
    with db.transaction() as session:
        signatures = session.scalars(select(Action).where(Action.campaign_slug == "save-the-library")).all()
        packages = session.scalars(select(Delivery).where(Delivery.campaign_slug == "save-the-library",
                                                          Delivery.kind == "petition")).all()
    assert [a.email_key for a in signatures] == ["ada@example.com"]
    assert [(d.recipient_email, d.status) for d in packages] == [("premier@demo.invalid", "queued")]
    assert packages[0].subject == "Petition: Fix the roof (save-the-library) (1 signature)"


def test_a_file_campaign_gets_its_status_from_the_admin(staff_client, client, db):
    slug = "together-fairness-works"  # a live petition file
    editor = staff_client("campaigner")
    set_status(editor, slug, "paused")
    page = words(editor.get(f"/admin/editor/{slug}"))
    assert "This campaign is paused (set in the admin: the file says live)" in page
    assert "This campaign is paused" in text_of(client.get(f"/campaigns/{slug}"))
    with db.transaction() as session:
        row = session.scalars(select(StoredCampaign).where(StoredCampaign.slug == slug)).one()
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.status")).one()
    assert (row.source, row.status) == (None, "paused")
    assert entry.detail == {"from": "live", "to": "paused", "source": "file"} and entry.actor == editor.staff.email


def test_a_change_made_in_one_web_process_is_seen_by_another(staff_client, settings, db):
    other = create_app(settings.with_(catalog_refresh_seconds=0))  # a second process on the same database
    try:
        reader = other.test_client()
        assert reader.get("/campaigns/fix-the-roof").status_code == 404
        editor = staff_client("campaigner")
        create(editor, letter_form("fix-the-roof"))
        set_status(editor, "fix-the-roof", "live")
        assert "Fix the roof (fix-the-roof)" in text_of(reader.get("/campaigns/fix-the-roof"))
        assert "fix-the-roof" in [c["slug"] for c in reader.get("/api/v1/campaigns").get_json()["campaigns"]]
        set_status(editor, "together-fairness-works", "closed")
        assert "This campaign is closed" in text_of(reader.get("/campaigns/together-fairness-works"))
    finally:
        other.extensions["advocacy"].db.dispose()
