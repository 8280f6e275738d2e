"""A petition package through the worker and a real SMTP server, and the staff command that queues it."""

from __future__ import annotations

import io

from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import func, select

from advocacy.channels.smtp import SmtpChannel, SmtpTarget
from advocacy.cli import CliState, main
from advocacy.models import Delivery, PetitionMilestone
from advocacy.worker import Worker

from .conftest import MPPS, NOW, PREMIER


def test_the_office_receives_the_pdf_and_csv_and_bounces_come_back_to_the_delivery(ctx, signatures, smtp_sink):
    signatures.sign(PREMIER, "Émilie", "Côté", "K1R7S8")
    signatures.sign(PREMIER, "Ann", "Lee", "M5V3L9")
    result = CliRunner().invoke(main, ["petitions", "deliver", PREMIER], obj=CliState(ctx.settings))
    assert result.exit_code == 0, result.output

    report = Worker(ctx, SmtpChannel(SmtpTarget.parse(smtp_sink.url), timeout=10), clock=lambda: NOW).run_once()

    assert report.sent == 1
    [message] = smtp_sink.messages
    with ctx.db.transaction() as session:
        delivery = session.scalars(select(Delivery)).one()
        token = delivery.return_token
        stored = {a.filename: (a.content_type, a.data) for a in delivery.attachments}
    assert message["To"].addresses[0].addr_spec == "premier@demo.invalid"
    assert message["From"].addresses[0].display_name == "Test Union"
    assert message["Subject"] == "Petition: Together FAIRNESS WORKS! (2 signatures)"
    assert "2 people have signed it" in message.get_body(("plain",)).get_content()
    files = {part.get_filename(): (part.get_content_type(), part.get_payload(decode=True))
             for part in message.iter_attachments()}
    assert files == stored  # the bytes stored when it was queued, so a retry sends the same files
    [pdf] = [name for name, (kind, _data) in files.items() if kind == "application/pdf"]
    assert [kind for kind, _data in files.values()] == ["application/pdf", "text/csv"]
    assert pdf.startswith(f"petition-{PREMIER}-20") and pdf.endswith(".pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(files[pdf][1])).pages)
    assert "Émilie Côté" in text and "Ann Lee" in text
    # The envelope sender names this delivery, so a bounce finds it.
    assert len(token) >= 16 and smtp_sink.envelopes == [(f"bounces+{token}@union.test", ["premier@demo.invalid"])]


def test_a_dry_run_lists_recipients_counts_and_files_and_stores_nothing(ctx, signatures):
    signatures.sign(MPPS, "Émilie", "Côté", "K1R7S8")
    signatures.sign(MPPS, "Noël", "Lefèvre", "K1R5A4")
    signatures.sign(MPPS, "Ann", "Lee", "M5V3L9")
    signatures.sign(MPPS, "Pat", "Nowhere", "X0A0A0")  # no riding known for this postal code

    result = CliRunner().invoke(main, ["petitions", "deliver", MPPS, "--dry-run"], obj=CliState(ctx.settings))

    assert result.exit_code == 0, result.output
    out = result.output
    assert "the-rich-and-the-rest-of-us: 4 confirmed signatures" in out
    for line in ("      2  Ottawa Centre", "      1  Spadina—Fort York", "      1  Riding not known"):
        assert line in out
    assert "2 packages would be queued (dry run: nothing stored)" in out
    assert "Sam Demo-Tremblay, MPP for Ottawa Centre <mpp.ottawa-centre@demo.invalid>: 2 signers listed" in out
    assert "petition-the-rich-and-the-rest-of-us-ottawa-centre-" in out and ".pdf  " in out and " bytes" in out
    assert "Signers with no known riding: 1." in out
    with ctx.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
        assert session.scalar(select(func.count()).select_from(PetitionMilestone)) == 0


def test_staff_are_told_when_a_petition_has_nobody_to_deliver_to(ctx):
    result = CliRunner().invoke(main, ["petitions", "deliver", "opa-organizing-campaign"],
                                obj=CliState(ctx.settings))
    assert result.exit_code == 1 and "has no targets" in result.output
    result = CliRunner().invoke(main, ["petitions", "deliver", "stop-offshoring"], obj=CliState(ctx.settings))
    assert result.exit_code == 1 and "is not a petition campaign" in result.output
