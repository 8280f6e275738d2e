"""The audit log: record every change and export, and read the log back for admins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AuditEntry, Staff
from ..models.base import utcnow

COMMAND_LINE = "command line"  # the actor named for changes made with the `advocacy` command


def record(session: Session, staff: Staff | None, action: str, target: str = "", detail: dict[str, Any] | None = None,
           *, now: datetime | None = None) -> AuditEntry:
    """Add one entry in the caller's transaction (so it commits, or rolls back, with the change it records).

    ``action`` is a dotted verb such as "staff.create" or "export.signatures"; ``target`` names the thing
    changed ("staff:12", "campaign:fund-schools"); ``detail`` holds JSON-able facts, never personal data
    beyond what staff already see. ``staff`` is None for the command line.
    """
    entry = AuditEntry(staff_id=staff.id if staff is not None else None,
                       actor=staff.email if staff is not None else COMMAND_LINE,
                       action=action[:80], target=target[:200], detail=dict(detail or {}),
                       created_at=now or utcnow())
    session.add(entry)
    session.flush()
    return entry


def entries(session: Session, *, action: str = "", actor: str = "", limit: int = 100,
            offset: int = 0) -> tuple[Sequence[AuditEntry], int]:
    """Newest first, optionally only one action (or action prefix such as "staff.") or one actor; and the total."""
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        query = query.where(AuditEntry.actor == actor.strip().lower())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
    return rows, total
