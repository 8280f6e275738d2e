"""Confirm-before-send: one emailed link per address and campaign, used with a POST.

- ``required``: actions stay pending (not counted, letters held) until the link is used.
- ``optional``: actions count at once; the link only marks the address verified.
- Caps: one confirmation email per address per campaign per 24 h, three per address per day,
  so the form cannot be used to mail-bomb somebody.
- Unconfirmed actions get one reminder after about 24 h and are deleted after 7 days.

Links are HMAC-derived from the secret key and the row, so the reminder can repeat the same link
while the database keeps only a hash of it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Executable, Row, Select, bindparam, delete, func, insert, literal_column, or_, select, update
from sqlalchemy.orm import Session

from ..catalog import Campaign
from ..domain.states import DeliveryState
from ..models import Action, Confirmation, Delivery, DeliveryAttachment, DeliveryEvent, Supporter, Suppression
from ..tokens import email_hash, hash_token, new_token
from .consent import Method, record_withdrawal
from .deliveries import transition
from .letters import AWAITING
from .supporter_mail import MailSettings, queue_supporter_email, render, unsubscribe_url
from .webhooks import queue_action_webhooks

VALID_FOR = timedelta(days=7)
REMIND_AFTER = timedelta(hours=24)
PER_CAMPAIGN_WINDOW = timedelta(hours=24)
DAILY_CAP = 3
CONFIRMATION_KINDS = ("confirmation", "reminder")
CampaignLookup = Callable[[str], Campaign | None]


def confirmation_link_token(secret: str, confirmation: Confirmation) -> str:
    message = f"confirm-v1:{confirmation.id}:{confirmation.email_key}:{confirmation.created_at.isoformat()}"
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _letters_of(session: Session, campaign: Campaign,
                action_ids: list[int] | Callable[[], Select[tuple[int]]]) -> list[dict[str, str]]:
    """The letters of these actions (ids, or what builds a query for them), for the supporter's copy."""
    if campaign.kind == "petition":
        return []  # a signature has no letters: no query, not even built
    if callable(action_ids):
        action_ids = action_ids()
    rows = session.scalars(select(Delivery).where(Delivery.action_id.in_(action_ids),
                                                  Delivery.kind == "letter").order_by(Delivery.id))
    return [{"to": f"{d.recipient_name}, {d.recipient_office}", "subject": d.subject, "body": d.body} for d in rows]


# The statements behind every signature's confirmation, built once and run on the session's connection:
# building a statement and passing it through the ORM cost several times what SQLite takes to answer.
# The kinds are written into the SQL: with an expanding IN parameter SQLAlchemy rewrites the statement text on
# every run (a fifth of the time of the statements that carry this count).
_SENT_SINCE = select(func.count()).select_from(Delivery).where(
    Delivery.office_key == bindparam("key"), Delivery.kind.in_([literal_column(f"'{kind}'")
                                                                for kind in CONFIRMATION_KINDS]),
    Delivery.created_at > bindparam("since"))
_OPEN = select(Confirmation.id, Confirmation.created_at).where(
    Confirmation.campaign_slug == bindparam("slug"), Confirmation.email_key == bindparam("key"),
    Confirmation.confirmed_at.is_(None), Confirmation.expires_at > bindparam("now"),
).order_by(Confirmation.created_at.desc()).limit(1)

_CONFIRMATION_COLUMNS = ("campaign_slug", "email_key", "lang", "token_hash", "created_at", "expires_at")
_INSERT = insert(Confirmation).values(
    {name: bindparam(name) for name in _CONFIRMATION_COLUMNS}).returning(Confirmation.id)
# The same row, written only while the address has had exactly ``sent`` confirmation emails in the last day: the
# daily cap, read before the write transaction, checked again inside it by the statement that writes the link.
_INSERT_IF_SENT = insert(Confirmation).from_select(
    _CONFIRMATION_COLUMNS,
    select(*(bindparam(name, type_=Confirmation.__table__.c[name].type) for name in _CONFIRMATION_COLUMNS))
    .where(_SENT_SINCE.scalar_subquery() == bindparam("sent"))).returning(Confirmation.id)
_SET_TOKEN = update(Confirmation).where(Confirmation.id == bindparam("row")).values(
    token_hash=bindparam("token_hash"))


