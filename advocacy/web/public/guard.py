"""The public forms' invisible checks and rate limits, as the few calls the views make (see services/abuse.py)."""

from __future__ import annotations

from datetime import datetime

from flask import request
from sqlalchemy.orm import Session

from ...catalog import Campaign
from ...domain.types import RenderedLetter
from ...limits import hashed, hit_office_limits
from ...models import Action
from ...services import abuse
from ...services.letters import LetterEdits, default_letter_text
from ..common import app_context


def form_reasons(now: datetime) -> list[str]:
    """Why this submission looks automated (honeypot, too fast, no timing token); empty when it does not."""
    settings = app_context().settings
    return abuse.form_reasons(request.form, secret=settings.secret_key, min_fill_seconds=settings.min_fill_seconds,
                              now=now)


def review_signature(session: Session, campaign: Campaign, key: str, reasons: list[str], *, now: datetime) -> None:
    action = abuse.signature_action(session, campaign.slug, key)
    if action is not None:
        abuse.send_to_review(session, action, reasons, now=now)


def check_offices(letters: list[RenderedLetter]) -> None:
    """Count this letter against each office's daily intake limit; 429 (form kept) when one is full."""
    hit_office_limits(letter.recipient.email.lower() or letter.recipient.office for letter in letters)


def review_letter(session: Session, campaign: Campaign, action: Action, edits: LetterEdits | None,
                  reasons: list[str], *, now: datetime, lang: str = "en") -> None:
    """Add the similarity check (custom text only) to ``reasons`` and send the letter to review if any."""
    settings = app_context().settings
    if edits is not None and edits.body.strip() != default_letter_text(campaign, lang).body.strip():
        rule = abuse.SimilarityRule(settings.similar_letter_ratio, settings.similar_letter_count,
                                    settings.similar_letter_hours)
        reason = abuse.similar_letter_reason(session, source=hashed("ip", request.remote_addr or "unknown"),
                                             campaign_slug=campaign.slug, body=edits.body, rule=rule, now=now)
        reasons = [*reasons, reason] if reason else reasons
    if reasons:
        abuse.send_to_review(session, action, reasons, now=now)
