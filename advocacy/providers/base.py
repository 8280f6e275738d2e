"""The provider interface, the registry and the chain that asks providers in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy.orm import Session

from ..config import Settings
from ..domain.types import Lookup, Representative


class RepresentativeProvider(Protocol):
    """Finds representatives. Providers receive only a postal code or an office key, never a name or email."""

    name: str

    def lookup(self, session: Session, postal_code: str) -> Lookup | None:
        """Representatives by level for a normalised postal code, or ``None`` when the code is unknown."""
        ...

    def official(self, session: Session, office: str) -> Representative | None:
        """The holder of a fixed office (``premier-of-ontario``), or ``None``."""
        ...


ProviderFactory = Callable[[Settings], RepresentativeProvider]
PROVIDERS: dict[str, ProviderFactory] = {}


def register(name: str) -> Callable[[ProviderFactory], ProviderFactory]:
    def decorate(factory: ProviderFactory) -> ProviderFactory:
        PROVIDERS[name] = factory
        return factory

    return decorate


class ProviderChain:
    """Asks each provider in turn; the first that knows the answer wins."""

    name = "chain"

    def __init__(self, providers: Sequence[RepresentativeProvider]) -> None:
        self.providers = list(providers)

    def lookup(self, session: Session, postal_code: str) -> Lookup | None:
        for provider in self.providers:
            found = provider.lookup(session, postal_code)
            if found is not None:
                return found
        return None

    def official(self, session: Session, office: str) -> Representative | None:
        for provider in self.providers:
            found = provider.official(session, office)
            if found is not None:
                return found
        return None


def build_chain(settings: Settings) -> ProviderChain:
    from . import directory  # noqa: F401 - registers the built-in providers

    unknown = [name for name in settings.providers if name not in PROVIDERS]
    if unknown:
        raise ValueError(f"ADVOCACY_PROVIDERS names unknown providers: {', '.join(unknown)} "
                         f"(known: {', '.join(sorted(PROVIDERS))})")
    return ProviderChain([PROVIDERS[name](settings) for name in settings.providers])
