"""Signing a petition: one signature per person per campaign.

In two steps, so that the write transaction (on SQLite, the one write lock every worker queues
on) holds only the writes: ``prepare_signature`` does every lookup in a read session (has this
address signed, the supporter's riding, the confirmation link to use); ``record_signature`` then
writes the supporter, the signature and its confirmation email, which the caller commits together.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam, literal_column, select
from sqlalchemy.orm import Session

from ..catalog import Campaign
from ..domain.errors import CampaignClosed
from ..domain.text import _l
from ..domain.types import Supporter
from ..models import Action
from ..providers import RepresentativeProvider
from .abuse import canonical_email
from .confirmations import (
    PLAN_COLUMNS,
    ConfirmationPlan,
    carry_out_plan,
    plan_from,
    plan_parameters,
    queue_link_email,
    request_confirmation,
)
from .consent import ConsentShown, record_consent
from .stats import forget_public_count
from .supporter_mail import MailSettings
from .supporters import email_key, insert_on_conflict, upsert_supporter_id
from .targets import find_district

# A riding changes when the directory is reloaded, a few times a year; a petition signature only
# records it. Ten minutes of caching per process spares the lookup for signers from the same
# postal code (a workplace, a building) and bounds how long a reload takes to show.
DISTRICT_CACHE_SECONDS = 600.0
DISTRICT_CACHE_SIZE = 4096
# Per provider chain (one per app), so that two apps in one process never share answers.
_districts: WeakKeyDictionary[RepresentativeProvider, OrderedDict[str, tuple[float, str]]] = WeakKeyDictionary()


@dataclass(frozen=True)
class Earlier:
    id: int
    status: str
    confirmation_id: int | None


@dataclass(frozen=True)
class PreparedSignature:
    """What ``prepare_signature`` read: everything ``record_signature`` needs to only write."""

    campaign: Campaign
    person: Supporter
    key: str
    earlier: Earlier | None  # this address has already signed
    district: str = ""
    plan: ConfirmationPlan | None = None  # None: no confirmation to ask for


@dataclass(frozen=True)
class SignResult:
    created: bool  # False: this person had already signed
    pending: bool  # not counted until the supporter confirms their address


# Built once and run on the session's connection: every signature asks it (see confirmations._OPEN). The kind
# is written into the SQL, not bound, so the partial unique index (one signature per mailbox, WHERE kind =
# 'signature') is usable from the statement alone: SQLite otherwise plans the statement again on every run to
# find it from the bound value, and a generic PostgreSQL plan may not use it at all.
_EARLIER = select(Action.id, Action.status, Action.confirmation_id).where(
    Action.campaign_slug == bindparam("slug"), Action.kind == literal_column("'signature'"),
    Action.canonical_key == bindparam("canonical"))
# Everything signing reads, in one round trip: the earlier signature (at most one: a unique index) and what
# the confirmation plan is decided on.
_PREPARE = select(*(_EARLIER.with_only_columns(column).scalar_subquery().label(f"earlier_{column.key}")
                    for column in (Action.id, Action.status, Action.confirmation_id)), *PLAN_COLUMNS)


def _earlier(session: Session, campaign: Campaign, person: Supporter) -> Earlier | None:
    """This person's signature, under any spelling of their address that reaches the same mailbox."""
    row = session.connection().execute(_EARLIER, {"slug": campaign.slug,
                                                  "canonical": canonical_email(person.email)}).first()
    return None if row is None else Earlier(*row)


def signature_district(session: Session, provider: RepresentativeProvider, postal_code: str) -> str:
    """The riding recorded with a signature, cached per postal code (see DISTRICT_CACHE_SECONDS)."""
    cache, now = _districts.setdefault(provider, OrderedDict()), time.monotonic()
    hit = cache.get(postal_code)
    if hit is not None and hit[0] > now:
        cache.move_to_end(postal_code)
        return hit[1]
    district = find_district(session, provider, postal_code)
    cache[postal_code] = (now + DISTRICT_CACHE_SECONDS, district)
    cache.move_to_end(postal_code)
    while len(cache) > DISTRICT_CACHE_SIZE:
        cache.popitem(last=False)
    return district


def _check_open(campaign: Campaign, now: datetime) -> None:
    if campaign.kind != "petition":
        raise ValueError(f"{campaign.slug} is not a petition")
    if not campaign.is_open(now):
        raise CampaignClosed(str(_l("This petition is not accepting signatures now.")))


