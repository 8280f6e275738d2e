"""Jobs that are due from time to time rather than per request: run by every worker and by cron.

Confirmation reminders (after a day), deletion of unconfirmed actions (after 7 days), and
petition deliveries whose milestone, schedule slot or close has come. Each job is idempotent,
so several workers running them is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ..catalog import Catalog
from ..providers import RepresentativeProvider
from . import confirmations
from .petition_delivery import queue_due_petition_deliveries
from .supporter_mail import MailSettings


@dataclass(frozen=True)
class HousekeepingReport:
    reminders: int
    expired: int
    petition_deliveries: int

    def __str__(self) -> str:
        return (f"{self.reminders} reminders, {self.expired} unconfirmed actions deleted, "
                f"{self.petition_deliveries} petition deliveries queued")


def run_housekeeping(session: Session, catalog: Catalog, provider: RepresentativeProvider, *, mail: MailSettings,
                     now: datetime) -> HousekeepingReport:
    reminders = confirmations.send_reminders(session, catalog.get, mail=mail, now=now)
    expired = confirmations.expire_unconfirmed(session, now=now)
    petitions = queue_due_petition_deliveries(session, catalog, provider, now=now, mail=mail)
    return HousekeepingReport(reminders, expired, len(petitions))
