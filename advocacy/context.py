"""What views, commands and the worker share: settings, database, catalog and provider chain."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Catalog
from .config import Settings
from .db import Database
from .providers import ProviderChain


@dataclass
class AppContext:
    settings: Settings
    db: Database
    catalog: Catalog
    provider: ProviderChain

    @property
    def message_domain(self) -> str:
        """The right-hand side of our Message-IDs: the domain of the sending address."""
        return self.settings.from_address.rpartition("@")[2] or "localhost"
