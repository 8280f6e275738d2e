"""Email header injection: hostile names, subjects and addresses never add or change a header."""

from __future__ import annotations

import dataclasses
from email import policy
from email.parser import BytesParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from advocacy.channels.mailbox import MailboxChannel
from advocacy.domain.errors import UnsafeHeader
from advocacy.domain.types import OutgoingMessage
from advocacy.mail import build_email
from advocacy.models import Action, Delivery

from ..conftest import post_form
from .conftest import events, row, rows, smtp_worker

# Each of these turns into a new header line somewhere: raw line ends, RFC 2047 encoded-words that
# decode to CR/LF (CVE-2024-6923 on CPython 3.11.7), and the characters str.splitlines() breaks on.
PAYLOADS = [
    "=?utf-8?q?=0D=0ABcc:_x@evil.test?=",
    "=?utf-8?b?DQpCY2M6IHhAZXZpbC50ZXN0?=",
    "=?UTF-8?Q?a=0ABcc:_x@evil.test?=",
    "=?iso-8859-1*en?q?=0D=0ABcc:_x@evil.test?=",
    "Ann\r\nBcc: x@evil.test",
    "Ann\nBcc: x@evil.test",
    "Ann\rBcc: x@evil.test",
    "Ann\u2028Bcc: x@evil.test",
    "Ann\u2029Bcc: x@evil.test",
    "Ann\x85Bcc: x@evil.test",
    "Ann\x0bBcc: x@evil.test",
    "Ann\x0cBcc: x@evil.test",
    "Ann\x1cBcc: x@evil.test",
    "Ann\x1eBcc: x@evil.test",
    "Ann\x00Bcc: x@evil.test",
    "Ann\x1b[31m",
    "Ann\u200b",
    "Ann\u202eLee",
    "Ann\ufeff",
    "Ann\x7f",
    "\ud800",
]

BASE = OutgoingMessage(
    message_id="<1234@union.test>", from_name="Ann Lee via Test Union", from_address="letters@union.test",
    to_name="Sam Demo-Tremblay", to_address="mpp.ottawa-centre@demo.invalid", reply_to_name="Ann Lee",
    reply_to_address="ann@example.com", subject="Keep Ontario's public services in Ontario", body="Dear Sam,\n",
)
EXPECTED = {"from", "to", "subject", "message-id", "date", "reply-to", "content-type",
            "content-transfer-encoding", "mime-version"}


