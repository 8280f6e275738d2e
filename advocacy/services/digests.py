"""Digests: letters of ``digest`` and ``threshold`` groups reach each office together, in one email.

``digest``: when a period (an hour, or a day in the office's time zone) is over, every letter written in it
(or before it and not yet sent) goes out in one email per office. ``threshold``: nothing goes until
``first`` letters wait for an office, then one email for every ``every`` more; what is left when the
campaign closes goes too, so no letter is kept for ever.

Each letter moves to ``batched`` with ``digest_id`` naming the digest, and follows the digest's outcome
(``deliveries.transition`` carries it along). Building is idempotent: a letter already in a digest is
not ``queued`` any more, and on PostgreSQL builders take turns on an advisory lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select, text
from sqlalchemy.orm import Session

from ..catalog import Catalog
from ..domain.postal import format_postal_code
from ..domain.states import DeliveryState
from ..domain.types import Level
from ..models import Action, Delivery
from .deliveries import new_message_id, transition
from .pacing import OFFICE_LOCK_SPACE, PacingRules, period_start

S = DeliveryState
D = Delivery
GROUPED_MODES = ("digest", "threshold")
# An email that mail servers and readers still take: past either limit the rest go in a second part.
MAX_LETTERS = 200
MAX_CHARACTERS = 1_000_000
_BUILD_LOCK = text("SELECT pg_advisory_xact_lock(:space, 0)")


def any_waiting(session: Session) -> bool:
    """Whether any letter waits for a digest: a read, so a worker need not take the write lock every poll."""
    return bool(session.scalar(select(exists().where(D.kind == "letter", D.policy.in_(GROUPED_MODES),
                                                     D.status == S.QUEUED.value))))


def build_digests(session: Session, catalog: Catalog, now: datetime, *, message_domain: str) -> list[Delivery]:
    """Gather every letter whose digest is due into new digest deliveries; returns the digests built."""
    if session.get_bind().dialect.name == "postgresql":
        # Two workers building at once would put the same letters in two digests: take turns. Waiting is
        # short (a build is a few queries) and claims never take this lock, so it cannot deadlock with them.
        session.execute(_BUILD_LOCK, {"space": OFFICE_LOCK_SPACE + 1})
    rules = PacingRules.from_catalog(catalog)
    waiting = session.execute(
        select(D.campaign_slug, D.target_group, D.office_key, D.policy, func.count(), func.min(D.created_at))
        .where(D.kind == "letter", D.policy.in_(GROUPED_MODES), D.status == S.QUEUED.value)
        .group_by(D.campaign_slug, D.target_group, D.office_key, D.policy)
        .order_by(D.campaign_slug, D.target_group, D.office_key)
    ).all()
    built: list[Delivery] = []
    for slug, group, office, mode, count, oldest in waiting:
        policy = rules.policy(slug, group)
        campaign = catalog.get(slug)
        cutoff: datetime | None = None
        if mode == "digest":
            cutoff = period_start(policy, now)  # letters of the period still under way wait for its end
            if oldest >= cutoff:
                continue
        else:
            ended = campaign is None or campaign.phase(now) == "closed"
            needed = policy.every if _delivered_before(session, slug, group, office) else policy.first
            if count < needed and not ended:
                continue
        query = (select(D, Action.postal_code).outerjoin(Action, Action.id == D.action_id)
                 .where(D.kind == "letter", D.status == S.QUEUED.value, D.campaign_slug == slug,
                        D.target_group == group, D.office_key == office, D.policy == mode)
                 .order_by(D.created_at, D.id))
        if cutoff is not None:
            query = query.where(D.created_at < cutoff)
        letters = [(letter, postal_code or "") for letter, postal_code in session.execute(query)]
        title = campaign.title if campaign else slug
        parts = list(_parts(letters))
        for number, part in enumerate(parts, start=1):
            label = f" (part {number} of {len(parts)})" if len(parts) > 1 else ""
            built.append(_digest(session, part, title=title, label=label, mode=mode, zone=policy.timezone,
                                 now=now, message_domain=message_domain))
    session.flush()
    return built


def _delivered_before(session: Session, slug: str, group: int, office: str) -> bool:
    return bool(session.scalar(select(exists().where(D.kind == "digest", D.campaign_slug == slug,
                                                     D.target_group == group, D.office_key == office))))


def _parts(letters: Sequence[tuple[Delivery, str]]) -> Iterator[list[tuple[Delivery, str]]]:
    part: list[tuple[Delivery, str]] = []
    size = 0
    for item in letters:
        length = len(item[0].body) + len(item[0].subject)
        if part and (len(part) >= MAX_LETTERS or size + length > MAX_CHARACTERS):
            yield part
            part, size = [], 0
        part.append(item)
        size += length
    if part:
        yield part


def _digest(session: Session, letters: list[tuple[Delivery, str]], *, title: str, label: str, mode: str,
            zone: str, now: datetime, message_domain: str) -> Delivery:
    newest = letters[-1][0]  # the freshest snapshot of the office (they all share one office)
    digest = Delivery(
        action_id=None, campaign_slug=newest.campaign_slug, status=S.QUEUED.value, kind="digest",
        target_group=newest.target_group, policy=mode, office_key=newest.office_key,
        district_key=newest.district_key, recipient_name=newest.recipient_name,
        recipient_email=newest.recipient_email, recipient_office=newest.recipient_office,
        recipient_district=newest.recipient_district, recipient_level=newest.recipient_level, match=newest.match,
        source=newest.source, confidence=newest.confidence, recipient_source_url=newest.recipient_source_url,
        recipient_fetched_at=newest.recipient_fetched_at, reply_to_name="", reply_to_address="",
        subject=digest_subject(len(letters), title, newest.recipient_level) + label,
        body=digest_body([letter for letter, _ in letters], [code for _, code in letters], title=title,
                         zone=ZoneInfo(zone)),
        message_id=new_message_id(message_domain), attempts=0, next_attempt_at=now, created_at=now,
    )
    session.add(digest)
    session.flush()
    for letter, _ in letters:
        letter.digest_id = digest.id
        transition(session, letter, S.BATCHED, reason=f"in digest {digest.id}", now=now)
    return digest


def _writers(count: int, level: str) -> str:
    """Constituents write to their representative; anyone may write to a minister or another official."""
    if level == Level.OFFICIAL.value:
        return "1 person" if count == 1 else f"{count} people"
    return "1 constituent" if count == 1 else f"{count} constituents"


def digest_subject(count: int, title: str, level: str) -> str:
    return f"{_writers(count, level)} wrote about {title}"


def digest_body(letters: Sequence[Delivery], postal_codes: Iterable[str], *, title: str, zone: ZoneInfo) -> str:
    """Every letter in full, each headed by its writer's name and postal code."""
    first, last = (letters[0].created_at.astimezone(zone).date(), letters[-1].created_at.astimezone(zone).date())
    when = f"on {first:%Y-%m-%d}" if first == last else f"between {first:%Y-%m-%d} and {last:%Y-%m-%d}"
    place = f" in {letters[0].recipient_district}" if letters[0].recipient_district else ""
    lines = [
        f"{_writers(len(letters), letters[0].recipient_level)}{place} wrote to you about {title} {when}.",
        "Each letter follows in full, with its writer's name and postal code. To answer a writer, write to the "
        "address in their letter.",
    ]
    for number, (letter, code) in enumerate(zip(letters, postal_codes, strict=True), start=1):
        writer = ", ".join(part for part in (letter.reply_to_name, format_postal_code(code)) if part)
        lines += ["", f"--- Letter {number} of {len(letters)} ---", f"From: {writer}", f"Subject: {letter.subject}",
                  "", letter.body.strip()]
    return "\n".join(lines) + "\n"
