"""Attachments keep the header guard: a file's name or type can never add a header or a part."""

from __future__ import annotations

import dataclasses
from email import policy
from email.parser import BytesParser

import pytest

from advocacy.domain.errors import UnsafeHeader
from advocacy.domain.types import Attachment, OutgoingMessage
from advocacy.mail import build_email

from ..delivery.test_headers import PAYLOADS

MESSAGE = OutgoingMessage(
    message_id="<1234@union.test>", from_name="Test Union", from_address="letters@union.test",
    to_name="Drew Demo-Premier", to_address="premier@demo.invalid", reply_to_name="", reply_to_address="",
    subject="Petition: Together FAIRNESS WORKS! (2 signatures)", body="Dear Drew Demo-Premier,\n\nAttached.\n",
    attachments=(Attachment("pétition.pdf", "application/pdf", b"%PDF-1.4\n\x00\xff binary"),
                 Attachment("signers.csv", "text/csv", "\ufeffRiding,First name\r\nOttawa Centre,Émilie\r\n".encode())),
)


def test_the_body_and_each_file_arrive_as_written():
    parsed = BytesParser(policy=policy.default).parsebytes(build_email(MESSAGE))
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == MESSAGE.body
    files = [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True)) for p in parsed.iter_attachments()]
    assert files == [(a.filename, a.content_type, a.data) for a in MESSAGE.attachments]
    assert sorted(k.lower() for k in parsed) == ["content-type", "date", "from", "message-id", "mime-version",
                                                 "subject", "to"]


@pytest.mark.parametrize("name", [*PAYLOADS, "../../etc/passwd", "a\\b.pdf", 'a".pdf', "", "x" * 201])
def test_a_hostile_file_name_is_refused(name):
    bad = dataclasses.replace(MESSAGE, attachments=(Attachment(name, "application/pdf", b"%PDF"),))
    with pytest.raises(UnsafeHeader):
        build_email(bad)


@pytest.mark.parametrize("content_type", ["application/pdf\r\nBcc: x@evil.test", "text/csv; name=x",
                                          "multipart/mixed; boundary=x", "pdf", "text/"])
def test_a_content_type_we_would_not_write_is_refused(content_type):
    bad = dataclasses.replace(MESSAGE, attachments=(Attachment("a.pdf", content_type, b"%PDF"),))
    with pytest.raises(UnsafeHeader):
        build_email(bad)


@pytest.mark.parametrize("payload", PAYLOADS[:6])
def test_the_subject_guard_still_holds_with_attachments(payload):
    with pytest.raises(UnsafeHeader):
        build_email(dataclasses.replace(MESSAGE, subject=f"Petition {payload}"))


def test_a_file_holding_a_mime_boundary_is_still_one_part():
    boundary_like = b"--===============1234==\r\nContent-Type: text/html\r\n\r\n<script>x</script>\r\n"
    message = dataclasses.replace(MESSAGE, attachments=(Attachment("x.csv", "text/csv", boundary_like),))
    parsed = BytesParser(policy=policy.default).parsebytes(build_email(message))
    assert [p.get_payload(decode=True) for p in parsed.iter_attachments()] == [boundary_like]
