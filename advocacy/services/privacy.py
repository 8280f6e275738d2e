"""Retention: personal data is kept only as long as it serves the supporter, and counts never change.

- Unconfirmed actions go after 7 days (confirmations.expire_unconfirmed, reused here).
- Letter text (every delivery's body, and petition packages' files) is replaced by a placeholder
  ``letter_days`` after sending; dead letters and cancelled ones get four weeks more, for staff to act.
  The delivery rows keep their metadata (who, when, what happened).
- IP addresses are only ever stored as keyed hashes (``hash_ip``), and those go after ``ip_days``.
- A closed campaign's actions lose the supporter's name, email and postal code ``anonymise_days``
  after it closed; the rows stay with their riding, source and status, so every count is unchanged.
  A supporter left with nothing but anonymised actions is anonymised too, unless they opted in to
  hear from us (then their contact details stay until they unsubscribe).
- A campaign that is no longer in the catalog (its file was deleted or renamed, or its stored row removed)
  cannot say when it closed: it is taken as closed at its latest action, so its actions are anonymised
  ``anonymise_days`` after the last one came in. A campaign still stored in the database but no longer
  valid (the catalog leaves it out until it is fixed) is not such a campaign. Message texts and IP hashes
  go by the rules above whatever the campaign.

Every step is one UPDATE (or the expiry's few statements) and idempotent; ``purge_if_due`` runs
them at most hourly from the housekeeping every worker does once a minute.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, fields
from datetime import datetime, time, timedelta

from sqlalchemy import ColumnElement, String, cast, func, literal, or_, select, update
from sqlalchemy.orm import Session

from ..catalog import Campaign, Catalog
from ..catalog.schema import CAMPAIGN_TZ
from ..domain.states import DeliveryState as S
from ..models import Action, Confirmation, ConsentRecord, Delivery, DeliveryAttachment, StoredCampaign, Supporter
from .cadence import Cadence
from .confirmations import expire_unconfirmed
from .deliveries import SCRUBBED_BODY

ANONYMISED_PREFIX = "anonymised:"  # + the row's id: keeps email_key unique (one signature per address)
FAILED_GRACE = timedelta(days=28)  # dead letters: time for staff to retry or cancel before the text goes
PURGE_EVERY = timedelta(hours=1)
SENT_STATES = (S.SENT.value, S.BOUNCED.value)
ENDED_STATES = (S.FAILED.value, S.CANCELLED.value)
FINISHED_STATES = SENT_STATES + ENDED_STATES
# Housekeeping runs every minute; the purge hourly.
PURGE_CADENCE = Cadence(PURGE_EVERY)


def hash_ip(secret_key: str, ip: str | None) -> str | None:
    """A keyed hash of an IP address: equal IPs match (abuse checks), but the address cannot be read back.

    The key is derived from the secret key, so the hashes cannot be recomputed without it.
    """
    if not ip:
        return None
    key = hashlib.sha256(b"ip-hash-v1\0" + secret_key.encode()).digest()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class RetentionPolicy:
    letter_days: int = 30
    ip_days: int = 30
    anonymise_days: int = 90  # after a campaign closes


@dataclass(frozen=True)
class PurgeReport:
    expired: int = 0
    letters_scrubbed: int = 0
    files_scrubbed: int = 0
    ip_hashes_dropped: int = 0
    actions_anonymised: int = 0
    supporters_anonymised: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))

    def __str__(self) -> str:
        return (f"{self.expired} unconfirmed actions deleted, {self.letters_scrubbed} message texts and "
                f"{self.files_scrubbed} attached files removed, {self.ip_hashes_dropped} IP hashes dropped, "
                f"{self.actions_anonymised} actions and {self.supporters_anonymised} supporters anonymised")


def purge(session: Session, catalog: Catalog, policy: RetentionPolicy, *, now: datetime) -> PurgeReport:
    """Apply every retention rule as of ``now``; the caller commits. Only counts are reported."""
    expired = expire_unconfirmed(session, now=now)
    files, letters = scrub_messages(session, policy, now=now)
    ips = drop_ip_hashes(session, policy, now=now)
    actions = supporters = 0
    campaigns = list(catalog)
    ends = [(c.slug, closed_at(session, c, now)) for c in campaigns] + gone_campaigns(session, campaigns)
    for slug, ended in ends:
        if ended is not None and ended + timedelta(days=policy.anonymise_days) <= now:
            done = anonymise_actions(session, Action.campaign_slug == slug, now=now)
            actions, supporters = actions + done[0], supporters + done[1]
    session.flush()
    return PurgeReport(expired, letters, files, ips, actions, supporters)


def purge_if_due(session: Session, catalog: Catalog, policy: RetentionPolicy, *, now: datetime) -> PurgeReport:
    """``purge`` at most once per PURGE_EVERY per database in this process (it scans whole tables)."""
    if not PURGE_CADENCE.due(session, now):
        return PurgeReport()
    report = purge(session, catalog, policy, now=now)
    PURGE_CADENCE.done(session, now)
    return report


def scrub_messages(session: Session, policy: RetentionPolicy, *, now: datetime) -> tuple[int, int]:
    """Remove the text (and attached files) of messages past retention; (files, texts) removed."""
    cutoff = now - timedelta(days=policy.letter_days)
    due = or_(Delivery.status.in_(SENT_STATES) & (Delivery.sent_at <= cutoff),
              Delivery.status.in_(ENDED_STATES) & (Delivery.created_at <= cutoff - FAILED_GRACE))
    files = session.execute(update(DeliveryAttachment).where(
        DeliveryAttachment.delivery_id.in_(select(Delivery.id).where(due)),
        func.length(DeliveryAttachment.data) > 0).values(data=b"")).rowcount
    texts = session.execute(update(Delivery).where(due, Delivery.body != SCRUBBED_BODY)
                            .values(body=SCRUBBED_BODY)).rowcount
    return files, texts


def drop_ip_hashes(session: Session, policy: RetentionPolicy, *, now: datetime) -> int:
    cutoff = now - timedelta(days=policy.ip_days)
    dropped = 0
    for model in (Action, ConsentRecord):
        dropped += session.execute(update(model).where(model.ip_hash.is_not(None), model.created_at <= cutoff)
                                   .values(ip_hash=None)).rowcount
    return dropped


def closed_at(session: Session, campaign: Campaign, now: datetime) -> datetime | None:
    """When the campaign stopped taking actions, or ``None`` while it has not (or cannot be told)."""
    if campaign.phase(now) != "closed":
        return None
    ends = datetime.combine(campaign.closes + timedelta(days=1), time(), CAMPAIGN_TZ) if campaign.closes else None
    if campaign.status != "closed":
        return ends
    # Closed by staff, perhaps before its date: it took its last action then.
    last = session.scalar(select(func.max(Action.created_at)).where(Action.campaign_slug == campaign.slug))
    known = [moment for moment in (ends, last) if moment is not None]
    return min(known) if known else None


def gone_campaigns(session: Session, catalog: list[Campaign]) -> list[tuple[str, datetime | None]]:
    """(slug, latest action) of each campaign with actions not anonymised yet that the catalog no longer has.

    A stored campaign counts as present even when the catalog left it out (it no longer validates, or the
    catalog could not read the database): only a campaign gone from both files and database is gone.
    """
    stored = select(StoredCampaign.slug).where(StoredCampaign.source.is_not(None))
    rows = session.execute(select(Action.campaign_slug, func.max(Action.created_at))
                           .where(Action.campaign_slug.not_in([c.slug for c in catalog]),
                                  Action.campaign_slug.not_in(stored))
                           .group_by(Action.campaign_slug)
                           .having(func.count() > func.count(Action.anonymised_at)))
    return [(slug, latest) for slug, latest in rows]


def anonymise_actions(session: Session, which: ColumnElement[bool], *, now: datetime) -> tuple[int, int]:
    """Remove the personal details of the actions ``which`` selects, keeping the rows (and so every count).

    Their finished messages lose their text and the supporter's name and address; a supporter left with
    only anonymised actions and no opt-in is anonymised too. Returns (actions, supporters) anonymised.
    """
    chosen = select(Action.id).where(which, Action.anonymised_at.is_(None))
    supporters = select(Action.supporter_id).where(which, Action.supporter_id.is_not(None))
    finished = Delivery.action_id.in_(chosen) & Delivery.status.in_(FINISHED_STATES)
    session.execute(update(Delivery).where(finished).values(body=SCRUBBED_BODY, reply_to_name="",
                                                            reply_to_address=""))
    session.execute(update(Delivery).where(finished, Delivery.recipient_office == "supporter")
                    .values(recipient_name="", recipient_email="", office_key=""))
    session.execute(update(Confirmation).where(Confirmation.id.in_(
        select(Action.confirmation_id).where(which, Action.anonymised_at.is_(None)))).values(email_key=""))
    actions = session.execute(update(Action).where(which, Action.anonymised_at.is_(None)).values(
        first_name="", last_name="", postal_code="", ip_hash=None, anonymised_at=now,
        email_key=literal(ANONYMISED_PREFIX) + cast(Action.id, String),
        canonical_key=literal(ANONYMISED_PREFIX) + cast(Action.id, String))).rowcount
    still_needed = select(Action.id).where(Action.supporter_id == Supporter.id,
                                           or_(Action.anonymised_at.is_(None), Action.opt_in.is_(True))).exists()
    people = session.execute(update(Supporter).where(
        Supporter.id.in_(supporters), ~still_needed, ~Supporter.email_key.startswith(ANONYMISED_PREFIX)).values(
        email_key=literal(ANONYMISED_PREFIX) + cast(Supporter.id, String), email="", first_name="", last_name="",
        postal_code="")).rowcount
    return actions, people