def _insert(session: Session, campaign: Campaign, person: Supporter, *, now: datetime, hold: bool, district: str,
            opt_in: bool, source: str, lang: str, confirmation_id: int | None,
            ip_hash: str | None = None) -> Action | None:
    """Write the supporter and the signature; ``None`` when this address has signed already.

    The answer is the row just written as an object for the email, not added to the session: it is
    in the database already.
    """
    values = {"campaign_slug": campaign.slug, "kind": "signature", "status": "pending" if hold else "confirmed",
              "lang": lang, "supporter_id": upsert_supporter_id(session, person, now=now),
              "email_key": email_key(person.email), "canonical_key": canonical_email(person.email),
              "first_name": person.first_name, "last_name": person.last_name,
              "postal_code": person.postal_code, "district": district, "opt_in": opt_in, "source": source,
              "created_at": now, "confirmation_id": confirmation_id, "ip_hash": ip_hash}
    # The partial unique index (one signature per mailbox and petition) settles a race between two
    # identical submissions.
    action_id = insert_on_conflict(session, Action, values, conflict=["campaign_slug", "canonical_key"],
                                   where="kind = 'signature'")
    if action_id is None:
        return None
    if not hold:
        forget_public_count(session, campaign.slug)  # the signer sees their own signature counted
    return Action(id=action_id, **values)


def sign_petition(session: Session, campaign: Campaign, person: Supporter, *, now: datetime,
                  opt_in: bool = False, district: str = "", source: str = "", hold: bool = False,
                  lang: str = "en") -> SignResult:
    """Record a signature in one session, without asking for confirmation (imports, tests).

    ``hold``: the signature stays pending (not counted) until the supporter confirms their address.
    """
    _check_open(campaign, now)
    earlier = _earlier(session, campaign, person)  # signing again leaves the supporter's details alone
    if earlier is None:
        if _insert(session, campaign, person, now=now, hold=hold, district=district, opt_in=opt_in, source=source,
                   lang=lang, confirmation_id=None) is not None:
            return SignResult(created=True, pending=hold)
        earlier = _earlier(session, campaign, person)
    return SignResult(created=False, pending=earlier is not None and earlier.status == "pending")


def prepare_signature(session: Session, campaign: Campaign, person: Supporter, *, now: datetime,
                      provider: RepresentativeProvider) -> PreparedSignature:
    """Read what signing needs, in a read session; raises ``CampaignClosed`` if the petition is not open."""
    _check_open(campaign, now)
    key = email_key(person.email)
    row = session.connection().execute(_PREPARE, {**plan_parameters(campaign, key, now=now),
                                                  "canonical": canonical_email(person.email)}).one()
    earlier = None if row.earlier_id is None else Earlier(row.earlier_id, row.earlier_status,
                                                            row.earlier_confirmation_id)
    asks = campaign.confirm_mode != "off"
    if earlier is not None:
        # Signing again while still pending asks again: the link may have expired or never arrived.
        plan = plan_from(row, now=now) if asks and earlier.status == "pending" else None
        return PreparedSignature(campaign, person, key, earlier, plan=plan)
    plan = plan_from(row, now=now) if asks else None
    return PreparedSignature(campaign, person, key, None, signature_district(session, provider, person.postal_code),
                             plan)


def record_signature(session: Session, prepared: PreparedSignature, *, now: datetime, mail: MailSettings,
                     opt_in: bool = False, source: str = "", lang: str = "en", ip_hash: str | None = None,
                     consent: ConsentShown | None = None) -> SignResult:
    """Write the signature (or ask an earlier pending one to confirm again); the caller commits.

    ``consent``: the opt-in box's wording as shown, put in the consent ledger when ``opt_in``.
    """
    campaign, person, key, plan = prepared.campaign, prepared.person, prepared.key, prepared.plan
    if prepared.earlier is not None:
        return _signed_before(session, prepared, prepared.earlier, mail=mail, now=now)
    hold = campaign.confirm_mode == "required"
    confirmation = None
    if plan is not None:
        plan, confirmation = carry_out_plan(session, campaign, plan, key, lang=lang, mail=mail, now=now)
    action = _insert(session, campaign, person, now=now, hold=hold, district=prepared.district, opt_in=opt_in,
                     source=source, lang=lang, ip_hash=ip_hash,
                     confirmation_id=confirmation.id if confirmation else plan.existing if plan else None)
    if action is None:
        session.rollback()  # the other submission won: keep nothing of this one, not even the details
        earlier = _earlier(session, campaign, person)
        return SignResult(created=False, pending=earlier is not None and earlier.status == "pending")
    if opt_in and consent is not None:
        record_consent(session, consent, email_key=key, action_id=action.id, campaign_slug=campaign.slug, now=now)
    if confirmation is not None and plan is not None and plan.email:
        queue_link_email(session, campaign, action, confirmation, "confirm", mail=mail, now=now,
                         to_address=person.email.strip())
    return SignResult(created=True, pending=hold)


def _signed_before(session: Session, prepared: PreparedSignature, earlier: Earlier, *, mail: MailSettings,
                   now: datetime) -> SignResult:
    pending = earlier.status == "pending"
    plan = prepared.plan
    if plan is not None and (plan.existing is None or plan.existing != earlier.confirmation_id):
        # Rare: a new link, or a newer one to join. Decided again inside the write transaction.
        action = session.get(Action, earlier.id)
        if action is not None:
            request_confirmation(session, prepared.campaign, action, mail=mail, now=now)
    return SignResult(created=False, pending=pending)
