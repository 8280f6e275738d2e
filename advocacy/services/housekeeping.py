"""Jobs that are due from time to time rather than per request: run by every worker and by cron.

Confirmation reminders (after a day), deletion of unconfirmed actions (after 7 days),
petition deliveries whose milestone, schedule slot or close has come, and (hourly) the retention
purge. Each job is idempotent, so several workers running them is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ..catalog import Catalog
from ..providers import RepresentativeProvider
from . import confirmations
from .petition_delivery import queue_due_petition_deliveries
from .privacy import PurgeReport, RetentionPolicy, purge_if_due
from .supporter_mail import MailSettings


@dataclass(frozen=True)
class HousekeepingReport:
    reminders: int
    expired: int
    petition_deliveries: int
    purged: PurgeReport = PurgeReport()  # the hourly retention purge, when it ran (services/privacy.py)

    def __str__(self) -> str:
        done = (f"{self.reminders} reminders, {self.expired} unconfirmed actions deleted, "
                f"{self.petition_deliveries} petition deliveries queued")
        return f"{done}; retention: {self.purged}" if self.purged.total else done


def run_housekeeping(session: Session, catalog: Catalog, provider: RepresentativeProvider, *, mail: MailSettings,
                     now: datetime, retention: RetentionPolicy | None = None) -> HousekeepingReport:
    reminders = confirmations.send_reminders(session, catalog.get, mail=mail, now=now)
    expired = confirmations.expire_unconfirmed(session, now=now)
    petitions = queue_due_petition_deliveries(session, catalog, provider, now=now, mail=mail)
    purged = purge_if_due(session, catalog, retention or RetentionPolicy(), now=now)
    return HousekeepingReport(reminders, expired, len(petitions), purged)
