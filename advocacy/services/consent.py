"""The consent ledger (models/consent.py): record each opt-in with the words agreed to, and each withdrawal.

Recording is one INSERT, written in the same transaction as the action it belongs to, so a signature
and the evidence of its opt-in are stored together or not at all.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..models import ConsentRecord
from ..tokens import email_hash

# How consent was given or withdrawn.
Method = Literal["web_form", "widget", "api", "unsubscribe_page", "one_click", "erasure"]
_INSERT = insert(ConsentRecord)


def wording_version(wording: str) -> str:
    """The version of a wording: its SHA-256, so the same words always have the same version."""
    return hashlib.sha256(wording.encode()).hexdigest()


def record_opt_in(session: Session, *, email_key: str, wording: str, lang: str, method: Method, now: datetime,
                  campaign_slug: str = "", action_id: int | None = None, ally_id: int | None = None,
                  source: str = "", ip_hash: str | None = None) -> None:
    """An opt-in to ``wording`` exactly as it was shown; ``ally_id`` when the consent is to an ally, not the union."""
    if not wording:
        raise ValueError("an opt-in is recorded with the wording the supporter agreed to")
    session.connection().execute(_INSERT, {
        "event": "opt_in", "email_hash": email_hash(email_key), "action_id": action_id,
        "campaign_slug": campaign_slug, "ally_id": ally_id, "wording": wording,
        "wording_sha256": wording_version(wording), "lang": lang, "method": method, "source": source[:80],
        "ip_hash": ip_hash, "created_at": now})


def record_withdrawal(session: Session, *, email_key: str, method: Method, now: datetime,
                      ip_hash: str | None = None) -> None:
    """The supporter withdrew every opt-in to the union's email (unsubscribed)."""
    session.connection().execute(_INSERT, {
        "event": "withdrawal", "email_hash": email_hash(email_key), "action_id": None, "campaign_slug": "",
        "ally_id": None, "wording": "", "wording_sha256": "", "lang": "en", "method": method, "source": "",
        "ip_hash": ip_hash, "created_at": now})


def consent_history(session: Session, email_key: str) -> list[ConsentRecord]:
    """Every opt-in and withdrawal of this address, oldest first (for staff and subject-access requests)."""
    return list(session.scalars(select(ConsentRecord).where(ConsentRecord.email_hash == email_hash(email_key))
                                .order_by(ConsentRecord.created_at, ConsentRecord.id)))


@dataclass(frozen=True)
class ConsentShown:
    """An opt-in box as the supporter saw it: what it said, in which language, where and how it was shown."""

    wording: str
    lang: str
    method: Method
    source: str = ""
    ip_hash: str | None = None
    ally_id: int | None = None  # None: consent to the union's own email


def record_consent(session: Session, shown: ConsentShown, *, email_key: str, action_id: int | None,
                   campaign_slug: str, now: datetime) -> None:
    """``record_opt_in`` for an opt-in box that was ticked."""
    record_opt_in(session, email_key=email_key, wording=shown.wording, lang=shown.lang, method=shown.method, now=now,
                  campaign_slug=campaign_slug, action_id=action_id, ally_id=shown.ally_id, source=shown.source,
                  ip_hash=shown.ip_hash)
