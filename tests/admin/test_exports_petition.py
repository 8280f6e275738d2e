"""The petition package from the admin: downloaded as a zip (PDF + CSV by riding), or sent to its targets."""

from __future__ import annotations

import csv
import io
import zipfile

from pypdf import PdfReader
from sqlalchemy import select

from advocacy.models import AuditEntry, Delivery

from ..conftest import csrf_token, post_form

PETITION = "the-rich-and-the-rest-of-us"
SIGNERS = [("Émilie", "Côté", "K1R7S8"), ("Ann", "Lee", "M5V3L9"), ("Robin", "Okafor", "P7B5E1")]


def sign_all(client) -> None:
    for number, (first, last, code) in enumerate(SIGNERS):
        response = post_form(client, f"/campaigns/{PETITION}", {"first_name": first, "last_name": last,
                                                                "email": f"s{number}@example.com",
                                                                "postal_code": code})
        assert response.status_code == 303


def actions(db, action: str) -> list[AuditEntry]:
    with db.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_package_download_is_a_zip_of_a_readable_pdf_and_csv_by_riding(client, db, staff_client):
    sign_all(client)
    campaigner = staff_client("campaigner")
    response = campaigner.get(f"/admin/campaigns/{PETITION}/petition/package.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="petition-{PETITION}-')
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = sorted(archive.namelist())
    assert [name.rsplit(".", 1)[1] for name in names] == ["csv", "pdf"]
    pdf = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read(names[1]))).pages)
    assert "The Rich and the Rest of Us" in pdf and "3 signatures in total" in pdf
    assert "Émilie Côté" in pdf and "Ottawa Centre: 1 signature" in pdf
    table = list(csv.DictReader(io.StringIO(archive.read(names[0]).decode("utf-8-sig"))))
    assert {(r["Riding"], r["First name"], r["Postal area"]) for r in table} == {
        ("Ottawa Centre", "Émilie", "K1R"), ("Spadina—Fort York", "Ann", "M5V"),
        ("Thunder Bay—Superior North", "Robin", "P7B")}
    [entry] = actions(db, "export.petition_package")
    assert entry.actor == campaigner.staff.email and entry.detail["files"] == names[::-1]


def test_sending_asks_once_then_queues_packages_in_the_outbox_and_audits(client, db, staff_client):
    sign_all(client)
    campaigner = staff_client("campaigner")
    url = f"/admin/campaigns/{PETITION}/petition/send"
    ask = campaigner.get(url).get_data(as_text=True)
    assert "Send the petition to 3 recipients now" in ask and "mpp.ottawa-centre@demo.invalid" in ask
    with db.transaction() as session:
        assert session.scalars(select(Delivery).where(Delivery.kind == "petition")).all() == []  # asking sent nothing

    response = post_form(campaigner, url, {})
    assert response.status_code == 302 and response.location.endswith(f"/admin/campaigns/{PETITION}")
    with db.transaction() as session:
        queued = session.scalars(select(Delivery).where(Delivery.kind == "petition")).all()
        assert {d.status for d in queued} == {"queued"} and len(queued) == 3
        assert all(len(d.attachments) == 2 for d in queued)
    [entry] = actions(db, "petition.deliver")
    assert entry.detail["signatures"] == 3 and sorted(entry.detail["deliveries"]) == sorted(d.id for d in queued)
    assert "was queued for 3 recipients" in campaigner.get(response.location).get_data(as_text=True)

    again = campaigner.get(url).get_data(as_text=True)  # nothing new since: nobody would get a package
    assert "Nobody would receive a package now" in again and "Send the petition to" not in again


def test_viewer_can_neither_download_nor_send(client, db, staff_client):
    sign_all(client)
    viewer = staff_client("viewer")
    url = f"/admin/campaigns/{PETITION}/petition/send"
    assert viewer.get(url).status_code == 403
    token = csrf_token(viewer, f"/admin/campaigns/{PETITION}")
    assert viewer.post(url, data={"csrf_token": token}).status_code == 403
    with db.transaction() as session:
        assert session.scalars(select(Delivery).where(Delivery.kind == "petition")).all() == []


def test_letter_campaigns_and_petitions_without_targets_have_no_package_to_send(staff_client):
    campaigner = staff_client("campaigner")
    assert campaigner.get("/admin/campaigns/stop-offshoring/petition/package.zip").status_code == 404
    assert campaigner.get("/admin/campaigns/opa-organizing-campaign/petition/send").status_code == 404
