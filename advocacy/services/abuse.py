"""Invisible checks on public forms: nothing a person sees, nothing a submission loses.

- a honeypot field (``HONEYPOT``) people never see or reach, which form-filling scripts fill;
- a signed form-issued-at token: answers sent sooner than ``min_fill_seconds`` after the form was shown, or
  without a genuine token, come from scripts;
- near-identical custom letters from one source (a keyed hash of the client address) within a window.

A submission that trips a check is recorded like any other and then sent to the review queue with the reason
(services/moderation.flag_for_review): staff decide, and a false alarm costs a person nothing.

``canonical_email`` is the form in which two addresses count as one mailbox for limits and dedupe.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import Action
from ..models.limits import LetterFingerprint
from ..tokens import timed_serializer

HONEYPOT = "leave_empty"
FORM_TOKEN = "form_issued"  # noqa: S105 - a form field name, not a secret  # nosec B105
_FORM_SALT = "form-issued-v1"
# Providers whose rules are published: Gmail ignores dots and everything after "+" in the local part.
_DOTS_AND_PLUS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
# Providers documented to deliver "name+anything" to "name". Others (Yahoo uses "-" with a chosen base name,
# and a union's own server may use neither) are compared as typed, lower-cased: a false match would merge
# two people, a missed one only lets one person act twice.
_PLUS_ONLY = {"outlook.com", "hotmail.com", "live.com", "msn.com", "icloud.com", "me.com", "mac.com",
              "protonmail.com", "proton.me", "pm.me", "fastmail.com"}
_WORD = re.compile(r"\w+")
SHINGLE_WORDS = 3
MINHASH_SIZE = 32


def canonical_email(address: str) -> str:
    """``J.Doe+petition@GoogleMail.com`` -> ``jdoe@gmail.com``; unknown providers only lower-cased and trimmed."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return address.strip().lower()
    if domain in _DOTS_AND_PLUS:
        local, domain = local.split("+", 1)[0].replace(".", ""), _DOTS_AND_PLUS[domain]
    elif domain in _PLUS_ONLY:
        local = local.split("+", 1)[0]
    return f"{local}@{domain}"


def issue_form_token(secret: str) -> str:
    """A token recording when the form was shown; signed so a script cannot backdate it."""
    return timed_serializer(secret, _FORM_SALT).dumps("form")


def form_age(secret: str, token: str, now: datetime) -> float | None:
    """Seconds since the form carrying ``token`` was shown; ``None`` when the token is missing or forged."""
    try:
        _value, issued = timed_serializer(secret, _FORM_SALT).loads(token, return_timestamp=True)
    except BadSignature:
        return None
    return (now - issued).total_seconds()


def form_reasons(form: dict[str, str], *, secret: str, min_fill_seconds: float, now: datetime) -> list[str]:
    """Why a public form submission looks automated (empty: it does not). ``min_fill_seconds`` 0 turns the
    timing check off."""
    reasons = []
    if form.get(HONEYPOT, "").strip():
        reasons.append("the hidden 'leave this empty' field was filled in")
    if min_fill_seconds > 0:
        age = form_age(secret, form.get(FORM_TOKEN, ""), now)
        if age is None:
            reasons.append("sent without the form's own timing token")
        elif age < min_fill_seconds:
            reasons.append(f"sent {max(age, 0):.1f} s after the form was shown")
    return reasons


def fingerprint(text: str) -> str:
    """A MinHash of the letter's word shingles: compares letters without keeping their text."""
    words = _WORD.findall(text.lower())
    shingles = {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    values = []
    for seed in range(MINHASH_SIZE):
        values.append(min(int.from_bytes(hashlib.blake2b(f"{seed}:{s}".encode(), digest_size=4).digest(), "big")
                          for s in shingles))
    return "".join(f"{value:08x}" for value in values)


def similarity(first: str, second: str) -> float:
    """Estimated Jaccard similarity of two fingerprints (the share of equal MinHash values)."""
    a = [first[i:i + 8] for i in range(0, len(first), 8)]
    b = [second[i:i + 8] for i in range(0, len(second), 8)]
    return sum(x == y for x, y in zip(a, b, strict=False)) / max(len(a), 1)


@dataclass(frozen=True)
class SimilarityRule:
    ratio: float  # at least this similar counts as "the same letter"
    count: int  # this many such letters from one source (this one included) go to review
    hours: int  # within this window


def similar_letter_reason(session: Session, *, source: str, campaign_slug: str, body: str, rule: SimilarityRule,
                          now: datetime) -> str | None:
    """Remember this custom letter's fingerprint for ``source``; a reason when the source sent ``rule.count``
    near-identical ones in the window. Only custom text is checked: many people sending the campaign's own
    letter is what a campaign is for."""
    since = now - timedelta(hours=rule.hours)
    session.execute(delete(LetterFingerprint).where(LetterFingerprint.source_hash == source,
                                                    LetterFingerprint.created_at < since))
    mine = fingerprint(body)
    earlier = session.scalars(select(LetterFingerprint.fingerprint).where(
        LetterFingerprint.source_hash == source, LetterFingerprint.created_at >= since)).all()
    session.add(LetterFingerprint(source_hash=source, campaign_slug=campaign_slug, fingerprint=mine, created_at=now))
    session.flush()
    alike = 1 + sum(similarity(mine, other) >= rule.ratio for other in earlier)
    if alike >= rule.count:
        return f"{alike} near-identical custom letters from one source within {rule.hours} hours"
    return None


def send_to_review(session: Session, action: Action, reasons: list[str], *, now: datetime) -> None:
    """Put ``action`` in the review queue with every reason; nothing is dropped."""
    from .moderation import flag_for_review  # the review queue's own module

    flag_for_review(session, action, "; ".join(reasons)[:200], now=now)  # the queue keeps 200 characters


def signature_action(session: Session, campaign_slug: str, key: str) -> Action | None:
    """The signature just recorded for ``key`` (the petition service answers with a result, not the row)."""
    return session.scalars(select(Action).where(Action.campaign_slug == campaign_slug, Action.kind == "signature",
                                                Action.email_key == key)).first()
