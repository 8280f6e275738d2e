"""A letter that bounces: the writer is told once, staff see the failing address, nothing happens twice."""

from __future__ import annotations

import mailbox

from click.testing import CliRunner
from sqlalchemy import func, select

from advocacy.cli import CliState, main
from advocacy.models import AddressFlag, Delivery

from .conftest import envelope_sender, events, maildir_with, report, row, send_all

OTTAWA, MINISTER = "mpp.ottawa-centre@demo.invalid", "minister.service-delivery@demo.invalid"


def cli(ctx, *args: str):
    result = CliRunner().invoke(main, list(args), obj=CliState(ctx.settings))
    assert result.exit_code == 0, result.output
    return result.output


def notices(ctx) -> list[Delivery]:
    with ctx.db.transaction() as session:
        return list(session.scalars(select(Delivery).where(Delivery.kind == "notice").order_by(Delivery.id)))


def test_a_bounced_letter_tells_its_writer_once_and_flags_the_office(ctx, letters, smtp_sink, tmp_path):
    ottawa, minister = letters.write()
    send_all(ctx, smtp_sink)
    bounce_to = envelope_sender(smtp_sink, OTTAWA)
    assert bounce_to == f"bounces+{row(ctx, ottawa).return_token}@union.test"
    inbox = maildir_with(tmp_path / "Maildir", report(bounce_to, OTTAWA))

    out = cli(ctx, "bounces", "process", str(inbox))

    assert f"1 messages: 1 deliveries bounced ({ottawa}), 1 writers told" in out
    bounced = row(ctx, ottawa)
    assert bounced.status == "bounced" and bounced.bounced_at is not None
    assert events(ctx, ottawa)[-1][:2] == ("sent", "bounced") and "5.1.1" in events(ctx, ottawa)[-1][2]
    assert row(ctx, minister).status == "sent"  # the other office got its copy

    [notice] = notices(ctx)
    assert (notice.recipient_email, notice.status) == ("writer1@example.com", "queued")
    assert notice.subject == "Your letter could not be delivered to Sam Demo-Tremblay"
    assert "Sam Demo-Tremblay, MPP for Ottawa Centre (mpp.ottawa-centre@demo.invalid)" in notice.body
    assert "Emerson" not in notice.body

    # The same report again (from the maildir, or a provider that resends) changes nothing.
    out = cli(ctx, "bounces", "process", str(inbox), "--again")
    assert "0 deliveries bounced, 0 writers told" in out and "1 that changed nothing" in out
    assert len(notices(ctx)) == 1
    with ctx.db.transaction() as session:
        flag = session.get(AddressFlag, OTTAWA)
        assert (flag.status, flag.bounces) == ("failing", 1) and "User unknown" in flag.reason
    # Read once already: a run from cron does not even open it again.
    assert "0 messages" in cli(ctx, "bounces", "process", str(inbox))
    assert all("S" in m.get_flags() for m in mailbox.Maildir(inbox, create=False))

    # The writer receives the notice like any email from us.
    send_all(ctx, smtp_sink)
    told = [m for m in smtp_sink.messages if m["To"].addresses[0].addr_spec == "writer1@example.com"]
    assert len(told) == 1 and "could not be delivered to" in told[0].get_content()

    failing = cli(ctx, "bounces", "failing")
    assert "mpp.ottawa-centre@demo.invalid  1 bounce, first" in failing
    assert "written to as: Sam Demo-Tremblay, MPP" in failing and "1 failing address" in failing
    listed = cli(ctx, "deliveries", "list", "--status", "bounced")
    assert f"{ottawa:6} bounced" in listed and "bounced: 5.1.1" in listed
    assert "cleared" in cli(ctx, "bounces", "clear", "MPP.Ottawa-Centre@demo.invalid")
    assert "0 failing addresses" in cli(ctx, "bounces", "failing")


def test_two_offices_bouncing_make_one_notice_naming_both(ctx, letters, smtp_sink, tmp_path):
    ottawa, minister = letters.write()
    send_all(ctx, smtp_sink)
    box = tmp_path / "bounces.mbox"
    mbox = mailbox.mbox(box)
    for office, report_id in ((OTTAWA, "<r1@mx>"), (MINISTER, "<r2@mx>")):
        mbox.add(report(envelope_sender(smtp_sink, office), office, report_id=report_id))
    mbox.flush()

    out = cli(ctx, "bounces", "process", str(box))

    assert f"2 messages: 2 deliveries bounced ({ottawa}, {minister}), 1 writers told" in out
    [notice] = notices(ctx)
    assert notice.subject == "Your letter could not be delivered to 2 offices"
    assert "Sam Demo-Tremblay" in notice.body and "Emerson Demo-Service" in notice.body
    with ctx.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(AddressFlag)) == 2


