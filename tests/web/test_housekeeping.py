"""Workers run the periodic jobs: a reminder a day later, deletion after 7 days, due petition deliveries."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import func, select

from advocacy.channels import build_channel
from advocacy.channels.mailbox import read_mailbox
from advocacy.cli import CliState, main
from advocacy.models import Action, Delivery
from advocacy.models.base import utcnow
from advocacy.worker import Worker

from ..conftest import post_form

ME = {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com", "postal_code": "K1P 5J2", "intent": "send"}


def subjects(ctx) -> list[str]:
    return [str(m["Subject"]).strip() for _path, m in read_mailbox(ctx.settings.mailbox_path)]


def test_worker_reminds_once_then_deletes_what_was_never_confirmed(client, ctx, db):
    post_form(client, "/campaigns/stop-offshoring", ME)
    start = utcnow()
    Worker(ctx, build_channel(ctx.settings), clock=lambda: start).run_once()
    assert [s for s in subjects(ctx) if s.startswith("Confirm your letter")]

    later = start + timedelta(hours=25)
    worker = Worker(ctx, build_channel(ctx.settings), clock=lambda: later)
    worker.run_once()
    worker.run_once()  # within the minute: housekeeping does not run again
    assert len([s for s in subjects(ctx) if s.startswith("Reminder: confirm your letter")]) == 1

    week = start + timedelta(days=8)
    Worker(ctx, build_channel(ctx.settings), clock=lambda: week).run_once()
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Action)) == 0
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0


def test_housekeeping_command(settings, db):
    result = CliRunner().invoke(main, ["housekeeping"], obj=CliState(settings), catch_exceptions=False)
    assert result.exit_code == 0
    assert "0 reminders, 0 unconfirmed actions deleted, 0 petition deliveries queued" in result.output