# What a plan is decided on, as one row of scalar subqueries: the newest link still open for the address on the
# campaign (id and date) and the confirmation emails sent to it in the last day. Other reads can take these
# columns into their own statement (services/petitions.py): one round trip for everything signing reads.
PLAN_COLUMNS = (
    _OPEN.with_only_columns(Confirmation.id).scalar_subquery().label("open_id"),
    _OPEN.with_only_columns(Confirmation.created_at).scalar_subquery().label("open_at"),
    _SENT_SINCE.scalar_subquery().label("sent"),
)
_PLAN = select(*PLAN_COLUMNS)


def plan_parameters(campaign: Campaign, email_key: str, *, now: datetime) -> dict[str, object]:
    """The bound values ``PLAN_COLUMNS`` take."""
    return {"slug": campaign.slug, "key": email_key, "now": now, "since": now - timedelta(days=1)}


@dataclass(frozen=True)
class ConfirmationPlan:
    """What asking an address to confirm an action on a campaign takes, decided by reading only.

    Either the action joins a link already sent (``existing``), or a new link is made and emailed
    unless the daily cap says not to (``email``). ``sent`` is the count the cap was decided on.
    """

    existing: int | None
    email: bool = False
    sent: int = 0


def plan_from(row: Row[Any], *, now: datetime) -> ConfirmationPlan:
    """The plan, from a row holding ``PLAN_COLUMNS``."""
    open_id, open_at, sent = row.open_id, row.open_at, row.sent or 0
    if open_id is not None and (now - open_at < PER_CAMPAIGN_WINDOW or sent >= DAILY_CAP):
        return ConfirmationPlan(open_id)  # the link already sent confirms this action too
    return ConfirmationPlan(None, email=sent < DAILY_CAP, sent=sent)


def plan_confirmation(session: Session, campaign: Campaign, email_key: str, *, now: datetime) -> ConfirmationPlan:
    session.flush()  # the reads go to the connection directly: let them see emails queued in this session
    row = session.connection().execute(_PLAN, plan_parameters(campaign, email_key, now=now)).one()
    return plan_from(row, now=now)


def carry_out_plan(session: Session, campaign: Campaign, plan: ConfirmationPlan, email_key: str, *, lang: str,
                   mail: MailSettings, now: datetime) -> tuple[ConfirmationPlan, Confirmation | None]:
    """Inside the write transaction, the new link a plan made before it asks for (None: it joins one already sent).

    Only an email needs the plan checked again, with the count the cap was decided on: another request that
    emailed this address in between would have added to it. The check and the write are one statement; when
    the count has moved, the plan is made again. Anything else the plan could miss costs no email.
    """
    if plan.existing is not None:
        return plan, None
    if plan.email:
        confirmation = _write_confirmation(session, _INSERT_IF_SENT, campaign, email_key, lang=lang, mail=mail,
                                           now=now, check={"key": email_key, "since": now - timedelta(days=1),
                                                           "sent": plan.sent})
        if confirmation is not None:
            return plan, confirmation
        plan = plan_confirmation(session, campaign, email_key, now=now)  # another request emailed this address
        if plan.existing is not None:
            return plan, None
    return plan, new_confirmation(session, campaign, email_key, lang=lang, mail=mail, now=now)


def new_confirmation(session: Session, campaign: Campaign, email_key: str, *, lang: str, mail: MailSettings,
                     now: datetime) -> Confirmation:
    """A new link's row, written at once so that actions can refer to it; the link is derived from its id."""
    confirmation = _write_confirmation(session, _INSERT, campaign, email_key, lang=lang, mail=mail, now=now)
    assert confirmation is not None  # type narrowing: a plain INSERT always writes its row  # nosec B101
    return confirmation


def _write_confirmation(session: Session, statement: Executable, campaign: Campaign, email_key: str, *, lang: str,
                        mail: MailSettings, now: datetime, check: dict[str, object] | None = None,
                        ) -> Confirmation | None:
    """The row written by ``statement`` (None when its condition, bound by ``check``, kept it out), then its token.

    Two plain statements (this runs inside every signature's write transaction), answered as an object for
    building the link and the email, not added to the session.
    """
    values = {"campaign_slug": campaign.slug, "email_key": email_key, "lang": lang,
              "token_hash": hash_token(new_token()), "created_at": now, "expires_at": now + VALID_FOR}
    connection = session.connection()
    row_id = connection.execute(statement, {**values, **(check or {})}).scalar()
    if row_id is None:
        return None
    confirmation = Confirmation(id=row_id, **values)
    confirmation.token_hash = hash_token(confirmation_link_token(mail.secret_key, confirmation))
    connection.execute(_SET_TOKEN, {"row": confirmation.id, "token_hash": confirmation.token_hash})
    return confirmation


