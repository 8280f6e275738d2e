"""Counts shown to the public and to staff."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import and_, bindparam, event, func, select
from sqlalchemy.orm import Session

from ..models import Action

# The campaign page is the busiest page and shows a progress count. A visitor cannot tell a count
# a few seconds old from an exact one, so each process keeps it this long. A process forgets its
# copy when it writes an action of that campaign itself, so a signer sees their own; other processes
# catch up within these seconds. Staff pages and the delivery worker use count_actions, always exact.
PUBLIC_COUNT_SECONDS = 5.0
_public_counts: dict[tuple[str, str], tuple[float, int]] = {}


# Built once: building it cost more than running it.
# Counted: confirmed by the supporter (or needing no confirmation) and not held or rejected in review.
COUNTED = and_(Action.status == "confirmed", Action.review == "")
_COUNT = select(func.count()).select_from(Action).where(Action.campaign_slug == bindparam("slug"), COUNTED)


def count_actions(session: Session, slug: str) -> int:
    """Counted actions on a campaign (signatures or letters; see COUNTED): the number on the progress bar."""
    return session.scalar(_COUNT, {"slug": slug}) or 0


def _cache_key(session: Session, slug: str) -> tuple[str, str]:
    # Per database as well as per campaign: one process may serve several (the tests do).
    return str(session.get_bind().url), slug


@event.listens_for(Action, "after_insert")
@event.listens_for(Action, "after_update")
@event.listens_for(Action, "after_delete")
def _forget_on_write(_mapper: Any, connection: Any, action: Action) -> None:
    # Actions written through the ORM (letters, confirmations); Core inserts call forget_public_count.
    _public_counts.pop((str(connection.engine.url), action.campaign_slug), None)


def public_count(session: Session, slug: str) -> int:
    """``count_actions`` as the public sees it: at most PUBLIC_COUNT_SECONDS old."""
    key = _cache_key(session, slug)
    kept = kept_public_count(*key)
    if kept is not None:
        return kept
    count = count_actions(session, slug)
    _public_counts[key] = (time.monotonic() + PUBLIC_COUNT_SECONDS, count)
    return count


def kept_public_count(database: str, slug: str) -> int | None:
    """The count ``public_count`` keeps for ``slug`` while it is fresh, else None; ``database`` names the database
    as ``str(engine.url)`` does. A page view that finds one needs no database session at all."""
    cached = _public_counts.get((database, slug))
    return cached[1] if cached is not None and cached[0] > time.monotonic() else None


def forget_public_count(session: Session, slug: str) -> None:
    _public_counts.pop(_cache_key(session, slug), None)