def test_a_delay_is_noted_once_and_changes_nothing_else(ctx, letters, smtp_sink, tmp_path):
    ottawa, _minister = letters.write()
    send_all(ctx, smtp_sink)
    delayed = report(envelope_sender(smtp_sink, OTTAWA), OTTAWA, action="delayed", status="4.4.1",
                     diagnostic="X-Postfix; connect to mx.demo.invalid: Connection timed out")
    saved = tmp_path / "delay.eml"
    saved.write_bytes(delayed)

    assert "1 delays noted" in cli(ctx, "bounces", "process", str(saved))
    assert "0 delays noted, 1 that changed nothing" in cli(ctx, "bounces", "process", str(saved))

    assert row(ctx, ottawa).status == "sent"
    assert [e[:2] for e in events(ctx, ottawa)].count(("sent", "sent")) == 1
    assert "delivery delayed: 4.4.1 connect to mx.demo.invalid" in events(ctx, ottawa)[-1][2]
    assert notices(ctx) == []
    with ctx.db.transaction() as session:
        assert session.get(AddressFlag, OTTAWA) is None


def test_a_report_without_our_token_is_matched_by_the_returned_message_id(ctx, letters, smtp_sink, tmp_path):
    ottawa, _minister = letters.write()
    send_all(ctx, smtp_sink)
    # Some servers send reports to the plain bounce address and quote only the original headers.
    raw = report("bounces@union.test", OTTAWA, message_id=row(ctx, ottawa).message_id)
    (tmp_path / "r.eml").write_bytes(raw)

    assert f"1 deliveries bounced ({ottawa})" in cli(ctx, "bounces", "process", str(tmp_path / "r.eml"))


def test_mail_that_is_not_a_report_or_not_ours_is_left_alone(ctx, letters, smtp_sink, tmp_path):
    ottawa, _minister = letters.write()
    send_all(ctx, smtp_sink)
    token_address = envelope_sender(smtp_sink, OTTAWA)
    vacation = (f"To: {token_address}\r\nFrom: mpp@demo.invalid\r\nSubject: Out of office\r\n\r\n"
                "I am away until Monday.\r\n").encode()
    stranger = report("bounces+aaaaaaaaaaaaaaaaaaaaaaaaaa@union.test", OTTAWA, report_id="<x@mx>")
    broken = b"\xff\xfe\x00garbage"
    inbox = maildir_with(tmp_path / "Maildir", vacation, stranger, broken)

    out = cli(ctx, "bounces", "process", str(inbox))

    assert "3 messages: 0 deliveries bounced" in out and "1 about no delivery of ours" in out
    assert "2 not bounce reports" in out
    assert row(ctx, ottawa).status == "sent"


def test_a_petition_package_that_bounces_flags_the_office_and_tells_no_writer(ctx, letters, smtp_sink, tmp_path):
    [package] = letters.write(offices=(OTTAWA,), kind="petition")
    send_all(ctx, smtp_sink)
    (tmp_path / "r.eml").write_bytes(report(envelope_sender(smtp_sink, OTTAWA), OTTAWA))

    assert "1 deliveries bounced" in cli(ctx, "bounces", "process", str(tmp_path / "r.eml"))
    assert row(ctx, package).status == "bounced" and notices(ctx) == []
    with ctx.db.transaction() as session:
        assert session.get(AddressFlag, OTTAWA).bounces == 1


def test_staff_are_told_when_the_path_is_no_mailbox(ctx, tmp_path):
    (tmp_path / "plain").mkdir()
    for path in (tmp_path / "plain", tmp_path / "missing"):
        result = CliRunner().invoke(main, ["bounces", "process", str(path)], obj=CliState(ctx.settings))
        assert result.exit_code == 1 and ("not a maildir" in result.output or "does not exist" in result.output)


def test_a_digest_that_bounces_tells_every_writer_it_carried(ctx, letters, tmp_path):
    carried = [letters.write(first=name, offices=(OTTAWA,))[0] for name in ("Ann", "Bo")]
    [digest] = letters.write(offices=(OTTAWA,), kind="digest")
    with ctx.db.transaction() as session:
        for delivery_id in (*carried, digest):
            delivery = session.get(Delivery, delivery_id)
            delivery.status, delivery.digest_id = "sent", digest if delivery_id != digest else None
        token = session.get(Delivery, digest).return_token
    (tmp_path / "r.eml").write_bytes(report(f"bounces+{token}@union.test", OTTAWA))

    out = cli(ctx, "bounces", "process", str(tmp_path / "r.eml"))

    assert f"1 deliveries bounced ({digest}), 2 writers told" in out
    when = row(ctx, digest).bounced_at
    assert when is not None
    assert [(row(ctx, i).status, row(ctx, i).bounced_at) for i in carried] == [("bounced", when)] * 2
    assert sorted(n.recipient_email for n in notices(ctx)) == ["writer1@example.com", "writer2@example.com"]
    with ctx.db.transaction() as session:
        assert session.get(AddressFlag, OTTAWA).bounces == 1