def request_confirmation(session: Session, campaign: Campaign, action: Action, *, mail: MailSettings,
                         now: datetime) -> bool:
    """Tie ``action`` to a confirmation link; email it unless a cap says not to. Returns whether one was queued."""
    if campaign.confirm_mode == "off":
        return False
    plan = plan_confirmation(session, campaign, action.email_key, now=now)
    if plan.existing is not None:
        action.confirmation_id = plan.existing
        return False
    confirmation = new_confirmation(session, campaign, action.email_key, lang=action.lang, mail=mail, now=now)
    action.confirmation_id = confirmation.id
    session.flush()
    if not plan.email:
        return False
    queue_link_email(session, campaign, action, confirmation, "confirm", mail=mail, now=now)
    return True


def queue_link_email(session: Session, campaign: Campaign, action: Action, confirmation: Confirmation,
                     template: str, *, mail: MailSettings, now: datetime, to_address: str = "") -> None:
    """Email the link; ``to_address`` saves a query when the caller knows the supporter's address."""
    def linked() -> Select[tuple[int]]:
        # Every action this link confirms, this one included even before it is flushed.
        return select(Action.id).where(or_(Action.confirmation_id == confirmation.id, Action.id == action.id))

    # In the language of the page the supporter used, as are the receipt and their letters.
    email = render(mail, template, lang=action.lang, kind=campaign.kind, mode=campaign.confirm_mode,
                   title=campaign.texts(action.lang).title, first_name=action.first_name,
                   letters=_letters_of(session, campaign, linked),
                   link=in_language(mail, f"{mail.base_url}/confirm/"
                                          f"{confirmation_link_token(mail.secret_key, confirmation)}", action.lang),
                   unsubscribe=in_language(mail, unsubscribe_url(mail, action.email_key), action.lang))
    kind = "confirmation" if template == "confirm" else "reminder"
    queue_supporter_email(session, action, kind, email, to_name=f"{action.first_name} {action.last_name}",
                          to_address=to_address or _address_of(session, action), now=now,
                          message_domain=mail.message_domain)


def in_language(mail: MailSettings, url: str, lang: str) -> str:
    """Our page at ``url`` in the supporter's language: French pages live under /fr (web/i18n.py)."""
    if lang == "fr" and url.startswith(mail.base_url + "/"):
        return f"{mail.base_url}/fr{url[len(mail.base_url):]}"
    return url


def _address_of(session: Session, action: Action) -> str:
    return session.scalar(select(Supporter.email).where(Supporter.id == action.supporter_id)) or action.email_key


@dataclass(frozen=True)
class ConfirmOutcome:
    state: str  # confirmed | already | expired | unknown
    campaign_slug: str = ""
    letters: int = 0
    actions: list[int] = field(default_factory=list)


def find_confirmation(session: Session, token: str) -> Confirmation | None:
    return session.scalars(select(Confirmation).where(Confirmation.token_hash == hash_token(token))).first()


def confirm(session: Session, catalog_get: CampaignLookup, token: str, *, mail: MailSettings,
            now: datetime) -> ConfirmOutcome:
    """Use a link: count the actions, release their letters, send the receipt. Using it twice changes nothing."""
    confirmation = find_confirmation(session, token)
    if confirmation is None:
        return ConfirmOutcome("unknown")
    slug = confirmation.campaign_slug
    if confirmation.confirmed_at is not None:
        return ConfirmOutcome("already", slug)
    if confirmation.expires_at <= now:
        return ConfirmOutcome("expired", slug)
    confirmation.confirmed_at = now
    actions = list(session.scalars(select(Action).where(Action.confirmation_id == confirmation.id)
                                   .order_by(Action.id)))
    was_pending = [a for a in actions if a.status == "pending"]
    released = 0
    for action in actions:
        action.verified_at = now
        if action.status == "pending":
            action.status = "confirmed"
        held = session.scalars(select(Delivery).where(Delivery.action_id == action.id, Delivery.kind == "letter",
                                                      Delivery.status == DeliveryState.HELD.value,
                                                      Delivery.hold_reason == AWAITING))
        for delivery in held:
            transition(session, delivery, DeliveryState.QUEUED, reason="the supporter confirmed", now=now)
            delivery.hold_reason, delivery.next_attempt_at = "", now
            released += 1
    campaign = catalog_get(slug)
    if was_pending and campaign is not None:
        queue_receipt(session, campaign, was_pending, mail=mail, now=now)
    session.flush()
    queue_action_webhooks(session, [a.id for a in was_pending], now=now)  # allies hear of actions that now count
    return ConfirmOutcome("confirmed", slug, released, [a.id for a in actions])


