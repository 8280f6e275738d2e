"""Each recipient's petition package from the export page: listed, downloadable as PDF or CSV, or all zipped."""

from __future__ import annotations

import csv
import io
import re
import zipfile

from pypdf import PdfReader
from sqlalchemy import select

from advocacy import create_app
from advocacy.config import PROJECT_ROOT
from advocacy.models import AuditEntry

from ..conftest import post_form
from .conftest import StaffClients

PETITION = "the-rich-and-the-rest-of-us"  # one target: each signer's provincial MPP
PREMIER = "together-fairness-works"  # one target: the Premier's office
NO_TARGETS = "opa-organizing-campaign"
SIGNERS = [("Émilie", "Côté", "K1R7S8"), ("Noor", "Haddad", "K1R7S8"), ("Ann", "Lee", "M5V3L9"),
           ("Robin", "Okafor", "P7B5E1")]
OTTAWA = "sam-demo-tremblay-ottawa-centre"
SPADINA = "alex-demo-martin-spadina-fort-york"
THUNDER_BAY = "robin-demo-bouchard-thunder-bay-superior-north"


def sign_all(client, slug: str = PETITION) -> None:
    for number, (first, last, code) in enumerate(SIGNERS):
        response = post_form(client, f"/campaigns/{slug}", {"first_name": first, "last_name": last,
                                                             "email": f"s{number}@example.com", "postal_code": code})
        assert response.status_code == 303


