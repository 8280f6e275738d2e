"""The dashboard's running totals: folding the triggers' change logs into them, and reading them exactly.

The triggers of migration 0014 only append to the change logs (models/counters.py), so no user transaction
waits on a shared total. ``fold_counters`` moves the logged changes into the totals in a transaction of its own
(housekeeping runs it every minute; anything may call it); ``current_totals`` adds the changes not folded yet, so
a reader's figures are exact whether or not a fold has run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, func, select, text, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import (
    ActionCountByHour,
    ActionCountByRiding,
    ActionCountBySource,
    ActionCountChange,
    DeliveryCount,
    DeliveryCountChange,
    LetterCountByOffice,
    LetterOffice,
    LetterOfficeChange,
)

# One fold at a time per PostgreSQL database: a second one (another worker) skips rather than waits.
FOLD_LOCK = 0x14C0_FD  # an arbitrary bigint naming this lock among pg advisory locks
OFFICE_NAMES = ("recipient_name", "recipient_office", "recipient_district")


# Which logged changes count towards a total, as column values; services/stats.COUNTED on a change log.
COUNTED = {"status": "confirmed", "review": ""}
LETTERS = {"kind": "letter"}

# Each total, the log that feeds it, its key columns and which logged changes count towards it. The readers
# filter with these values in SQL and the fold in Python: one rule, two places it is applied.
FEEDS: tuple[tuple[type, type, tuple[str, ...], dict[str, str]], ...] = (
    (ActionCountByRiding, ActionCountChange, ("campaign_slug", "district", "status", "review"), {}),
    (ActionCountByHour, ActionCountChange, ("campaign_slug", "hour"), COUNTED),
    (ActionCountBySource, ActionCountChange, ("campaign_slug", "source"), COUNTED),
    (DeliveryCount, DeliveryCountChange, ("campaign_slug", "kind", "status"), {}),
    (LetterCountByOffice, DeliveryCountChange, ("campaign_slug", "office_key", "status"), LETTERS),
)


def current_totals(session: Session, totals: type, campaign: str | None = None) -> Sequence[Row[Any]]:
    """(keys..., total) of a counter table for every campaign (or one): kept totals plus unfolded changes,
    totals of 0 left out."""
    _, changes, keys, counts = next(feed for feed in FEEDS if feed[0] is totals)
    kept = select(*(getattr(totals, key) for key in keys), totals.total.label("total"))
    logged = select(*(getattr(changes, key) for key in keys), changes.delta.label("total")).where(
        *(getattr(changes, column) == value for column, value in counts.items()))
    if campaign is not None:
        kept, logged = kept.where(totals.campaign_slug == campaign), logged.where(changes.campaign_slug == campaign)
    both = union_all(kept, logged).subquery()
    columns, total = [both.c[key] for key in keys], func.sum(both.c.total)
    return session.execute(select(*columns, total).group_by(*columns).having(total > 0)).all()


def office_names(session: Session, campaign: str) -> dict[str, tuple[str, str, str]]:
    """Each office inbox of a campaign: (name, office, district) as the latest letter to it gives them."""
    names = {row[0]: tuple(row[1:]) for row in session.execute(
        select(LetterOffice.office_key, *(getattr(LetterOffice, name) for name in OFFICE_NAMES))
        .where(LetterOffice.campaign_slug == campaign))}
    for row in session.execute(select(LetterOfficeChange.office_key,
                                      *(getattr(LetterOfficeChange, name) for name in OFFICE_NAMES))
                               .where(LetterOfficeChange.campaign_slug == campaign).order_by(LetterOfficeChange.id)):
        names[row[0]] = tuple(row[1:])
    return names


def fold_counters(session: Session) -> int:
    """Add the logged changes (up to the newest id now) into the totals and delete them; the number folded.

    Run it in a short transaction of its own, never inside a request's or a claim's. The rows added are
    exactly the rows this fold deleted (DELETE ... RETURNING), so a change committed meanwhile waits for the
    next fold; on PostgreSQL a fold that finds another one running returns 0 at once (SQLite serialises
    writers anyway)."""
    upsert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    if upsert is postgresql.insert and not session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                                          {"key": FOLD_LOCK}):
        return 0
    folded = 0
    for changes in (ActionCountChange, DeliveryCountChange):
        rows = _take(session, changes)
        folded += len(rows)
        for totals, feeds, keys, counts in FEEDS:
            if feeds is changes:
                _add(session, upsert, totals, keys,
                     [row for row in rows if all(getattr(row, column) == value for column, value in counts.items())])
    rows = sorted(_take(session, LetterOfficeChange), key=lambda row: row.id)
    folded += len(rows)
    latest = {(row.campaign_slug, row.office_key): row for row in rows}
    if latest:
        statement = upsert(LetterOffice)
        session.execute(statement.on_conflict_do_update(
            index_elements=["campaign_slug", "office_key"],
            set_={name: getattr(statement.excluded, name) for name in OFFICE_NAMES}),
            [{name: getattr(row, name) for name in ("campaign_slug", "office_key", *OFFICE_NAMES)}
             for row in latest.values()])
    return folded


def _take(session: Session, changes: type) -> Sequence[Row[Any]]:
    """Delete a log's rows up to its newest id now, returning them."""
    watermark = session.scalar(select(func.max(changes.id)))
    if watermark is None:
        return []
    return session.execute(delete(changes).where(changes.id <= watermark).returning(*changes.__table__.c)).all()


def _add(session: Session, upsert: Any, totals: type, keys: tuple[str, ...], rows: list[Row[Any]]) -> None:
    sums = Counter[tuple[str, ...]]()
    for row in rows:
        sums[tuple(getattr(row, key) for key in keys)] += row.delta
    values = [dict(zip(keys, key, strict=True), total=total) for key, total in sums.items() if total]
    if values:
        statement = upsert(totals)
        session.execute(statement.on_conflict_do_update(
            index_elements=list(keys), set_={"total": totals.total + statement.excluded.total}), values)
