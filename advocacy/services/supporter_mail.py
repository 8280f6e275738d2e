"""Emails to supporters (confirmation, reminder, receipt) queued in the outbox like any other delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import bindparam, exists, insert, select
from sqlalchemy.orm import Session

from ..domain.states import DeliveryState
from ..domain.verp import new_return_token
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


# The columns a supporter email sets; every other column takes its default, as on any delivery. Built once: the
# statement is run inside every signature's write transaction.
_EMAIL_COLUMNS = ("action_id", "campaign_slug", "status", "kind", "recipient_name", "recipient_email",
                  "recipient_office", "office_key", "subject", "body", "message_id", "return_token", "attempts",
                  "next_attempt_at", "created_at")
_ERASED_ROW = select(Suppression.email_hash).where(Suppression.email_hash == bindparam("erased_hash"),
                                                   Suppression.reason == ERASED)
# One statement checks the erasure and queues the email, inside the caller's transaction: an erasure committed
# meanwhile cannot slip between a check and the insert, and it costs no extra round trip.
_QUEUE_UNLESS_ERASED = insert(Delivery).from_select(
    _EMAIL_COLUMNS,
    select(*(bindparam(name, type_=Delivery.__table__.c[name].type) for name in _EMAIL_COLUMNS))
    .where(~exists(_ERASED_ROW)))


def queue_supporter_email(session: Session, action: Action, kind: str, email: RenderedEmail, *,
                          to_name: str, to_address: str, now: datetime, message_domain: str) -> bool:
    """Queue an email to the supporter. Not paced like letters to offices: it answers their own action.

    Returns whether it was queued: never to an address erased at its owner's request, whatever it does later.
    """
    session.flush()  # the row is written at once: the action it belongs to must be in the database first
    values = {"action_id": action.id, "campaign_slug": action.campaign_slug, "status": DeliveryState.QUEUED.value,
              "kind": kind, "recipient_name": to_name, "recipient_email": to_address, "recipient_office": "supporter",
              "office_key": to_address.strip().lower(), "subject": email.subject, "body": email.body,
              "message_id": new_message_id(message_domain), "return_token": new_return_token(), "attempts": 0,
              "next_attempt_at": now, "created_at": now, "erased_hash": email_hash(email_key(to_address))}
    return session.connection().execute(_QUEUE_UNLESS_ERASED, values).rowcount == 1


def is_erased(session: Session, address: str) -> bool:
    """Whether the address was erased at its owner's request (services/people.py); only its hash is kept."""
    session.flush()  # an erasure recorded in this session counts
    found = session.connection().execute(_ERASED_ROW, {"erased_hash": email_hash(email_key(address))}).first()
    return found is not None


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
