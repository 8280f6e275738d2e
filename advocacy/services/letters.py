"""Writing a letter: compose the exact text each office receives, then queue it in the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ..catalog.schema import Campaign
from ..catalog.templating import DEFAULT_GREETING, render_letter_template
from ..domain.errors import CampaignClosed, NoTargets
from ..domain.postal import format_postal_code
from ..domain.text import _l
from ..domain.types import Recipient, RenderedLetter, Supporter
from ..models import Action
from .abuse import canonical_email
from .deliveries import enqueue_letter
from .supporters import email_key, upsert_supporter_id

AWAITING = "awaiting confirmation"  # the hold reason confirmations release

CLOSINGS = {"en": "Sincerely,", "fr": "Veuillez agréer mes salutations distinguées,"}
# The greeting of a letter text that gives none (the schema's default is the English one).
DEFAULT_GREETINGS = {"en": DEFAULT_GREETING, "fr": "Bonjour {{ target.name }},"}


@dataclass(frozen=True)
class LetterEdits:
    """What the supporter typed over the campaign's text. Used verbatim, never as a template."""

    subject: str
    body: str


def default_letter_text(campaign: Campaign, lang: str = "en") -> LetterEdits:
    """The subject and body an editable letter starts from (editable bodies name no target)."""
    version = next(iter(campaign.letters.values()))
    text = (version.fr if lang == "fr" else None) or version.en
    context = _context(campaign, None, None, "", lang)
    return LetterEdits(render_letter_template(text.subject, context).strip(),
                       render_letter_template(text.body, context).strip())


def _context(campaign: Campaign, recipient: Recipient | None, person: Supporter | None,
             city: str, lang: str) -> dict[str, dict[str, str]]:
    target = {"name": recipient.name, "office": recipient.office, "district": recipient.district} if recipient \
        else {"name": "", "office": "", "district": ""}
    supporter = {"first_name": "", "last_name": "", "name": "", "postal_code": "", "city": city}
    if person:
        supporter.update(first_name=person.first_name, last_name=person.last_name, name=person.name,
                         postal_code=format_postal_code(person.postal_code))
    return {"target": target, "supporter": supporter, "campaign": {"title": campaign.texts(lang).title}}


def compose_letters(campaign: Campaign, recipients: list[Recipient], person: Supporter, *, lang: str = "en",
                    edits: LetterEdits | None = None, city: str = "") -> list[RenderedLetter]:
    """The letter each recipient will read: greeting, body, and the supporter's signature."""
    letters = []
    for recipient in recipients:
        version = campaign.letters[recipient.letter_key]
        text = (version.fr if lang == "fr" else None) or version.en
        text_lang = "fr" if text is version.fr else "en"
        context = _context(campaign, recipient, person, city, text_lang)
        given = text.greeting if "greeting" in text.model_fields_set else DEFAULT_GREETINGS[text_lang]
        greeting = render_letter_template(given, context).strip()
        if edits is not None and campaign.editable:
            subject, body = edits.subject.strip(), edits.body.strip()
        else:
            subject = render_letter_template(text.subject, context).strip()
            body = render_letter_template(text.body, context).strip()
        signature = "\n".join([CLOSINGS[text_lang], person.name,
                               format_postal_code(person.postal_code), person.email])
        subject = " ".join(subject.split())  # a subject is one line
        letters.append(RenderedLetter(recipient, subject, f"{greeting}\n\n{body}\n\n{signature}\n"))
    return letters


def submit_letter(session: Session, campaign: Campaign, person: Supporter, letters: list[RenderedLetter], *,
                  now: datetime, message_domain: str, opt_in: bool = False, district: str = "",
                  source: str = "", hold: bool = False, lang: str = "en", ip_hash: str | None = None) -> Action:
    """Record the letter and one outbox row per recipient; the caller commits them together.

    ``hold``: the letter is pending and its deliveries held until the supporter confirms their address.
    """
    if campaign.kind != "letter":
        raise ValueError(f"{campaign.slug} is not a letter campaign")
    if not campaign.is_open(now):
        raise CampaignClosed(str(_l("This campaign is not accepting letters now.")))
    if not letters:
        raise NoTargets(str(_l("There is nobody to send this letter to.")))
    action = Action(campaign_slug=campaign.slug, kind="letter", status="pending" if hold else "confirmed",
                    lang=lang, supporter_id=upsert_supporter_id(session, person, now=now),
                    email_key=email_key(person.email), canonical_key=canonical_email(person.email),
                    first_name=person.first_name, last_name=person.last_name,
                    postal_code=person.postal_code, district=district, opt_in=opt_in, source=source,
                    created_at=now, ip_hash=ip_hash)
    session.add(action)
    session.flush()
    for letter in letters:
        # The target group's mode is fixed when the letter is written: it decides how the letter leaves.
        mode = campaign.targets[letter.recipient.target_group].delivery.mode
        enqueue_letter(session, action, letter, reply_to_name=person.name, reply_to_address=person.email.strip(),
                       now=now, message_domain=message_domain, policy=mode, hold_reason=AWAITING if hold else "")
    session.flush()
    return action
