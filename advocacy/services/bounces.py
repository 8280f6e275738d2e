"""Bounces: a report that a sent message never arrived marks its delivery bounced, tells the writer once,
and flags the office's address as failing for staff.

Only a permanent failure (``Action: failed``, status 5.x.x) bounces a delivery; a delay is logged on
the delivery and nothing else. Handling the same report twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..catalog import Campaign
from ..domain.states import DeliveryState
from ..dsn import BounceReport, RecipientStatus, parse_report
from ..models import Action, AddressFlag, Delivery, DeliveryEvent
from .confirmations import in_language
from .deliveries import note, transition
from .supporter_mail import MailSettings, queue_supporter_email, render, unsubscribe_url

S = DeliveryState
OFFICE_KINDS = ("letter", "digest", "petition")  # sent to an office; the other kinds go to supporters
CampaignLookup = Callable[[str], Campaign | None]


@dataclass
class BounceSummary:
    """What a batch of inbound messages did, for the command's output and the webhook's answer."""

    messages: int = 0
    bounced: list[int] = field(default_factory=list)  # deliveries marked bounced now
    delayed: list[int] = field(default_factory=list)  # deliveries with a new delay logged
    # Reports that change nothing: handled before, about a delivery that cannot bounce now (sent again
    # since), or telling of success ("delivered", "relayed").
    unchanged: int = 0
    notices: int = 0  # writers told their letter did not arrive
    unmatched: int = 0  # reports naming none of our deliveries
    not_reports: int = 0  # messages that are no delivery-status report (auto-replies, spam): left alone

    def as_dict(self) -> dict[str, object]:
        return {"messages": self.messages, "bounced": self.bounced, "delayed": self.delayed,
                "unchanged": self.unchanged, "notices": self.notices, "unmatched": self.unmatched,
                "not_reports": self.not_reports}


def process_message(session: Session, raw: bytes, summary: BounceSummary, *, now: datetime, mail: MailSettings,
                    campaign: CampaignLookup, bounce_address: str) -> None:
    """Read one inbound message (a report, or anything else that came to the bounce address) and apply it."""
    try:
        report = parse_report(raw, bounce_address)
    except Exception:  # noqa: BLE001 - a message the email package cannot read must not stop the others
        report = BounceReport()
    handle_report(session, report, summary, now=now, mail=mail, campaign=campaign)


def find_delivery(session: Session, report: BounceReport) -> Delivery | None:
    """Our delivery the report is about: by VERP token, else by envelope id, else by the returned Message-ID."""
    if report.tokens:
        found = session.scalars(select(Delivery).where(Delivery.return_token.in_(report.tokens))).first()
        if found is not None:
            return found
    ids = [i for i in (report.envelope_id, *report.message_ids) if i]
    if not ids:
        return None
    wanted = ids + [f"<{i.strip('<>')}>" for i in ids]
    return session.scalars(select(Delivery).where(or_(Delivery.return_token.in_(ids),
                                                      Delivery.message_id.in_(wanted)))
                           .order_by(Delivery.id)).first()


def handle_report(session: Session, report: BounceReport, summary: BounceSummary, *, now: datetime,
                  mail: MailSettings, campaign: CampaignLookup) -> None:
    """Apply one report; the caller commits."""
    summary.messages += 1
    outcome = report.outcome
    if outcome is None:
        summary.not_reports += not report.is_report
        summary.unchanged += report.is_report
        return
    delivery = find_delivery(session, report)
    if delivery is None:
        summary.unmatched += 1
    elif outcome.permanent:
        _bounce(session, delivery, outcome, summary, now=now, mail=mail, campaign=campaign)
    elif _log_delay(session, delivery, outcome, report, now=now):
        summary.delayed.append(delivery.id)
    else:
        summary.unchanged += 1


def _bounce(session: Session, delivery: Delivery, outcome: RecipientStatus, summary: BounceSummary, *,
            now: datetime, mail: MailSettings, campaign: CampaignLookup) -> None:
    if delivery.status not in {S.SENT.value, S.BATCHED.value}:
        summary.unchanged += 1  # bounced already, or sent again since (staff fixed the address)
        return
    why = outcome.describe() or "the receiving server refused it"
    delivery.bounced_at, delivery.last_error = now, f"bounced: {why}"[:500]
    transition(session, delivery, S.BOUNCED, reason=f"bounce report: {why}", now=now)
    summary.bounced.append(delivery.id)
    if delivery.kind not in OFFICE_KINDS:
        return  # a supporter's own address: nobody else to tell, no office to flag
    flag_address(session, delivery.office_key or delivery.recipient_email, why, now=now)
    # A digest's letters bounce with it (deliveries.transition moves them): each writer is told.
    letters = [delivery] if delivery.kind == "letter" else list(session.scalars(
        select(Delivery).where(Delivery.digest_id == delivery.id, Delivery.status == S.BOUNCED.value)))
    for action_id in dict.fromkeys(d.action_id for d in letters if d.action_id is not None):
        summary.notices += tell_writer(session, action_id, now=now, mail=mail, campaign=campaign)


def _log_delay(session: Session, delivery: Delivery, outcome: RecipientStatus, report: BounceReport, *,
               now: datetime) -> bool:
    """Log a delay once per report; returns whether it was new."""
    where = f" (report {report.report_id})" if report.report_id else ""
    reason = f"delivery delayed: {outcome.describe() or outcome.action}{where}"[:500]
    seen = session.scalar(select(DeliveryEvent.id).where(DeliveryEvent.delivery_id == delivery.id,
                                                         DeliveryEvent.reason == reason).limit(1))
    if seen is not None:
        return False
    note(session, delivery, reason, now=now)  # not a change of state: the remote server is still trying
    return True


def flag_address(session: Session, address: str, reason: str, *, now: datetime) -> AddressFlag:
    """Mark an office inbox as failing (or count one more bounce on it) for staff to check."""
    key = address.strip().lower()
    flag = session.get(AddressFlag, key, with_for_update=True)
    if flag is None:
        try:
            with session.begin_nested():  # another process may flag the same inbox at the same moment
                flag = AddressFlag(address=key, status="failing", reason=reason[:500], bounces=1, first_seen=now,
                                   last_seen=now)
                session.add(flag)
            return flag
        except IntegrityError:
            flag = session.get(AddressFlag, key, with_for_update=True, populate_existing=True)
            assert flag is not None  # type narrowing: the other process's row exists  # nosec B101
    flag.status, flag.reason, flag.last_seen = "failing", reason[:500], now
    flag.bounces += 1
    return flag


def tell_writer(session: Session, action_id: int, *, now: datetime, mail: MailSettings,
                campaign: CampaignLookup) -> bool:
    """Queue the one notice a writer gets when their letter did not arrive; returns whether one was queued.

    A notice not yet sent is rewritten to name every office that has bounced since.
    """
    action = session.get(Action, action_id, with_for_update=True)  # one notice per letter, even from two processes
    bounced = list(session.scalars(select(Delivery).where(Delivery.action_id == action_id, Delivery.kind == "letter",
                                                          Delivery.status == S.BOUNCED.value)
                                   .order_by(Delivery.id)))
    if action is None or not bounced or not bounced[0].reply_to_address:
        return False
    found = campaign(action.campaign_slug)
    email = render(mail, "notice", lang=action.lang, first_name=action.first_name,
                   title=found.texts(action.lang).title if found else action.campaign_slug,
                   offices=[_office(d) for d in bounced],
                   unsubscribe=in_language(mail, unsubscribe_url(mail, action.email_key), action.lang))
    earlier = session.scalar(select(Delivery.id).where(Delivery.action_id == action_id, Delivery.kind == "notice")
                             .limit(1))
    if earlier is not None:
        session.execute(update(Delivery).where(Delivery.id == earlier, Delivery.status == S.QUEUED.value)
                        .values(subject=email.subject, body=email.body))
        return False
    letter = bounced[0]
    queue_supporter_email(session, action, "notice", email,
                          to_name=letter.reply_to_name or f"{action.first_name} {action.last_name}",
                          to_address=letter.reply_to_address, now=now, message_domain=mail.message_domain)
    return True


def _office(delivery: Delivery) -> dict[str, str]:
    return {"name": delivery.recipient_name, "title": delivery.recipient_office,
            "district": delivery.recipient_district, "address": delivery.recipient_email}


def failing_addresses(session: Session) -> list[tuple[AddressFlag, list[str]]]:
    """Flagged inboxes, most recent first, each with the offices we last wrote to there."""
    flags = session.scalars(select(AddressFlag).where(AddressFlag.status == "failing")
                            .order_by(AddressFlag.last_seen.desc())).all()
    result = []
    for flag in flags:
        offices = session.execute(select(Delivery.recipient_name, Delivery.recipient_office).distinct()
                                  .where(Delivery.office_key == flag.address, Delivery.kind.in_(OFFICE_KINDS))
                                  .limit(5)).all()
        result.append((flag, [f"{name}, {office}" for name, office in offices]))
    return result


def clear_flag(session: Session, address: str) -> bool:
    """Staff fixed or confirmed the address: stop listing it as failing."""
    flag = session.get(AddressFlag, address.strip().lower())
    if flag is None or flag.status != "failing":
        return False
    flag.status = "cleared"
    return True
