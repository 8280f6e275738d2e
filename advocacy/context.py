"""What views, commands and the worker share: settings, database, catalog and provider chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from .catalog import Catalog
from .config import Settings
from .db import Database
from .providers import ProviderChain
from .services.privacy import RetentionPolicy
from .services.staff_sessions import Timeouts
from .services.supporter_mail import MailSettings


@dataclass
class AppContext:
    settings: Settings
    db: Database
    catalog: Catalog
    provider: ProviderChain

    @property
    def mail(self) -> MailSettings:
        s = self.settings
        return MailSettings(templates_dir=s.templates_dir, org_name=s.org_name, base_url=s.base_url,
                            secret_key=s.secret_key, message_domain=self.message_domain, org_address=s.org_address)

    @property
    def retention(self) -> RetentionPolicy:
        s = self.settings
        return RetentionPolicy(letter_days=s.letter_retention_days, ip_days=s.ip_retention_days,
                               anonymise_days=s.anonymise_after_close_days)

    @property
    def staff_timeouts(self) -> Timeouts:
        """How long a staff sign-in lasts: idle, and at most (for the admin and the housekeeping prune)."""
        s = self.settings
        return Timeouts(idle=timedelta(minutes=s.admin_idle_minutes), absolute=timedelta(hours=s.admin_session_hours))

    @property
    def message_domain(self) -> str:
        """The right-hand side of our Message-IDs: the domain of the sending address."""
        return self.settings.from_address.rpartition("@")[2] or "localhost"
