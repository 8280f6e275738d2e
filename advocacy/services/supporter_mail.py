"""Emails to supporters (confirmation, reminder, receipt) queued in the outbox like any other delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ..domain.states import DeliveryState
from ..emails import RenderedEmail, render_email
from ..models import Action, Delivery
from .deliveries import new_message_id


@dataclass(frozen=True)
class MailSettings:
    """What building a supporter email needs from the settings (services never read them directly)."""

    templates_dir: Path
    org_name: str
    base_url: str
    secret_key: str
    message_domain: str


def queue_supporter_email(session: Session, action: Action, kind: str, email: RenderedEmail, *,
                          to_name: str, to_address: str, now: datetime, message_domain: str) -> Delivery:
    """Queue an email to the supporter. Not paced like letters to offices: it answers their own action."""
    delivery = Delivery(
        action_id=action.id, campaign_slug=action.campaign_slug, status=DeliveryState.QUEUED.value, kind=kind,
        recipient_name=to_name, recipient_email=to_address, recipient_office="supporter",
        office_key=to_address.strip().lower(), subject=email.subject, body=email.body,
        message_id=new_message_id(message_domain), attempts=0, next_attempt_at=now, created_at=now,
    )
    session.add(delivery)
    return delivery


def render(mail: MailSettings, name: str, **context: object) -> RenderedEmail:
    return render_email(mail.templates_dir, name, org_name=mail.org_name, **context)
