"""The people pages: search by address, the person's record, export (admin) and erase (admin, confirmed)."""

from __future__ import annotations

import json

from sqlalchemy import select

from advocacy.domain.types import Supporter
from advocacy.models import AuditEntry
from advocacy.models import Supporter as SupporterRow

from ..conftest import csrf_token
from .review_setup import letters, sign, write_letter

ZELDA = Supporter("Zelda", "Quixote", "Zelda.Quixote@Example.com", "K1P1A4")


def find(client, email: str):
    return client.post("/admin/people", data={"csrf_token": csrf_token(client, "/admin/people"), "email": email})


def supporter_id(db) -> int:
    with db.transaction() as session:
        return session.scalars(select(SupporterRow.id)).one()


def audit_entries(db) -> list[tuple[str, str, dict]]:
    with db.transaction() as session:
        return [(e.action, e.target, e.detail) for e in session.scalars(select(AuditEntry).where(
            AuditEntry.action.startswith("person.")).order_by(AuditEntry.id))]


def test_search_finds_the_person_whatever_the_case(ctx, staff_client):
    write_letter(ctx, ZELDA)
    client = staff_client("viewer")
    response = find(client, "  ZELDA.quixote@example.COM ")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Zelda Quixote" in page and "K1P1A4" in page
    assert "mpp.ottawa-centre@demo.invalid" in page and "Dear Sam Demo-Tremblay," in page
    assert "Download everything" not in page and "Hold for review" not in page  # a viewer only reads


def test_an_unknown_address_is_said_plainly(ctx, staff_client):
    response = find(staff_client("viewer"), "nobody@example.com")
    assert response.status_code == 404
    assert "No supporter has that email address." in response.get_data(as_text=True)
    empty = find(staff_client("viewer"), "")
    assert empty.status_code == 400 and "Enter the supporter's email address" in empty.get_data(as_text=True)


def test_export_is_a_json_download_not_cached_and_audited(ctx, staff_client):
    write_letter(ctx, ZELDA)
    sign(ctx, ZELDA)
    person = supporter_id(ctx.db)
    client = staff_client("admin")
    page = f"/admin/people/{person}"
    response = client.post(f"{page}/export", data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["supporter"]["email"] == "Zelda.Quixote@Example.com"
    assert data["supporter"]["postal_code"] == "K1P1A4"
    assert len(data["actions"]) == 2
    assert audit_entries(ctx.db) == [("person.export", f"supporter:{person}", {"actions": 2})]


def test_campaigners_cannot_export_or_erase(ctx, staff_client):
    write_letter(ctx, ZELDA)
    person = supporter_id(ctx.db)
    client = staff_client("campaigner")
    token = csrf_token(client, f"/admin/people/{person}")
    assert client.post(f"/admin/people/{person}/export", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/admin/people/{person}/erase").status_code == 403
    assert client.post(f"/admin/people/{person}/erase",
                       data={"csrf_token": token, "email": ZELDA.email}).status_code == 403


def test_erasing_needs_the_address_typed_then_erases_and_audits_numbers_only(ctx, staff_client):
    action = write_letter(ctx, ZELDA)
    person = supporter_id(ctx.db)
    client = staff_client("admin")
    erase = f"/admin/people/{person}/erase"
    assert "This cannot be undone" in client.get(erase).get_data(as_text=True)
    wrong = client.post(erase, data={"csrf_token": csrf_token(client, erase), "email": "someone@else.com"})
    assert wrong.status_code == 400 and "not this supporter" in wrong.get_data(as_text=True)
    done = client.post(erase, data={"csrf_token": csrf_token(client, erase), "email": "zelda.quixote@example.com"})
    assert done.status_code == 302
    assert {d.status for d in letters(ctx, action)} == {"cancelled"}
    assert client.get(f"/admin/people/{person}").status_code == 404
    gone = find(client, ZELDA.email)
    assert gone.status_code == 404 and "erased at its owner" in gone.get_data(as_text=True)
    [(kind, target, detail)] = audit_entries(ctx.db)
    assert (kind, target) == ("person.erase", f"supporter:{person}")
    assert detail == {"actions": 1, "letters_cancelled": 2, "letters_scrubbed": 2, "emails_deleted": 0,
                      "reviews_closed": 0}
