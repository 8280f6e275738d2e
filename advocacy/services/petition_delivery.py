"""Deliver a petition to its targets: at signature milestones, on a weekly or monthly schedule, and at close.

Each delivery settles one or more keys ("1000", "2026-W48", "2026-11", "close") in
``petition_milestones``; the keys are claimed in the same transaction that queues the deliveries,
so every milestone, schedule slot and close is delivered once, whoever runs the check.

Who gets what:
- a fixed office (the Premier) gets every signer, grouped by riding;
- for a ``representative`` target, each MPP or MP whose riding has signers gets the total and the
  count in every riding, but the names of their own constituents only. The petition is addressed to
  all of them, so each should see how much support it has and where; a signer's name (a political
  opinion) goes only to the member who acts for them.
Packages are cumulative, and an office whose list has not changed since its last package gets none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..catalog import Campaign, Catalog
from ..catalog.schema import CAMPAIGN_TZ, OfficialTarget
from ..domain.errors import UnknownPostalArea
from ..domain.postal import postal_area
from ..domain.states import DeliveryState
from ..domain.text import _l
from ..domain.types import Attachment, Recipient
from ..models import Action, Delivery, DeliveryAttachment, PetitionMilestone
from ..providers import RepresentativeProvider
from .deliveries import new_message_id
from .petition_package import Package, Signer, new_package, package_files, render_csv, riding_counts
from .stats import COUNTED, count_actions
from .supporter_mail import MailSettings
from .targets import resolve_targets

CLOSE_KEY = "close"  # settled once per campaign: a campaign reopened and closed again is not delivered twice
LOOKUP_TRIES = 3  # postal codes tried per riding to find its member; most answer at the first
# A new package goes to an office unless the last one it got is still on its way or was accepted.
_STANDING = (DeliveryState.HELD, DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.RETRY,
             DeliveryState.SENT)


@dataclass(frozen=True)
class PlannedPackage:
    recipient: Recipient
    package: Package
    files: tuple[Attachment, ...]  # the PDF, then the CSV


@dataclass
class PetitionPlan:
    """What one delivery of a petition would send, before anything is stored."""

    campaign: Campaign
    total: int
    counts: tuple[tuple[str, int], ...]
    packages: list[PlannedPackage] = field(default_factory=list)
    unchanged: list[Recipient] = field(default_factory=list)  # nothing new for them since their last package
    problems: list[str] = field(default_factory=list)


def confirmed_signers(session: Session, slug: str) -> list[Signer]:
    """Every counted signature: name, riding and postal area, and nothing else."""
    rows = session.execute(select(Action.first_name, Action.last_name, Action.district, Action.postal_code)
                           .where(Action.campaign_slug == slug, Action.kind == "signature",
                                  COUNTED).order_by(Action.id))
    return [Signer(district, first, last, postal_area(code)) for first, last, district, code in rows]


@dataclass(frozen=True)
class RecipientPackage:
    recipient: Recipient
    package: Package  # not rendered yet: package_files makes its PDF and CSV


@dataclass
class PetitionRecipients:
    """Whom a delivery of the petition would reach now, and what each one's package lists."""

    total: int
    counts: tuple[tuple[str, int], ...]
    packages: list[RecipientPackage] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def resolve_packages(session: Session, campaign: Campaign, provider: RepresentativeProvider, *, now: datetime,
                     org_name: str) -> PetitionRecipients:
    """Resolve the targets and each one's package (one per inbox), whatever they were sent before; stores nothing."""
    signers = confirmed_signers(session, campaign.slug)
    found = PetitionRecipients(len(signers), riding_counts(signers))
    if not signers:
        return found
    codes = _postal_codes(session, campaign.slug)
    chosen: dict[str, tuple[Recipient, list[Signer], str]] = {}  # by inbox: who, which signers, which riding
    for index, target in enumerate(campaign.targets):
        single = campaign.model_copy(update={"targets": (target,)})  # resolve this rule alone
        if isinstance(target, OfficialTarget):
            official = _resolve(session, single, "", provider, index)
            if official is None:
                found.problems.append(str(_l("The office %(office)s is not in the directory.",
                                             office=target.office)))
            else:
                _keep(chosen, official, signers, "")
            continue
        by_riding: dict[str, list[Signer]] = defaultdict(list)
        for signer in signers:
            by_riding[signer.riding].append(signer)
        unknown = len(by_riding.pop("", []))
        if unknown:
            found.problems.append(str(_l("Signers with no known riding: %(count)s. They count in the total, but no "
                                         "member receives their names.", count=unknown)))
        for riding, members in sorted(by_riding.items()):
            member = next((r for code in codes[riding][:LOOKUP_TRIES]
                           if (r := _resolve(session, single, code, provider, index)) is not None), None)
            if member is None:
                found.problems.append(str(_l("No %(level)s representative found for %(riding)s (%(count)s signers).",
                                             level=target.level, riding=riding, count=len(members))))
            else:
                _keep(chosen, member, members, member.district or riding)
    found.packages = [RecipientPackage(recipient, new_package(
        campaign, listed, recipient=_describe(recipient), riding=riding, total=found.total, counts=found.counts,
        now=now, org_name=org_name)) for recipient, listed, riding in chosen.values()]
    return found