def queue_receipt(session: Session, campaign: Campaign, actions: list[Action], *, mail: MailSettings,
                  now: datetime) -> None:
    """A copy of what was sent, for the supporter's records (a transactional email: no unsubscribe)."""
    first = actions[0]
    email = render(mail, "receipt", lang=first.lang, kind=campaign.kind, title=campaign.texts(first.lang).title,
                   first_name=first.first_name,
                   letters=_letters_of(session, campaign, [a.id for a in actions]))
    queue_supporter_email(session, first, "receipt", email, to_name=f"{first.first_name} {first.last_name}",
                          to_address=_address_of(session, first), now=now, message_domain=mail.message_domain)


def send_reminders(session: Session, catalog_get: CampaignLookup, *, mail: MailSettings, now: datetime) -> int:
    """One reminder, about a day later, for links not yet used on campaigns that require them."""
    due = session.scalars(select(Confirmation).where(
        Confirmation.confirmed_at.is_(None), Confirmation.reminded_at.is_(None),
        Confirmation.created_at <= now - REMIND_AFTER, Confirmation.expires_at > now)).all()
    sent = 0
    for confirmation in due:
        confirmation.reminded_at = now
        campaign = catalog_get(confirmation.campaign_slug)
        action = session.scalars(select(Action).where(Action.confirmation_id == confirmation.id,
                                                      Action.status == "pending").order_by(Action.id)).first()
        if campaign is None or action is None or is_suppressed(session, confirmation.email_key):
            continue
        queue_link_email(session, campaign, action, confirmation, "reminder", mail=mail, now=now)
        sent += 1
    session.flush()
    return sent


def expire_unconfirmed(session: Session, *, now: datetime) -> int:
    """Delete what was never confirmed after 7 days: pending actions, their letters and emails, the link.

    Counts never change: pending actions were never counted.
    """
    expired = session.scalars(select(Confirmation.id).where(Confirmation.confirmed_at.is_(None),
                                                            Confirmation.expires_at <= now)).all()
    if not expired:
        return 0
    pending = select(Action.id).where(Action.confirmation_id.in_(expired), Action.status == "pending")
    pending_ids = session.scalars(pending).all()
    doomed = select(Delivery.id).where(Delivery.action_id.in_(pending_ids))
    session.execute(update(Delivery).where(Delivery.digest_id.in_(doomed)).values(digest_id=None))
    session.execute(delete(DeliveryEvent).where(DeliveryEvent.delivery_id.in_(doomed)))
    session.execute(delete(DeliveryAttachment).where(DeliveryAttachment.delivery_id.in_(doomed)))
    session.execute(delete(Delivery).where(Delivery.id.in_(doomed)))
    session.execute(delete(Action).where(Action.id.in_(pending_ids)))
    # Actions that counted at once (optional confirmation) stay; they simply were never verified.
    session.execute(update(Action).where(Action.confirmation_id.in_(expired)).values(confirmation_id=None))
    session.execute(delete(Confirmation).where(Confirmation.id.in_(expired)))
    orphans = select(Supporter.id).where(~select(Action.id).where(Action.supporter_id == Supporter.id).exists())
    session.execute(delete(Supporter).where(Supporter.id.in_(orphans)))
    session.flush()
    return len(pending_ids)


# -- unsubscribing -------------------------------------------------------------

def is_suppressed(session: Session, email_key: str) -> bool:
    return session.get(Suppression, email_hash(email_key)) is not None


def unsubscribe(session: Session, email_key: str, *, now: datetime, method: Method = "unsubscribe_page",
                ip_hash: str | None = None) -> None:
    """Takes effect at once: no more campaign email, and every opt-in of this address withdrawn (and recorded)."""
    key = email_hash(email_key)
    if session.get(Suppression, key) is None:
        session.add(Suppression(email_hash=key, reason="unsubscribed", created_at=now))
    session.execute(update(Action).where(Action.email_key == email_key.strip().lower()).values(opt_in=False))
    record_withdrawal(session, email_key=email_key, method=method, now=now, ip_hash=ip_hash)
    session.flush()
