"""Campaigns kept in the database (made in the admin editor) and the revision that tells processes to reload."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db import Database
from ..models.stored_campaign import CatalogRevision, StoredCampaign
from .loader import CampaignFileError, load_campaign_text, load_directory
from .registry import Catalog, StoredState
from .schema import Campaign

log = logging.getLogger(__name__)


def stored_name(slug: str) -> str:
    """How problems in a stored campaign are named: like the file it would be."""
    return f"{slug}.toml"


def campaign_from_row(row: StoredCampaign) -> Campaign:
    """The campaign a stored row describes; ``CampaignFileError`` if its text no longer validates."""
    assert row.source is not None  # noqa: S101 - status-only rows have no campaign of their own  # nosec B101
    campaign = load_campaign_text(row.source, stored_name(row.slug), slug=row.slug)
    return campaign.model_copy(update={"status": row.status})


class DatabaseCampaigns:
    """The catalog's source of stored campaigns: one small read per check, everything only on a change."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def revision(self) -> int:
        with self.db.session() as session:
            return session.scalar(select(CatalogRevision.revision).where(CatalogRevision.id == 1)) or 0

    def load(self) -> StoredState:
        with self.db.session() as session:
            revision = session.scalar(select(CatalogRevision.revision).where(CatalogRevision.id == 1)) or 0
            rows = session.scalars(select(StoredCampaign).order_by(StoredCampaign.slug)).all()
        campaigns, statuses = [], {}
        for row in rows:
            if row.source is None:
                statuses[row.slug] = row.status
                continue
            try:
                campaigns.append(campaign_from_row(row))
            except CampaignFileError as exc:  # written valid; a later schema change can still refuse it
                log.error("stored campaign %s no longer validates and is not shown:\n%s", row.slug, exc)
        return StoredState(revision, tuple(campaigns), statuses)


def bump_revision(session: Session) -> None:
    """Tell every process its catalog is stale; call in the transaction that changes ``stored_campaigns``."""
    changed = session.execute(update(CatalogRevision).where(CatalogRevision.id == 1)
                              .values(revision=CatalogRevision.revision + 1))
    if not changed.rowcount:  # type: ignore[attr-defined]
        session.add(CatalogRevision(id=1, revision=1))
    session.flush()


def open_catalog(campaigns_dir: Path, db: Database, *, refresh_seconds: float) -> Catalog:
    """The files (``CampaignFileError`` if any is invalid) and the stored campaigns, kept current."""
    return Catalog(load_directory(campaigns_dir), source=DatabaseCampaigns(db), refresh_seconds=refresh_seconds)