def plan_delivery(session: Session, campaign: Campaign, provider: RepresentativeProvider, *, now: datetime,
                  org_name: str) -> PetitionPlan:
    """Resolve the targets and build the files of each one with something new since its last package."""
    found = resolve_packages(session, campaign, provider, now=now, org_name=org_name)
    plan = PetitionPlan(campaign, found.total, found.counts, problems=found.problems)
    for planned in found.packages:
        csv_bytes = render_csv(planned.package.signers)
        if _last_csv(session, campaign.slug, planned.recipient.email) == csv_bytes:
            plan.unchanged.append(planned.recipient)
            continue
        files = package_files(campaign.slug, planned.package, csv_bytes)
        plan.packages.append(PlannedPackage(planned.recipient, planned.package, files))
    return plan


def _resolve(session: Session, single: Campaign, postal_code: str, provider: RepresentativeProvider,
             index: int) -> Recipient | None:
    try:
        found = resolve_targets(session, single, postal_code, provider).recipients
    except UnknownPostalArea:
        return None
    return replace(found[0], target_group=index) if found else None


def _keep(chosen: dict[str, tuple[Recipient, list[Signer], str]], recipient: Recipient, signers: list[Signer],
          riding: str) -> None:
    """One package per inbox.

    Signers recorded under two names of one riding (renamed, or found at another level) go to its member
    together; an office named by two rules (an MPP who is also the minister) gets the fuller list.
    """
    key = recipient.email.lower()
    earlier = chosen.get(key)
    if earlier is None:
        chosen[key] = (recipient, list(signers), riding)
    elif riding and earlier[2]:
        chosen[key] = (earlier[0], earlier[1] + signers, earlier[2])
    elif len(signers) > len(earlier[1]):
        chosen[key] = (recipient, list(signers), riding)


def _describe(recipient: Recipient) -> str:
    where = f" for {recipient.district}" if recipient.district and recipient.level != "official" else ""
    return f"{recipient.name}, {recipient.office}{where}"


def _postal_codes(session: Session, slug: str) -> dict[str, list[str]]:
    """Distinct postal codes of the signers of each riding: any one of them finds the riding's member."""
    codes: dict[str, list[str]] = defaultdict(list)
    rows = session.execute(select(Action.district, Action.postal_code).distinct()
                           .where(Action.campaign_slug == slug, Action.kind == "signature",
                                  COUNTED, Action.postal_code != "")  # "": an erased signer
                           .order_by(Action.district, Action.postal_code))
    for district, code in rows:
        codes[district].append(code)
    return codes


def _last_csv(session: Session, slug: str, email: str) -> bytes | None:
    return session.scalar(
        select(DeliveryAttachment.data).join(Delivery, Delivery.id == DeliveryAttachment.delivery_id)
        .where(Delivery.campaign_slug == slug, Delivery.kind == "petition", Delivery.office_key == email.lower(),
               Delivery.status.in_([s.value for s in _STANDING]), DeliveryAttachment.content_type == "text/csv")
        .order_by(Delivery.id.desc()).limit(1))


# -- when --------------------------------------------------------------------------

def schedule_slot(schedule: str, now: datetime) -> str | None:
    """The schedule's current slot, in Toronto: ``2026-W48`` (ISO week) or ``2026-11``."""
    local = now.astimezone(CAMPAIGN_TZ)
    if schedule == "weekly":
        year, week, _day = local.isocalendar()
        return f"{year}-W{week:02d}"
    if schedule == "monthly":
        return f"{local:%Y-%m}"
    return None


