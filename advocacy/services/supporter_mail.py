"""Emails to supporters (confirmation, reminder, receipt) queued in the outbox like any other delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ..domain.states import DeliveryState
from ..emails import RenderedEmail, render_email
from ..models import Action, Delivery, Suppression
from ..tokens import email_hash, unsubscribe_token
from .deliveries import new_message_id
from .supporters import email_key

# Supporter emails that carry the unsubscribe link and the List-Unsubscribe headers: all but the receipt,
# which is the transactional copy of what the supporter just did.
UNSUBSCRIBE_KINDS = frozenset({"confirmation", "reminder", "notice"})


ERASED = "erased"  # the suppression reason of an erased address


@dataclass(frozen=True)
class MailSettings:
    """What building a supporter email needs from the settings (services never read them directly)."""

    templates_dir: Path
    org_name: str
    base_url: str
    secret_key: str
    message_domain: str
    org_address: str = ""  # the mailing address every supporter email names (CASL)


def queue_supporter_email(session: Session, action: Action, kind: str, email: RenderedEmail, *,
                          to_name: str, to_address: str, now: datetime, message_domain: str) -> Delivery | None:
    """Queue an email to the supporter. Not paced like letters to offices: it answers their own action.

    None for an address erased at its owner's request: it is never mailed again, whatever it does later.
    """
    if is_erased(session, to_address):
        return None
    delivery = Delivery(
        action_id=action.id, campaign_slug=action.campaign_slug, status=DeliveryState.QUEUED.value, kind=kind,
        recipient_name=to_name, recipient_email=to_address, recipient_office="supporter",
        office_key=to_address.strip().lower(), subject=email.subject, body=email.body,
        message_id=new_message_id(message_domain), attempts=0, next_attempt_at=now, created_at=now,
    )
    session.add(delivery)
    return delivery


def is_erased(session: Session, address: str) -> bool:
    """Whether the address was erased at its owner's request (services/people.py); only its hash is kept."""
    found = session.get(Suppression, email_hash(email_key(address)))
    return found is not None and found.reason == ERASED


def render(mail: MailSettings, name: str, **context: object) -> RenderedEmail:
    return render_email(mail.templates_dir, name, org_name=mail.org_name, org_address=mail.org_address, **context)


def unsubscribe_url(mail: MailSettings, email_key: str) -> str:
    """The link in every supporter email but the receipt: no login, never expires, works at once."""
    return f"{mail.base_url}/unsubscribe/{unsubscribe_token(mail.secret_key, email_key)}"


def list_unsubscribe_headers(mail: MailSettings, delivery: Delivery) -> tuple[tuple[str, str], ...]:
    """List-Unsubscribe with RFC 8058 one-click, for the supporter emails that offer unsubscribing."""
    if delivery.kind not in UNSUBSCRIBE_KINDS or delivery.recipient_office != "supporter" or not delivery.office_key:
        return ()
    return (("List-Unsubscribe", f"<{unsubscribe_url(mail, delivery.office_key)}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
