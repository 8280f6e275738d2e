"""Signing a petition: one signature per person per campaign."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..catalog import Campaign
from ..domain.errors import CampaignClosed
from ..domain.types import Supporter
from ..models import Action
from .supporters import email_key, upsert_supporter


@dataclass(frozen=True)
class SignResult:
    action: Action
    created: bool  # False: this person had already signed


def _existing(session: Session, campaign: Campaign, key: str) -> Action | None:
    return session.scalars(
        select(Action).where(Action.campaign_slug == campaign.slug, Action.kind == "signature",
                             Action.email_key == key)
    ).first()


def sign_petition(session: Session, campaign: Campaign, person: Supporter, *, now: datetime,
                  opt_in: bool = False, district: str = "", source: str = "", hold: bool = False,
                  lang: str = "en") -> SignResult:
    """Record a signature, or return the earlier one when this email has already signed.

    ``hold``: the signature stays pending (not counted) until the supporter confirms their address.
    """
    if campaign.kind != "petition":
        raise ValueError(f"{campaign.slug} is not a petition")
    if not campaign.is_open(now):
        raise CampaignClosed("This petition is not accepting signatures now.")
    key = email_key(person.email)
    earlier = _existing(session, campaign, key)
    if earlier is not None:
        return SignResult(earlier, created=False)
    supporter = upsert_supporter(session, person, now=now)
    action = Action(campaign_slug=campaign.slug, kind="signature", status="pending" if hold else "confirmed",
                    lang=lang, supporter_id=supporter.id,
                    email_key=key, first_name=person.first_name, last_name=person.last_name,
                    postal_code=person.postal_code, district=district, opt_in=opt_in, source=source,
                    created_at=now)
    try:
        with session.begin_nested():  # the unique index settles a race between two identical submissions
            session.add(action)
    except IntegrityError:
        earlier = _existing(session, campaign, key)
        if earlier is None:
            raise
        return SignResult(earlier, created=False)
    return SignResult(action, created=True)
