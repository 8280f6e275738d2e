"""The catalog: every loaded campaign by slug, immutable once the app is built."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from .schema import Campaign


class Catalog:
    def __init__(self, campaigns: Iterable[Campaign] = ()) -> None:
        self._by_slug = {c.slug: c for c in campaigns}

    def get(self, slug: str) -> Campaign | None:
        return self._by_slug.get(slug)

    def __iter__(self) -> Iterator[Campaign]:
        return iter(self._by_slug.values())

    def __len__(self) -> int:
        return len(self._by_slug)

    def listed(self, now: datetime) -> list[Campaign]:
        """Public campaigns that accept actions now, in a stable order."""
        return sorted((c for c in self if c.listed and c.is_open(now)), key=lambda c: c.title)
