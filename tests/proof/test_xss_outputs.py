"""Every XSS vector (and spreadsheet formula) in every field that an email, a letter or an export carries.

Emails to supporters and letters to offices are plain text, so markup in them is only ever text: each message
the worker sends is checked for its Content-Type (text/plain body, never a text/html part). CSV exports and the
petition package never start a cell with a formula character (= + - @ tab CR), and the package's PDF has no
script or automatic action.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from advocacy.channels.smtp import SmtpChannel, SmtpTarget
from advocacy.domain.types import Supporter
from advocacy.models.base import utcnow
from advocacy.services import exports as export_service
from advocacy.worker import Worker

from .xss_seed import (
    FORMULAS,
    LETTER,
    PETITION,
    Seeded,
    campaign_slug,
    email_of,
    seed_campaigns,
    seed_supporters,
    write_letter,
)
from .xss_vectors import XSS_VECTORS

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PDF_SCRIPT = re.compile(rb"/(JavaScript|JS|OpenAction|AA|Launch|URI)\b")


@pytest.fixture
def seeded(staff_client, client, ctx) -> Seeded:
    result = Seeded()
    seed_campaigns(staff_client("admin"), result)
    seed_supporters(client, ctx, result)
    seed_supporters(client, ctx, result, vectors=FORMULAS, tag="formula")
    for index, vector in enumerate(XSS_VECTORS):  # a receipt, and letters whose template carries the vector
        write_letter(ctx, campaign_slug(index), Supporter(vector[:100], vector[:100], email_of(index, "vector"),
                                                          "K1P5J2"))
    return result


def test_every_email_and_letter_with_a_vector_is_plain_text(seeded, ctx, smtp_sink):
    worker = Worker(ctx, SmtpChannel(SmtpTarget.parse(smtp_sink.url), timeout=10))
    while worker.run_once().handled:
        pass
    kinds = {}
    for message in smtp_sink.messages:
        body = message.get_body(("plain", "html"))
        assert body is not None and body.get_content_type() == "text/plain", message["Subject"]
        assert all(part.get_content_type() != "text/html" for part in message.walk()), message["Subject"]
        kinds[message["To"]] = body.get_content()
    sent = "\n".join(kinds.values())
    # The vectors travelled in the messages, as text.
    assert sum(vector in sent for vector in XSS_VECTORS) >= 30
    assert len(smtp_sink.messages) >= 3 * len(XSS_VECTORS)  # receipts, confirmations and office letters


def _cells(data: bytes) -> list[str]:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [cell for row in rows for cell in row]


def _assert_no_formula(data: bytes, what: str) -> list[str]:
    cells = _cells(data)
    formulas = [cell for cell in cells if cell.startswith(FORMULA_START)]
    assert formulas == [], f"{what}: {formulas[:5]}"
    return cells


def test_exports_and_the_petition_package_have_no_formula_cells(seeded, staff_client, ctx):
    staff = staff_client("campaigner")
    for slug in (PETITION, LETTER):
        for name in ("signatures.csv", "letters.csv"):
            response = staff.get(f"/admin/campaigns/{slug}/exports/{name}")
            assert response.status_code == 200 and response.mimetype == "text/csv"
            cells = _assert_no_formula(response.get_data(), f"{slug}/{name}")
            if (slug, name) in ((PETITION, "signatures.csv"), (LETTER, "letters.csv")):
                assert any(cell.lstrip("'").startswith("=HYPERLINK") for cell in cells)  # kept, as text
    package = staff.get(f"/admin/campaigns/{PETITION}/petition/package.zip")
    assert package.status_code == 200
    with zipfile.ZipFile(io.BytesIO(package.get_data())) as archive:
        names = archive.namelist()
        assert any(n.endswith(".csv") for n in names) and any(n.endswith(".pdf") for n in names)
        for name in names:
            data = archive.read(name)
            if name.endswith(".csv"):
                _assert_no_formula(data, name)
            else:
                assert not PDF_SCRIPT.search(data), name
    with ctx.db.transaction() as session:  # the same files the petition's delivery emails attach
        files = export_service.petition_package(session, ctx.catalog.get(PETITION), now=utcnow(), org_name="Union")
    for attachment in files:
        if attachment.content_type == "text/csv":
            _assert_no_formula(attachment.data, attachment.filename)
