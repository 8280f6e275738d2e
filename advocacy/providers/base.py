"""The provider interface, the registry and the chain that asks providers in order."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from sqlalchemy.orm import Session

from ..config import Settings
from ..domain.types import ELECTED_LEVELS, Lookup, Representative


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
    """Asks each provider in turn; the first that knows the answer wins.

    Levels the winner knows nothing about (a town Represent does not cover) are filled from the
    providers after it, so a union's own directory rows complete a live answer.
    """

    name = "chain"

    def __init__(self, providers: Sequence[RepresentativeProvider]) -> None:
        self.providers = list(providers)

    def lookup(self, session: Session, postal_code: str) -> Lookup | None:
        found: Lookup | None = None
        for provider in self.providers:
            answer = provider.lookup(session, postal_code)
            if answer is None:
                continue
            if found is None:
                found = answer
            else:
                found = _fill(found, answer)
            if all(found.choices(level) for level in ELECTED_LEVELS):
                break
        return found

    def official(self, session: Session, office: str) -> Representative | None:
        for provider in self.providers:
            found = provider.official(session, office)
            if found is not None:
                return found
        return None


def _fill(first: Lookup, later: Lookup) -> Lookup:
    missing = [level for level in ELECTED_LEVELS if not first.choices(level) and later.choices(level)]
    if not missing:
        return first
    return replace(first, representatives={**first.representatives, **{lv: later.at(lv) for lv in missing}},
                   candidates={**first.candidates, **{lv: later.choices(lv) for lv in missing}})


# The built-in providers' modules, imported only when the settings name them: Represent's brings
# requests and its cache (several MiB in every web worker) that a directory-only instance never uses.
BUILT_IN = {"directory": ".directory", "represent": ".represent"}


def build_chain(settings: Settings) -> ProviderChain:
    for name in settings.providers:
        if name not in PROVIDERS and name in BUILT_IN:
            importlib.import_module(BUILT_IN[name], __package__)  # registers the provider
    unknown = [name for name in settings.providers if name not in PROVIDERS]
    if unknown:
        raise ValueError(f"ADVOCACY_PROVIDERS names unknown providers: {', '.join(unknown)} "
                         f"(known: {', '.join(sorted(set(PROVIDERS) | set(BUILT_IN)))})")
    return ProviderChain([PROVIDERS[name](settings) for name in settings.providers])