def due_keys(session: Session, campaign: Campaign, *, total: int, now: datetime) -> list[str]:
    """Milestones reached, the schedule's slot and the close that have not been delivered yet."""
    phase = campaign.phase(now)
    if campaign.kind != "petition" or not campaign.targets or not total or phase in {"draft", "upcoming"}:
        return []
    rules = campaign.petition
    wanted = [str(m) for m in sorted(rules.milestones) if total >= m]
    if phase in {"open", "paused"} and (slot := schedule_slot(rules.schedule, now)):
        wanted.append(slot)
    if phase == "closed" and rules.at_close:
        wanted.append(CLOSE_KEY)
    done = set(session.scalars(select(PetitionMilestone.key).where(PetitionMilestone.campaign_slug
                                                                   == campaign.slug)))
    return [key for key in wanted if key not in done]


# -- queue -------------------------------------------------------------------------

@dataclass(frozen=True)
class Queued:
    campaign: str
    keys: tuple[str, ...]
    plan: PetitionPlan
    deliveries: tuple[Delivery, ...]


def deliver_petition(session: Session, campaign: Campaign, provider: RepresentativeProvider, *,
                     keys: Sequence[str], now: datetime, mail: MailSettings) -> Queued | None:
    """Claim ``keys`` and queue one package per target, in the caller's transaction.

    Returns ``None`` when another process claimed one of the keys first (it is delivering them).
    """
    total = count_actions(session, campaign.slug)
    try:
        with session.begin_nested():  # the unique (campaign, key) settles a race between two workers
            session.add_all(PetitionMilestone(campaign_slug=campaign.slug, key=key, signatures=total,
                                              created_at=now) for key in keys)
    except IntegrityError:
        return None
    plan = plan_delivery(session, campaign, provider, now=now, org_name=mail.org_name)
    rows = tuple(_enqueue(session, campaign, planned, plan, now=now, message_domain=mail.message_domain)
                 for planned in plan.packages)
    session.flush()
    return Queued(campaign.slug, tuple(keys), plan, rows)


def queue_due_petition_deliveries(session: Session, catalog: Catalog, provider: RepresentativeProvider, *,
                                  now: datetime, mail: MailSettings) -> list[Queued]:
    """The periodic check: queue every petition delivery that is due now (cheap when none is)."""
    queued = []
    for campaign in catalog:
        if campaign.kind != "petition" or not campaign.targets:
            continue
        total = count_actions(session, campaign.slug)  # a count, not the signers: this runs every few seconds
        keys = due_keys(session, campaign, total=total, now=now)
        if keys and (done := deliver_petition(session, campaign, provider, keys=keys, now=now, mail=mail)):
            queued.append(done)
    return queued


def manual_key(now: datetime) -> str:
    """The key of a delivery staff asked for: unique to the second."""
    return f"manual-{now.astimezone(CAMPAIGN_TZ):%Y-%m-%dT%H:%M:%S}"


def _enqueue(session: Session, campaign: Campaign, planned: PlannedPackage, plan: PetitionPlan, *,
             now: datetime, message_domain: str) -> Delivery:
    r, package = planned.recipient, planned.package
    delivery = Delivery(
        action_id=None, campaign_slug=campaign.slug, status=DeliveryState.QUEUED.value, kind="petition",
        target_group=r.target_group, policy="individual", office_key=r.email.strip().lower(),
        recipient_name=r.name, recipient_email=r.email, recipient_office=r.office, recipient_district=r.district,
        recipient_level=r.level.value, match=r.match, source=r.source, confidence=r.confidence,
        recipient_source_url=r.source_url, recipient_fetched_at=r.fetched_at,
        subject=f"Petition: {campaign.title} ({plan.total:,} signature{'s' if plan.total != 1 else ''})",
        body=_cover_note(r, package, planned.files), message_id=new_message_id(message_domain), attempts=0,
        next_attempt_at=now, created_at=now,
        attachments=[DeliveryAttachment(filename=f.filename, content_type=f.content_type, data=f.data)
                     for f in planned.files],
    )
    session.add(delivery)
    return delivery


def _cover_note(recipient: Recipient, package: Package, files: tuple[Attachment, ...]) -> str:
    listed = len(package.signers)
    whose = (f"{listed:,} of them from {package.riding}, whose names are attached" if package.riding
             else "all of them attached, grouped by riding")
    pdf, csv_file = files
    return (
        f"Dear {recipient.name},\n\n"
        f"We are delivering the petition \"{package.title}\": {package.total:,} people have signed it as of "
        f"{package.as_of:%B} {package.as_of.day}, {package.as_of.year}, {whose}.\n\n"
        f"- {pdf.filename}: the text of the petition, the count in each riding, and the signers.\n"
        f"- {csv_file.filename}: the same signers as a spreadsheet.\n\n"
        f"Signers gave their name and postal code. We share only the first three characters of the postal "
        f"code, and no email addresses.\n\n"
        f"{package.org_name}\n"
    )
