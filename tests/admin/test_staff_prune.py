"""Housekeeping prunes staff sign-in records hourly: old login attempts and sessions past their lifetime go,
while a signed-in staff member stays signed in."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import func, select

from advocacy.cli import CliState, main
from advocacy.models import LoginAttempt, StaffSession
from advocacy.models.base import utcnow
from advocacy.services import staff_sessions
from advocacy.worker import Worker

from .conftest import make_staff
from .test_dashboard import RefusingChannel


def stale_and_fresh_records(db, staff) -> None:
    """Two records past use (an attempt older than the throttle window, a session past 8 hours) and two not."""
    now = utcnow()
    with db.transaction() as session:
        staff_sessions.record_attempt(session, staff.email, "192.0.2.1", succeeded=False, now=now - timedelta(hours=1))
        staff_sessions.record_attempt(session, staff.email, "192.0.2.1", succeeded=False, now=now)
        staff_sessions.start_session(session, staff, "full", now=now - timedelta(hours=9))
        staff_sessions.start_session(session, staff, "full", now=now - timedelta(minutes=5))


def counts(db) -> tuple[int, int]:
    with db.transaction() as session:
        return (session.scalar(select(func.count()).select_from(LoginAttempt)),
                session.scalar(select(func.count()).select_from(StaffSession)))


def test_the_workers_housekeeping_prunes_old_sign_in_records_hourly(ctx, db):
    staff, _password = make_staff(db)
    stale_and_fresh_records(db, staff)
    worker = Worker(ctx, RefusingChannel())
    worker.run_once()
    assert counts(db) == (1, 1)
    stale_and_fresh_records(db, staff)
    worker._housekeeping_at = None  # the next minute's housekeeping
    worker.run_once()
    assert counts(db) == (3, 3)  # within the hour: left for the next prune


def test_the_housekeeping_command_prunes_and_says_how_many(settings, db):
    staff, _password = make_staff(db)
    stale_and_fresh_records(db, staff)
    result = CliRunner().invoke(main, ["housekeeping"], obj=CliState(settings), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "2 staff sign-in records pruned" in result.output
    assert counts(db) == (1, 1)


def test_a_signed_in_staff_member_stays_signed_in_after_the_prune(settings, staff_client):
    campaigner = staff_client("campaigner")
    assert CliRunner().invoke(main, ["housekeeping"], obj=CliState(settings)).exit_code == 0
    assert campaigner.get("/admin/campaigns").status_code == 200