def audit_entries(db, action: str) -> list[AuditEntry]:
    with db.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def table_rows(page: str) -> list[str]:
    """The recipient table's rows as plain text, one string per row."""
    table = page.split('id="recipient-packages"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def csv_table(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def pdf_text(data: bytes) -> tuple[str, int]:
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_export_page_lists_each_mpp_with_their_ridings_count(client, staff_client):
    sign_all(client)
    campaigner = staff_client("campaigner")
    dashboard = campaigner.get(f"/admin/campaigns/{PETITION}").get_data(as_text=True)
    assert f'href="/admin/campaigns/{PETITION}/exports#recipients">Each recipient\'s own package' in dashboard
    page = campaigner.get(f"/admin/campaigns/{PETITION}/exports").get_data(as_text=True)
    assert table_rows(page) == [
        "Sam Demo-Tremblay, MPP for Ottawa Centre Ottawa Centre 2 PDF for Sam Demo-Tremblay CSV for Sam Demo-Tremblay",
        "Alex Demo-Martin, MPP for Spadina—Fort York Spadina—Fort York 1 PDF for Alex Demo-Martin "
        "CSV for Alex Demo-Martin",
        "Robin Demo-Bouchard, MPP for Thunder Bay—Superior North Thunder Bay—Superior North 1 "
        "PDF for Robin Demo-Bouchard CSV for Robin Demo-Bouchard"]
    assert f'href="/admin/campaigns/{PETITION}/petition/packages/{OTTAWA}.pdf"' in page
    assert f'href="/admin/campaigns/{PETITION}/petition/packages/{OTTAWA}.csv"' in page
    assert f'href="/admin/campaigns/{PETITION}/petition/packages.zip"' in page and "All packages (zip)" in page


def test_a_members_csv_and_pdf_list_only_their_constituents(client, db, staff_client):
    sign_all(client)
    campaigner = staff_client("campaigner")
    response = campaigner.get(f"/admin/campaigns/{PETITION}/petition/packages/{OTTAWA}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert re.fullmatch(rf'attachment; filename="petition-{PETITION}-ottawa-centre-\d{{4}}-\d\d-\d\d\.csv"',
                        response.headers["Content-Disposition"])
    assert [(r["Riding"], r["First name"], r["Last name"], r["Postal area"]) for r in csv_table(response.get_data())] \
        == [("Ottawa Centre", "Émilie", "Côté", "K1R"), ("Ottawa Centre", "Noor", "Haddad", "K1R")]

    response = campaigner.get(f"/admin/campaigns/{PETITION}/petition/packages/{OTTAWA}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text, pages = pdf_text(response.get_data())
    assert pages >= 1 and "Sam Demo-Tremblay" in text and "4 signatures in total" in text
    assert "Émilie Côté" in text and "Noor Haddad" in text
    assert "Ann Lee" not in text and "Robin Okafor" not in text  # counted, but not named to this member
    assert "Spadina—Fort York" in text  # in the table of counts by riding

    entries = audit_entries(db, "export.petition_recipient_package")
    assert [e.detail["file"].rsplit(".", 1)[1] for e in entries] == ["csv", "pdf"]
    assert all(e.actor == campaigner.staff.email and e.target == f"campaign:{PETITION}" for e in entries)
    assert entries[0].detail["email"] == "mpp.ottawa-centre@demo.invalid" and entries[0].detail["signers"] == 2


def test_the_zip_holds_a_folder_per_recipient_with_their_own_files(client, db, staff_client):
    sign_all(client)
    response = staff_client("campaigner").get(f"/admin/campaigns/{PETITION}/petition/packages.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="petition-{PETITION}-packages-')
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None
    names = archive.namelist()
    assert all(re.fullmatch(r"[a-z0-9-]+/[a-z0-9-]+\.(pdf|csv)", name) for name in names)
    folders = {name.split("/")[0] for name in names}
    assert folders == {OTTAWA, SPADINA, THUNDER_BAY} and len(names) == 6
    spadina_csv = next(n for n in names if n.startswith(f"{SPADINA}/") and n.endswith(".csv"))
    assert re.fullmatch(rf"{SPADINA}/petition-{PETITION}-spadina-fort-york-\d{{4}}-\d\d-\d\d\.csv", spadina_csv)
    assert [r["Last name"] for r in csv_table(archive.read(spadina_csv))] == ["Lee"]
    thunder_pdf = next(n for n in names if n.startswith(f"{THUNDER_BAY}/") and n.endswith(".pdf"))
    text, _pages = pdf_text(archive.read(thunder_pdf))
    assert "Robin Okafor" in text and "Émilie Côté" not in text
    # The same bytes as the single download of that recipient's CSV.
    single = staff_client("campaigner").get(f"/admin/campaigns/{PETITION}/petition/packages/{SPADINA}.csv")
    assert single.get_data() == archive.read(spadina_csv)
    [entry] = audit_entries(db, "export.petition_packages")
    assert sorted(entry.detail["folders"]) == sorted(folders) and entry.detail["signatures"] == 4


def test_an_office_gets_one_package_with_every_signer(client, staff_client):
    sign_all(client, PREMIER)
    campaigner = staff_client("campaigner")
    page = campaigner.get(f"/admin/campaigns/{PREMIER}/exports").get_data(as_text=True)
    assert table_rows(page) == ["Drew Demo-Premier, Premier of Ontario Every riding 4 PDF for Drew Demo-Premier "
                                "CSV for Drew Demo-Premier"]
    table = csv_table(campaigner.get(f"/admin/campaigns/{PREMIER}/petition/packages/drew-demo-premier.csv")
                      .get_data())
    assert sorted(r["Last name"] for r in table) == ["Côté", "Haddad", "Lee", "Okafor"]
    archive = zipfile.ZipFile(io.BytesIO(campaigner.get(f"/admin/campaigns/{PREMIER}/petition/packages.zip")
                                         .get_data()))
    assert {name.split("/")[0] for name in archive.namelist()} == {"drew-demo-premier"}


def test_no_signers_no_targets_or_a_stale_link_get_a_message_not_an_error(client, db, staff_client):
    campaigner = staff_client("campaigner")
    page = campaigner.get(f"/admin/campaigns/{PETITION}/exports").get_data(as_text=True)
    assert "Nobody has signed this petition yet" in page and "All packages (zip)" not in page
    for url in (f"/admin/campaigns/{PETITION}/petition/packages.zip",
                f"/admin/campaigns/{PETITION}/petition/packages/{OTTAWA}.pdf"):
        response = campaigner.get(url, follow_redirects=True)
        assert response.status_code == 200 and response.request.path == f"/admin/campaigns/{PETITION}/exports"
    assert "nobody has signed yet" in campaigner.get(f"/admin/campaigns/{PETITION}/petition/packages.zip",
                                                     follow_redirects=True).get_data(as_text=True)

    sign_all(client)
    stale = campaigner.get(f"/admin/campaigns/{PETITION}/petition/packages/someone-else.csv", follow_redirects=True)
    assert "That recipient has no package now" in stale.get_data(as_text=True)

    page = campaigner.get(f"/admin/campaigns/{NO_TARGETS}/exports").get_data(as_text=True)
    assert "This petition has no targets" in page
    response = campaigner.get(f"/admin/campaigns/{NO_TARGETS}/petition/packages.zip", follow_redirects=True)
    assert response.status_code == 200 and "This petition has no targets" in response.get_data(as_text=True)
    assert campaigner.get("/admin/campaigns/stop-offshoring/petition/packages.zip").status_code == 404  # a letter
    assert audit_entries(db, "export.petition_packages") == []
    assert audit_entries(db, "export.petition_recipient_package") == []


def test_viewers_are_refused_every_package_download(client, db, staff_client):
    sign_all(client)
    viewer = staff_client("viewer")
    for url in (f"/admin/campaigns/{PETITION}/petition/packages.zip",
                f"/admin/campaigns/{PETITION}/petition/packages/{OTTAWA}.pdf",
                f"/admin/campaigns/{PETITION}/petition/packages/{OTTAWA}.csv"):
        assert viewer.get(url).status_code == 403
    assert audit_entries(db, "export.petition_packages") == []
    assert audit_entries(db, "export.petition_recipient_package") == []


def test_a_private_petition_still_has_its_packages_for_staff(tmp_path, settings, db):
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    source = (PROJECT_ROOT / "campaigns" / f"{PETITION}.toml").read_text(encoding="utf-8")
    # A top-level key must come before the first table, so it goes first.
    (campaigns / f"{PETITION}.toml").write_text('visibility = "private"\n' + source, encoding="utf-8")
    app = create_app(settings.with_(campaigns_dir=campaigns))
    try:
        assert app.extensions["advocacy"].catalog.get(PETITION).visibility == "private"
        sign_all(app.test_client())
        campaigner = StaffClients(app, db)("campaigner")
        page = campaigner.get(f"/admin/campaigns/{PETITION}/exports").get_data(as_text=True)
        assert len(table_rows(page)) == 3
        table = csv_table(campaigner.get(f"/admin/campaigns/{PETITION}/petition/packages/{OTTAWA}.csv").get_data())
        assert [r["First name"] for r in table] == ["Émilie", "Noor"]
        archive = zipfile.ZipFile(io.BytesIO(campaigner.get(f"/admin/campaigns/{PETITION}/petition/packages.zip")
                                             .get_data()))
        assert len(archive.namelist()) == 6
    finally:
        app.extensions["advocacy"].db.dispose()
