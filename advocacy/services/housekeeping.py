"""Jobs that are due from time to time rather than per request: run by every worker and by cron.

Confirmation reminders (after a day), deletion of unconfirmed actions (after 7 days),
petition deliveries whose milestone, schedule slot or close has come, and (hourly) the retention
purge and the pruning of staff sign-in records (old login attempts, sessions that can no longer be used).
Each job is idempotent, so several workers running them is harmless. After these, in a transaction of its own,
the worker and ``advocacy housekeeping`` fold the dashboard counters' change logs (services/counters.fold_counters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ..catalog import Catalog
from ..providers import RepresentativeProvider
from . import confirmations, staff_sessions
from .cadence import Cadence
from .petition_delivery import queue_due_petition_deliveries
from .privacy import PURGE_EVERY, PurgeReport, RetentionPolicy, purge_if_due
from .supporter_mail import MailSettings

STAFF_PRUNE_CADENCE = Cadence(PURGE_EVERY)  # hourly, like the retention purge


@dataclass(frozen=True)
class HousekeepingReport:
    reminders: int
    expired: int
    petition_deliveries: int
    purged: PurgeReport = PurgeReport()  # the hourly retention purge, when it ran (services/privacy.py)
    staff_pruned: int = 0  # login attempts and staff sessions deleted by the hourly prune

    @property
    def anything_done(self) -> bool:
        return bool(self.reminders or self.expired or self.petition_deliveries or self.purged.total
                    or self.staff_pruned)

    def __str__(self) -> str:
        done = (f"{self.reminders} reminders, {self.expired} unconfirmed actions deleted, "
                f"{self.petition_deliveries} petition deliveries queued")
        if self.purged.total:
            done += f"; retention: {self.purged}"
        return f"{done}; {self.staff_pruned} staff sign-in records pruned" if self.staff_pruned else done


def run_housekeeping(session: Session, catalog: Catalog, provider: RepresentativeProvider, *, mail: MailSettings,
                     now: datetime, retention: RetentionPolicy | None = None,
                     staff_timeouts: staff_sessions.Timeouts | None = None) -> HousekeepingReport:
    """Every job that is due; ``staff_timeouts`` (the admin's configured ones) turn on the staff prune."""
    reminders = confirmations.send_reminders(session, catalog.get, mail=mail, now=now)
    expired = confirmations.expire_unconfirmed(session, now=now)
    petitions = queue_due_petition_deliveries(session, catalog, provider, now=now, mail=mail)
    purged = purge_if_due(session, catalog, retention or RetentionPolicy(), now=now)
    pruned = 0
    if staff_timeouts is not None and STAFF_PRUNE_CADENCE.due(session, now):
        pruned = staff_sessions.prune(session, staff_timeouts, now=now)
        STAFF_PRUNE_CADENCE.done(session, now)
    return HousekeepingReport(reminders, expired, len(petitions), purged, pruned)
