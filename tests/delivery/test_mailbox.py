"""The development mailbox: letters become .eml files that staff can list and read."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from advocacy.channels.mailbox import MailboxChannel, read_mailbox
from advocacy.cli import CliState, main
from advocacy.config import PROJECT_ROOT, Settings
from advocacy.models.base import utcnow
from advocacy.services.deliveries import outgoing_message
from advocacy.worker import Worker

from ..conftest import prepare_database
from .conftest import Clock, LetterFactory, rows

ADVOCACY = Path(sys.executable).parent / "advocacy"


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


def _wait_for(condition, seconds: float = 30.0) -> bool:
    """Poll another process's progress, bounded; the worker's own timing is not what is measured here."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _instance(tmp_path: Path, poll_seconds: str) -> tuple[dict[str, str], CliState]:
    """Environment and state for an ``advocacy`` process with its own instance directory and SQLite file."""
    instance = tmp_path / "instance"
    env = {key: value for key, value in os.environ.items() if not key.startswith("ADVOCACY_")}
    env.update(ADVOCACY_ENV="test", ADVOCACY_INSTANCE_DIR=str(instance),
               ADVOCACY_CAMPAIGNS_DIR=str(PROJECT_ROOT / "campaigns"), ADVOCACY_FROM_ADDRESS="letters@union.test",
               ADVOCACY_ORG_NAME="Test Union", ADVOCACY_WORKER_POLL_SECONDS=poll_seconds)
    settings = Settings.from_env(env)
    instance.mkdir()
    prepare_database(settings.sqlalchemy_url).dispose()
    return env, CliState(settings)


def _stop(worker: subprocess.Popen) -> tuple[float, bytes]:
    """SIGTERM the worker; how long it took to exit, and what it wrote to stderr."""
    stopping = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    _out, err = worker.communicate(timeout=30)
    return time.monotonic() - stopping, err


def _all_sent(state: CliState) -> bool:
    return all(d.status == "sent" for d in rows(state.db))


def test_the_worker_command_sends_what_is_due_and_stops_cleanly_on_sigterm(tmp_path):
    env, state = _instance(tmp_path, poll_seconds="0.2")
    letters = LetterFactory(state.ctx, Clock(utcnow()))
    letters.make(3)
    worker = subprocess.Popen([str(ADVOCACY), "worker"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        assert _wait_for(lambda: _all_sent(state))
        letters.clock.now = utcnow()
        letters.make(1)  # written while the worker runs: picked up at its next poll
        assert _wait_for(lambda: _all_sent(state))
        took, err = _stop(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, err.decode()
    assert b"Traceback" not in err
    assert took < 5
    assert [d.status for d in rows(state.db)] == ["sent"] * 8
    assert sorted(m["Message-ID"] for _, m in read_mailbox(state.settings.mailbox_path)) == sorted(
        d.message_id for d in rows(state.db))
    state.db.dispose()


def test_the_worker_command_stops_promptly_in_the_middle_of_a_long_poll(tmp_path):
    env, state = _instance(tmp_path, poll_seconds="600")
    LetterFactory(state.ctx, Clock(utcnow())).make(1)
    worker = subprocess.Popen([str(ADVOCACY), "worker"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        # Once the letter is sent the worker is past start-up and waiting out its ten-minute poll.
        assert _wait_for(lambda: _all_sent(state))
        took, err = _stop(worker)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
        state.db.dispose()
    assert worker.returncode == 0, err.decode()
    assert took < 5
