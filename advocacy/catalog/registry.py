"""The catalog: every campaign by slug, from the campaign files and, when a source is given, the database.

Campaign files are read once, when the app starts. Campaigns made in the admin editor, and the status staff
give any campaign, live in the database; every process sees them without a restart because the catalog
compares one revision number (a single-row read) at most once every ``refresh_seconds``, and reloads the
stored campaigns only when that number has changed. The process that made a change calls ``refresh()``
to see it at once. Readers never wait: the new set replaces the old in one assignment.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from .schema import Campaign

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredState:
    """What the database holds: campaigns made in the browser, and status overrides of file campaigns."""

    revision: int
    campaigns: tuple[Campaign, ...] = ()
    statuses: dict[str, str] = field(default_factory=dict)  # file campaign slug -> status staff gave it


class CampaignSource(Protocol):
    def revision(self) -> int:
        """The current revision: cheap, read on every check."""

    def load(self) -> StoredState:
        """Everything stored, read only when the revision has changed."""


class Catalog:
    def __init__(self, campaigns: Iterable[Campaign] = (), *, source: CampaignSource | None = None,
                 refresh_seconds: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.files: dict[str, Campaign] = {c.slug: c for c in campaigns}  # as the files say, never overridden
        self._by_slug = dict(self.files)
        self._stored: frozenset[str] = frozenset()
        self._source = source
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._checked_at: float | None = None
        self._revision: int | None = None
        self._lock = threading.Lock()
        self._failing = False

    # -- reading ------------------------------------------------------------
    def get(self, slug: str) -> Campaign | None:
        return self._current().get(slug)

    def __iter__(self) -> Iterator[Campaign]:
        return iter(list(self._current().values()))

    def __len__(self) -> int:
        return len(self._current())

    def listed(self, now: datetime) -> list[Campaign]:
        """Public campaigns that accept actions now, in a stable order."""
        return sorted((c for c in self if c.listed and c.is_open(now)), key=lambda c: c.title)

    def is_stored(self, slug: str) -> bool:
        """True for a campaign made in the browser (not a file)."""
        self._current()
        return slug in self._stored

    @property
    def revision(self) -> int | None:
        """The revision of the stored campaigns this catalog holds (None before the first load)."""
        self._current()
        return self._revision

    # -- keeping current ----------------------------------------------------
    def _current(self) -> dict[str, Campaign]:
        if self._source is not None:
            checked = self._checked_at
            if checked is None or self._clock() - checked >= self._refresh_seconds:
                self._check(force=False)
        return self._by_slug

    def refresh(self) -> None:
        """Check the database now (after this process changed it, so the change shows at once)."""
        if self._source is not None:
            self._check(force=True)

    def _check(self, *, force: bool) -> None:
        # One thread checks; the others carry on with the set they have rather than queue behind it.
        if not self._lock.acquire(blocking=force):
            return
        try:
            self._checked_at = self._clock()
            assert self._source is not None  # type narrowing: only called with a source  # nosec B101
            try:
                if self._source.revision() == self._revision:
                    return
                state = self._source.load()
            except Exception as exc:  # a database hiccup keeps the campaigns we have
                if not self._failing:
                    log.warning("could not read stored campaigns, keeping the ones loaded: %s", exc)
                self._failing = True
                return
            self._failing = False
            self._apply(state)
        finally:
            self._lock.release()

    def _apply(self, state: StoredState) -> None:
        merged = {slug: campaign.model_copy(update={"status": state.statuses[slug]})
                  if slug in state.statuses else campaign for slug, campaign in self.files.items()}
        stored = set()
        for campaign in state.campaigns:
            if campaign.slug in merged:  # a file added later with a slug the editor had used: the file wins
                log.warning("stored campaign %s ignored: a campaign file has the same slug", campaign.slug)
                continue
            merged[campaign.slug] = campaign
            stored.add(campaign.slug)
        self._by_slug, self._stored, self._revision = merged, frozenset(stored), state.revision
