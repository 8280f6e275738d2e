"""Privacy requests about one supporter: find them by email, show or export all we hold, and erase it.

Erasing keeps the counts: the supporter's actions stay as anonymous rows (no name, address, postal code
or link to the supporter), their letters keep only a placeholder for the text, unsent letters are
cancelled, and a hash of the address is remembered so that it is never mailed again. An action waiting in
the review queue is rejected (it was not counted and never will be: services/moderation.py refuses to
approve, edit or hold an erased supporter's action).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from ..domain.postal import format_postal_code
from ..domain.states import DeliveryState
from ..models import (
    Action,
    Ally,
    AllyAction,
    Confirmation,
    ConsentRecord,
    Delivery,
    DeliveryAttachment,
    DeliveryEvent,
    PostcodeLookup,
    Supporter,
    Suppression,
    WebhookDelivery,
)
from ..tokens import email_hash
from ..validation import InvalidField, check_email
from .consent import consent_history, record_withdrawal
from .deliveries import ERASED_TEXT, transition
from .moderation import reject_erased
from .privacy import anonymise_actions
from .supporter_mail import ERASED
from .supporters import email_key

S = DeliveryState
PLACEHOLDER = ERASED_TEXT
# Letters that have not left yet: erasing cancels them. A letter with a worker (sending) cannot be stopped here;
# it loses its text like the others, and the worker cancels it rather than send the placeholder if that send
# fails or the worker gives it back (services/deliveries.text_removed).
CANCELLABLE = (S.HELD, S.QUEUED, S.RETRY, S.FAILED, S.BATCHED)
UNSENT_WEBHOOKS = ("queued", "retry")


@dataclass
class PersonRecord:
    """Everything held about one supporter, for the person page and the export."""

    supporter: Supporter
    actions: list[Action]
    deliveries: dict[int, list[Delivery]]  # by action id: letters and the emails sent to the supporter
    confirmations: list[Confirmation]
    attributions: dict[int, tuple[AllyAction, str]]  # by action id: the attribution and the ally's name
    suppression: Suppression | None
    webhooks: list[WebhookDelivery] = field(default_factory=list)
    consents: list[ConsentRecord] = field(default_factory=list)  # opt-ins and withdrawals, oldest first


def search_key(email: str) -> str:
    """The key an address typed by staff is stored under: normalised as the forms do, then ``email_key``."""
    try:
        email = check_email(email.strip())
    except InvalidField:
        pass  # not a valid address now: it may still be stored (older rows), so look it up as typed
    return email_key(email)


def find_supporter(session: Session, email: str) -> Supporter | None:
    """Exact match on the address, compared the way the rest of the app compares addresses."""
    key = search_key(email)
    return session.scalars(select(Supporter).where(Supporter.email_key == key)).first() if key else None


def _actions_query(supporter: Supporter) -> Any:  # noqa: ANN401 - a SQLAlchemy select
    return select(Action).where(or_(Action.supporter_id == supporter.id, Action.email_key == supporter.email_key))


def person_record(session: Session, supporter: Supporter) -> PersonRecord:
    actions = list(session.scalars(_actions_query(supporter).order_by(Action.id)))
    ids = [a.id for a in actions]
    deliveries: dict[int, list[Delivery]] = {i: [] for i in ids}
    for delivery in session.scalars(select(Delivery).where(Delivery.action_id.in_(ids)).order_by(Delivery.id)):
        deliveries[delivery.action_id].append(delivery)  # type: ignore[index]
    attributions = {row.action_id: (row, name) for row, name in session.execute(
        select(AllyAction, Ally.name).join(Ally, Ally.id == AllyAction.ally_id).where(AllyAction.action_id.in_(ids)))}
    confirmations = list(session.scalars(select(Confirmation).where(Confirmation.email_key == supporter.email_key)
                                         .order_by(Confirmation.id)))
    webhooks = list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.action_id.in_(ids))
                                    .order_by(WebhookDelivery.id)))
    return PersonRecord(supporter, actions, deliveries, confirmations, attributions,
                        session.get(Suppression, email_hash(supporter.email_key)), webhooks,
                        consent_history(session, supporter.email_key))


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _delivery(d: Delivery) -> dict[str, Any]:
    return {"id": d.id, "kind": d.kind, "status": d.status, "to_name": d.recipient_name,
            "to_address": d.recipient_email, "office": d.recipient_office, "district": d.recipient_district,
            "subject": d.subject, "body": d.body, "reply_to_name": d.reply_to_name,
            "reply_to_address": d.reply_to_address, "hold_reason": d.hold_reason, "created_at": _when(d.created_at),
            "sent_at": _when(d.sent_at), "bounced_at": _when(d.bounced_at)}


def export_person(record: PersonRecord, *, now: datetime) -> dict[str, Any]:
    """All we hold about the supporter, as JSON-able data (the answer to an access request)."""
    s = record.supporter
    actions = []
    for a in record.actions:
        ally = record.attributions.get(a.id)
        actions.append({
            "id": a.id, "campaign": a.campaign_slug, "kind": a.kind, "status": a.status, "email": a.email_key,
            "first_name": a.first_name, "last_name": a.last_name, "postal_code": a.postal_code,
            "district": a.district, "opt_in": a.opt_in, "source": a.source, "lang": a.lang,
            "created_at": _when(a.created_at), "verified_at": _when(a.verified_at),
            "review": {"state": a.review or ("approved" if a.reviewed_at else ""), "reason": a.review_reason,
                       "flagged_at": _when(a.flagged_at), "reviewed_at": _when(a.reviewed_at)},
            "ally": None if ally is None else {
                "name": ally[1], "source": ally[0].source, "tags": list(ally[0].tags), "opt_in": ally[0].opt_in,
                "opt_in_wording": ally[0].opt_in_wording, "created_at": _when(ally[0].created_at)},
            "deliveries": [_delivery(d) for d in record.deliveries.get(a.id, [])],
        })
    return {
        "exported_at": now.isoformat(),
        "supporter": {"id": s.id, "email": s.email, "first_name": s.first_name, "last_name": s.last_name,
                      "postal_code": s.postal_code, "created_at": _when(s.created_at),
                      "updated_at": _when(s.updated_at)},
        "actions": actions,
        "confirmations": [{"campaign": c.campaign_slug, "created_at": _when(c.created_at),
                           "expires_at": _when(c.expires_at), "reminded_at": _when(c.reminded_at),
                           "confirmed_at": _when(c.confirmed_at)} for c in record.confirmations],
        "consent": [{"event": c.event, "campaign": c.campaign_slug, "wording": c.wording, "lang": c.lang,
                     "method": c.method, "source": c.source, "created_at": _when(c.created_at)}
                    for c in record.consents],
        "suppression": None if record.suppression is None else {
            "reason": record.suppression.reason, "since": _when(record.suppression.created_at)},
    }


@dataclass(frozen=True)
class Erasure:
    """What erasing a supporter did (numbers only: the audit log keeps this)."""

    actions: int
    letters_cancelled: int
    letters_scrubbed: int
    emails_deleted: int
    reviews_closed: int  # actions that were waiting for review, now rejected


def erase_person(session: Session, supporter: Supporter, *, now: datetime) -> Erasure:
    """Delete the supporter's personal data, keeping anonymous actions so that every count stays the same."""
    key = supporter.email_key
    personal = [f"{supporter.first_name} {supporter.last_name}".strip(), supporter.email, supporter.postal_code,
                format_postal_code(supporter.postal_code)]
    actions = list(session.scalars(_actions_query(supporter).order_by(Action.id)))
    ids = [a.id for a in actions]
    deliveries = list(session.scalars(select(Delivery).where(Delivery.action_id.in_(ids)).order_by(Delivery.id)))
    letters = [d for d in deliveries if d.kind == "letter"]
    cancelled = 0
    for letter in letters:
        if S(letter.status) in CANCELLABLE:
            transition(session, letter, S.CANCELLED, reason="the supporter's data was erased", now=now)
            cancelled += 1
        _scrub_digest(session, letter, personal)
    # Emails to the supporter themselves (confirmations, receipts, notices) are about nobody else: they go.
    emails = [d.id for d in deliveries if d.kind != "letter"]
    session.execute(delete(DeliveryEvent).where(DeliveryEvent.delivery_id.in_(emails)))
    session.execute(delete(DeliveryAttachment).where(DeliveryAttachment.delivery_id.in_(emails)))
    session.execute(delete(Delivery).where(Delivery.id.in_(emails)))
    # Webhook payloads name the supporter: emptied, and those not yet posted are never posted.
    session.execute(update(WebhookDelivery).where(WebhookDelivery.action_id.in_(ids),
                                                  WebhookDelivery.status.in_(UNSENT_WEBHOOKS))
                    .values(status="failed", last_error="the supporter's data was erased"))
    session.execute(update(WebhookDelivery).where(WebhookDelivery.action_id.in_(ids)).values(payload=""))
    session.execute(update(AllyAction).where(AllyAction.action_id.in_(ids)).values(tags=[]))
    codes = {a.postal_code for a in actions} | {supporter.postal_code}
    links = {a.confirmation_id for a in actions} - {None}
    session.flush()
    session.execute(update(Action).where(Action.id.in_(ids)).values(supporter_id=None, confirmation_id=None,
                                                                     opt_in=False, review_note=""))
    reviews = reject_erased(session, ids, now=now)
    session.execute(delete(Confirmation).where(or_(Confirmation.email_key == key, Confirmation.id.in_(links))))
    # Names, addresses, postal codes and IP hashes go the way retention removes them; the rows stay for the counts.
    anonymise_actions(session, Action.id.in_(ids), now=now)
    # Every letter, sent or not, loses its text (retention only scrubs finished ones, with its own wording).
    session.execute(update(Delivery).where(Delivery.id.in_([d.id for d in letters])).values(
        subject=PLACEHOLDER, body=PLACEHOLDER, reply_to_name="", reply_to_address="", hold_reason=""))
    # The lookup cache would otherwise keep the postal code with the time it was looked up.
    session.execute(delete(PostcodeLookup).where(PostcodeLookup.code.in_(codes - {""})))
    # The ledger keeps its evidence under the address's hash (as the suppression does), without the IP hashes,
    # and records that every opt-in ended with the erasure.
    session.execute(update(ConsentRecord).where(ConsentRecord.email_hash == email_hash(key)).values(ip_hash=None))
    record_withdrawal(session, email_key=key, method="erasure", now=now)
    session.delete(supporter)
    _remember(session, key, now=now)
    session.flush()
    return Erasure(len(actions), cancelled, len(letters), len(emails), reviews)


def _scrub_digest(session: Session, letter: Delivery, personal: list[str]) -> None:
    """A digest carries its letters' text: take this letter and its writer out of it."""
    digest = session.get(Delivery, letter.digest_id) if letter.digest_id is not None else None
    if digest is None:
        return
    body = digest.body.replace(letter.body.strip(), PLACEHOLDER)
    for text in personal:
        if text:
            body = body.replace(text, PLACEHOLDER)
    digest.body = body


def _remember(session: Session, key: str, *, now: datetime) -> None:
    """Only the hash stays, so a later action from the address can be recognised and not mailed."""
    found = session.get(Suppression, email_hash(key))
    if found is None:
        session.add(Suppression(email_hash=email_hash(key), reason=ERASED, created_at=now))
    else:
        found.reason, found.created_at = ERASED, now
