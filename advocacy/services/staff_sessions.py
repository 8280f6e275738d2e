"""Staff sign-in state kept in the database: server-side sessions and login throttling.

A session's id lives only in the admin cookie; the table keeps its SHA-256, so a leaked table opens no
session. Throttling counts failed attempts in the table, so the limits hold across web processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..models import LoginAttempt, Staff, StaffSession
from ..tokens import email_hash, hash_token, new_token

PENDING_LIFETIME = timedelta(minutes=10)  # between the password and the code
TOUCH_RESOLUTION = timedelta(seconds=60)  # note activity at most this often: a write per page view is waste
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_ACCOUNT_FAILURES = 5
MAX_ADDRESS_FAILURES = 20


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta
    absolute: timedelta


def start_session(session: Session, staff: Staff, stage: str, *, now: datetime, next_url: str = "") -> str:
    """A new random session id (never one the browser brought: no session fixation); returns the cookie value."""
    token = new_token()
    session.add(StaffSession(token_hash=hash_token(token), staff_id=staff.id, stage=stage, next_url=next_url[:500],
                             created_at=now, last_seen_at=now))
    session.flush()
    return token


def find_session(session: Session, token: str, stage: str, timeouts: Timeouts, *,
                 now: datetime) -> StaffSession | None:
    """The live session of this stage for the cookie value, or None (unknown, ended, timed out, account off)."""
    if not token:
        return None
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == hash_token(token)))
    if row is None or row.ended_at is not None or row.stage != stage:
        return None
    staff = session.get(Staff, row.staff_id)
    if staff is None or staff.disabled_at is not None:
        return None
    absolute = PENDING_LIFETIME if stage == "password" else timeouts.absolute
    if now - row.created_at >= absolute or now - row.last_seen_at >= timeouts.idle:
        return None
    return row


def needs_touch(row: StaffSession, *, now: datetime) -> bool:
    return now - row.last_seen_at >= TOUCH_RESOLUTION


def touch(session: Session, session_id: int, *, now: datetime) -> None:
    session.execute(update(StaffSession).where(StaffSession.id == session_id, StaffSession.ended_at.is_(None))
                    .values(last_seen_at=now))


def end_session(session: Session, token: str, *, now: datetime) -> StaffSession | None:
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == hash_token(token))) if token else None
    if row is not None and row.ended_at is None:
        row.ended_at = now
        session.flush()
    return row


def end_all_sessions(session: Session, staff_id: int, *, now: datetime) -> int:
    """End every session of an account (password change, disabling, new set-up); returns how many."""
    result = session.execute(update(StaffSession).where(StaffSession.staff_id == staff_id,
                                                        StaffSession.ended_at.is_(None)).values(ended_at=now))
    return result.rowcount or 0


def login_locked(session: Session, email: str, address: str, *, now: datetime) -> bool:
    """True after too many recent failures for this account (known or not) or from this address."""
    since = now - THROTTLE_WINDOW
    key = email_hash(email)
    last_success = session.scalar(select(func.max(LoginAttempt.created_at))
                                  .where(LoginAttempt.email_hash == key, LoginAttempt.succeeded.is_(True)))
    account_since = max(since, last_success) if last_success else since
    account_failures = session.scalar(select(func.count()).where(
        LoginAttempt.email_hash == key, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > account_since))
    if (account_failures or 0) >= MAX_ACCOUNT_FAILURES:
        return True
    address_failures = session.scalar(select(func.count()).where(
        LoginAttempt.address == address[:64], LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > since))
    return (address_failures or 0) >= MAX_ADDRESS_FAILURES


def record_attempt(session: Session, email: str, address: str, *, succeeded: bool, now: datetime) -> None:
    session.add(LoginAttempt(email_hash=email_hash(email), address=address[:64], succeeded=succeeded,
                             created_at=now))
    session.flush()


def prune(session: Session, timeouts: Timeouts, *, now: datetime) -> int:
    """Delete attempts older than the throttle window and sessions that can no longer be used."""
    removed = session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - THROTTLE_WINDOW)).rowcount
    removed += session.execute(delete(StaffSession).where(
        StaffSession.created_at < now - max(timeouts.absolute, PENDING_LIFETIME))).rowcount
    return removed or 0
