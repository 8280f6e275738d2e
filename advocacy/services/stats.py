"""Counts shown to the public and to staff."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Action


def count_actions(session: Session, slug: str) -> int:
    """Confirmed actions on a campaign (signatures or letters): the number on the progress bar."""
    return session.scalar(
        select(func.count()).select_from(Action).where(Action.campaign_slug == slug, Action.status == "confirmed")
    ) or 0
