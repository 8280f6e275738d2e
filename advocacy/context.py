"""What views, commands and the worker share: settings, database, catalog and provider chain."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Catalog
from .config import Settings
from .db import Database
from .providers import ProviderChain
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
                            secret_key=s.secret_key, message_domain=self.message_domain)

    @property
    def message_domain(self) -> str:
        """The right-hand side of our Message-IDs: the domain of the sending address."""
        return self.settings.from_address.rpartition("@")[2] or "localhost"
