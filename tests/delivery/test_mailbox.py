"""The development mailbox: letters become .eml files that staff can list and read."""

from __future__ import annotations

from click.testing import CliRunner

from advocacy.channels.mailbox import MailboxChannel, read_mailbox
from advocacy.cli import CliState, main
from advocacy.models.base import utcnow
from advocacy.services.deliveries import outgoing_message
from advocacy.worker import Worker

from .conftest import (
    Clock,
    LetterFactory,
    all_sent,
    kill_worker,
    rows,
    start_worker,
    stop_worker,
    wait_for,
    worker_instance,
)


def mailbox_worker(ctx, clock) -> Worker:
    return Worker(ctx, MailboxChannel(ctx.settings.mailbox_path), clock=clock)


def test_letters_land_in_the_mailbox_as_eml_files(ctx, letters, clock):
    ids = letters.make(3)
    report = mailbox_worker(ctx, clock).run_once()
    assert report.sent == len(ids) == 6
    files = sorted(ctx.settings.mailbox_path.glob("*"))
    assert len(files) == 6 and all(f.suffix == ".eml" for f in files)
    messages = read_mailbox(ctx.settings.mailbox_path)
    assert sorted(m["Message-ID"] for _, m in messages) == sorted(d.message_id for d in rows(ctx.db))
    assert {m["From"].addresses[0].addr_spec for _, m in messages} == {"letters@union.test"}


def test_sending_the_same_delivery_twice_rewrites_one_file(ctx, letters, clock):
    letters.make(1)
    first = mailbox_worker(ctx, clock)
    claimed = first._claim()
    with first.channel.batch() as sender:
        for delivery in claimed:  # the message is written, then the worker dies before recording it
            sender.send(outgoing_message(delivery, from_address="letters@union.test", org_name="Test Union"))
    assert len(list(ctx.settings.mailbox_path.glob("*.eml"))) == 2

    clock.advance(ctx.settings.worker_lease_seconds + 1)
    assert mailbox_worker(ctx, clock).run_once().sent == 2
    assert sorted(p.name for p in ctx.settings.mailbox_path.iterdir()) == sorted(
        p.name for p in ctx.settings.mailbox_path.glob("*.eml"))  # no partial files left behind
    assert len(read_mailbox(ctx.settings.mailbox_path)) == 2
    assert all(d.status == "sent" and d.attempts == 2 for d in rows(ctx.db))


def test_an_unwritable_mailbox_is_a_temporary_failure(ctx, letters, clock, tmp_path):
    letters.make(1)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("in the way")
    report = Worker(ctx, MailboxChannel(blocker / "mailbox"), clock=clock).run_once()
    assert (report.sent, report.retried) == (0, 2)
    assert all(d.status == "retry" and "cannot write to the mailbox" in d.last_error for d in rows(ctx.db))


def test_mailbox_list_and_show(ctx, letters, clock):
    letters.make(2, first_name="Émilie", last_name="Côté")
    mailbox_worker(ctx, clock).run_once()
    runner = CliRunner()

    listed = runner.invoke(main, ["mailbox", "list"], obj=CliState(ctx.settings))
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[-1] == f"4 messages in {ctx.settings.mailbox_path}"
    assert [line.split()[0] for line in lines[:-1]] == ["1", "2", "3", "4"]
    assert all("Subject: Keep Ontario's public services in Ontario" in line for line in lines[:-1])
    assert sum("To: Sam Demo-Tremblay <mpp.ottawa-centre@demo.invalid>" in line for line in lines) == 2

    shown = runner.invoke(main, ["mailbox", "show", "1"], obj=CliState(ctx.settings))
    assert shown.exit_code == 0, shown.output
    _path, first = read_mailbox(ctx.settings.mailbox_path)[0]
    assert f"Message-ID: {first['Message-ID']}" in shown.output
    assert "\nReply-To: " in shown.output and "supporter1@example.com" in shown.output

    missing = runner.invoke(main, ["mailbox", "show", "9"], obj=CliState(ctx.settings))
    assert missing.exit_code == 1 and "there is no message 9 (the mailbox has 4)" in missing.output


def test_the_worker_command_sends_what_is_due_and_stops_cleanly_on_sigterm(tmp_path):
    env, state = worker_instance(tmp_path, poll_seconds="0.2")
    letters = LetterFactory(state.ctx, Clock(utcnow()))
    letters.make(3)
    worker = start_worker(env, tmp_path)
    try:
        assert wait_for(lambda: all_sent(state))
        letters.clock.now = utcnow()
        letters.make(1)  # written while the worker runs: picked up at its next poll
        assert wait_for(lambda: all_sent(state))
        took, output = stop_worker(worker, tmp_path)
    finally:
        kill_worker(worker)
    assert worker.returncode == 0, output
    assert "Traceback" not in output
    assert took < 15  # generous for a loaded machine; what matters is that it exits by itself
    assert [d.status for d in rows(state.db)] == ["sent"] * 8
    assert sorted(m["Message-ID"] for _, m in read_mailbox(state.settings.mailbox_path)) == sorted(
        d.message_id for d in rows(state.db))
    state.db.dispose()


def test_the_worker_command_stops_promptly_in_the_middle_of_a_long_poll(tmp_path):
    env, state = worker_instance(tmp_path, poll_seconds="600")
    LetterFactory(state.ctx, Clock(utcnow())).make(1)
    worker = start_worker(env, tmp_path)
    try:
        # Once the letter is sent the worker is past start-up and waiting out its ten-minute poll.
        assert wait_for(lambda: all_sent(state))
        took, output = stop_worker(worker, tmp_path)
    finally:
        kill_worker(worker)
        state.db.dispose()
    assert worker.returncode == 0, output
    assert took < 15  # far less than the ten-minute poll it was waiting out
