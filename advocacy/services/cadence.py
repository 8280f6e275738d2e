"""How often a periodic job runs when housekeeping itself runs every minute in every worker."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session


class Cadence:
    """At most one run per ``every`` for each database, in this process (jobs that scan whole tables).

    Ask ``due`` before the job and call ``done`` after it, so a job that failed is tried again at the next
    housekeeping rather than an ``every`` later.
    """

    def __init__(self, every: timedelta) -> None:
        self.every = every
        self._last: dict[str, datetime] = {}

    def due(self, session: Session, now: datetime) -> bool:
        last = self._last.get(_database(session))
        return last is None or not last <= now < last + self.every

    def done(self, session: Session, now: datetime) -> None:
        self._last[_database(session)] = now


def _database(session: Session) -> str:
    return str(session.get_bind().url)