def parse(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


def test_a_plain_message_has_exactly_the_headers_we_wrote():
    message = parse(build_email(BASE))
    assert sorted(k.lower() for k in message) == sorted(EXPECTED)
    assert message["From"].addresses[0].display_name == "Ann Lee via Test Union"
    assert message["Reply-To"].addresses[0].addr_spec == "ann@example.com"
    assert message["Message-ID"] == "<1234@union.test>"


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("field", ["from_name", "to_name", "reply_to_name", "subject", "reply_to_address"])
def test_build_email_refuses_hostile_header_text(field, payload):
    value = payload if field != "reply_to_address" else f"{payload}@example.com"
    with pytest.raises(UnsafeHeader):
        build_email(dataclasses.replace(BASE, **{field: value}))


@pytest.mark.parametrize("field", ["reply_to_address", "to_address"])
@pytest.mark.parametrize("address", ["a@b c>, <x", "x@evil.test>, <a@b c", "a@b,c", "a@b>", "not-an-address",
                                     "x@evil.test>\r\nBcc: y@evil.test"])
def test_addresses_that_would_read_back_differently_are_refused(field, address):
    with pytest.raises(UnsafeHeader):
        build_email(dataclasses.replace(BASE, **{field: address}))


def test_quotes_and_angle_brackets_in_names_stay_inside_the_display_name():
    name = 'Ann "the boss" <x@evil.test>, y@evil.test'
    message = parse(build_email(dataclasses.replace(BASE, from_name=name, reply_to_name=name)))
    assert [a.addr_spec for a in message["From"].addresses] == ["letters@union.test"]
    assert [a.addr_spec for a in message["Reply-To"].addresses] == ["ann@example.com"]
    assert message["From"].addresses[0].display_name == name


def test_extra_headers_cannot_smuggle_a_field_name_or_repeat_one():
    for name in ["X-Tag: y\r\nBcc", "Bad Name", "X-Tag:", "from", "Message-Id"]:
        with pytest.raises(UnsafeHeader):
            build_email(dataclasses.replace(BASE, extra_headers=((name, "value"),)))
    ok = parse(build_email(dataclasses.replace(BASE, extra_headers=(("X-Campaign", "stop-offshoring"),))))
    assert ok["X-Campaign"] == "stop-offshoring"


def test_internationalised_addresses_are_written_as_utf8_not_as_encoded_words():
    raw = build_email(dataclasses.replace(BASE, to_address="député@assnat.test", reply_to_address="josé@exemple.ca"))
    assert b"=?utf-8?" not in raw.split(b"\r\n\r\n")[0]  # an encoded-word inside an address never arrives
    headers = raw.decode("utf-8").split("\r\n\r\n")[0]
    assert "<député@assnat.test>" in headers and "<josé@exemple.ca>" in headers


def _hostile() -> st.SearchStrategy[str]:
    """Ordinary text with hostile payloads spliced in at random places."""
    return st.one_of(
        st.text(max_size=40),
        st.sampled_from(PAYLOADS),
        st.tuples(st.text(max_size=15), st.sampled_from(PAYLOADS), st.text(max_size=15)).map("".join),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(from_name=_hostile(), reply_to_name=_hostile(), subject=_hostile(),
       reply_to_local=st.one_of(st.just("ann"), st.sampled_from(PAYLOADS), st.text(min_size=1, max_size=10)))
def test_property_hostile_text_is_refused_or_harmless(from_name, reply_to_name, subject, reply_to_local):
    message = dataclasses.replace(BASE, from_name=from_name, reply_to_name=reply_to_name, subject=subject,
                                  reply_to_address=f"{reply_to_local}@example.com")
    try:
        raw = build_email(message)
    except UnsafeHeader:
        return
    parsed = parse(raw)
    names = [k.lower() for k in parsed]
    assert sorted(names) == sorted(EXPECTED)  # exactly these, each once: no Bcc, no duplicates
    assert [a.addr_spec for a in parsed["To"].addresses] == ["mpp.ottawa-centre@demo.invalid"]
    assert [a.addr_spec for a in parsed["From"].addresses] == ["letters@union.test"]
    assert len(parsed["Reply-To"].addresses) == 1


LETTER = "/campaigns/stop-offshoring"
FORM_PAYLOADS = [p for p in PAYLOADS if p != "\ud800"]  # a browser cannot send a lone surrogate
GOOD = {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com", "postal_code": "K1P 5J2"}


@pytest.mark.parametrize("payload", FORM_PAYLOADS)
@pytest.mark.parametrize("intent", ["preview", "send"])
def test_the_form_refuses_hostile_names_with_a_message(client, db, payload, intent):
    response = post_form(client, LETTER, {**GOOD, "first_name": payload, "intent": intent})
    assert response.status_code == 200
    assert "Names can only contain letters, spaces and punctuation" in response.get_data(as_text=True)
    with db.transaction() as session:
        assert session.scalars(select(Action)).first() is None


@pytest.mark.parametrize("payload", FORM_PAYLOADS)
def test_the_form_refuses_hostile_subjects_with_a_message(client, db, payload):
    response = post_form(client, LETTER, {**GOOD, "intent": "send", "subject": f"Hello {payload}",
                                          "body": "Please keep the work here."})
    assert response.status_code == 200
    assert "Keep the subject to one line of at most 200 characters" in response.get_data(as_text=True)
    with db.transaction() as session:
        assert session.scalars(select(Delivery)).first() is None


@pytest.mark.parametrize("payload", PAYLOADS[:8])
def test_a_row_with_an_unsafe_subject_is_dead_lettered_and_nothing_is_sent(ctx, letters, smtp_sink, clock,
                                                                            payload):
    bad, good = letters.make(1)
    with ctx.db.transaction() as session:  # as if written by an older version or edited in the database
        session.execute(update(Delivery).where(Delivery.id == bad).values(subject=f"Hello {payload}"))
    report = smtp_worker(ctx, smtp_sink.url, clock).run_once()
    assert (report.sent, report.failed, report.retried) == (1, 1, 0)
    assert [m["To"].addresses[0].addr_spec for m in smtp_sink.messages] == [row(ctx.db, good).recipient_email]
    dead = row(ctx.db, bad)
    assert (dead.status, dead.attempts) == ("failed", 1)
    assert dead.last_error.startswith("subject contains")
    assert events(ctx.db, bad)[-1][:2] == ("sending", "failed")
    assert all("evil" not in str(m) for m in smtp_sink.messages)


def test_the_mailbox_channel_dead_letters_unsafe_rows_too(ctx, letters, clock, tmp_path):
    from advocacy.worker import Worker

    letters.make(1, first_name="Ann")
    with ctx.db.transaction() as session:
        session.execute(update(Delivery).values(reply_to_name=PAYLOADS[0]))
    report = Worker(ctx, MailboxChannel(tmp_path / "box"), clock=clock).run_once()
    assert report.failed == 2 and not list((tmp_path / "box").glob("*"))
    assert {d.status for d in rows(ctx.db)} == {"failed"}
