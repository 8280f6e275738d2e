"""Builders for the review and people tests: letters and signatures written the way the public forms do."""

from __future__ import annotations

from sqlalchemy import select

from advocacy.channels.smtp import SmtpChannel, SmtpTarget
from advocacy.context import AppContext
from advocacy.domain.types import Supporter
from advocacy.models import Action, Confirmation, Delivery
from advocacy.models.base import utcnow
from advocacy.services.confirmations import confirmation_link_token, request_confirmation
from advocacy.services.letters import LetterEdits, compose_letters, submit_letter
from advocacy.services.petitions import sign_petition
from advocacy.services.targets import resolve_targets
from advocacy.worker import Worker

LETTER = "stop-offshoring"  # K1P 5J2: two offices, the MPP and the minister
PETITION = "together-fairness-works"
POSTAL_CODE = "K1P5J2"


def write_letter(ctx: AppContext, person: Supporter | None = None, *, hold: bool = False,
                 edits: LetterEdits | None = None) -> int:
    """A letter to both offices, committed; returns the action id."""
    person = person or Supporter("Ann", "Lee", "ann.lee@example.com", POSTAL_CODE)
    campaign = ctx.catalog.get(LETTER)
    assert campaign is not None
    with ctx.db.transaction() as session:
        recipients = resolve_targets(session, campaign, person.postal_code, ctx.provider).recipients
        action = submit_letter(session, campaign, person, compose_letters(campaign, recipients, person, edits=edits),
                               now=utcnow(), message_domain=ctx.message_domain, hold=hold)
        if hold:  # as the form does: email the supporter a link
            request_confirmation(session, campaign, action, mail=ctx.mail, now=utcnow())
        return action.id


def confirm_link(ctx: AppContext, action_id: int) -> str:
    """The token of the link emailed for this action (the supporter would click it)."""
    with ctx.db.transaction() as session:
        action = session.get(Action, action_id)
        return confirmation_link_token(ctx.mail.secret_key, session.get(Confirmation, action.confirmation_id))


def sign(ctx: AppContext, person: Supporter, *, hold: bool = False) -> int:
    campaign = ctx.catalog.get(PETITION)
    assert campaign is not None
    with ctx.db.transaction() as session:
        sign_petition(session, campaign, person, now=utcnow(), hold=hold)
        return session.scalars(select(Action.id).where(Action.campaign_slug == PETITION)
                               .order_by(Action.id.desc())).first()


def letters(ctx: AppContext, action_id: int) -> list[Delivery]:
    with ctx.db.transaction() as session:
        return list(session.scalars(select(Delivery).where(Delivery.action_id == action_id,
                                                           Delivery.kind == "letter").order_by(Delivery.id)))


def deliver(ctx: AppContext, smtp_url: str) -> int:
    """Run one worker pass against the test SMTP server; how many deliveries it handled."""
    return Worker(ctx, SmtpChannel(SmtpTarget.parse(smtp_url), timeout=10)).run_once().handled
