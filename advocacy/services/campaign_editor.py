"""The campaign editor: form fields to a campaign document, checked by the campaign files' own loader.

The editor's form is a campaign file in another shape: one input per common field, named by its field path
(``text.en.title``), and one TOML box for ``[[targets]]`` and ``[letters]``. ``document_from_form`` builds the
document, ``check_document`` writes it as TOML and loads it with ``load_campaign_text``, so a problem reads
exactly as ``advocacy campaigns check`` would print it for the same file. What is stored is that TOML without
``status``: the row's own column holds the status, which the lifecycle buttons change.

Lifecycle: draft → live ⇄ paused → closed, and a closed campaign can be reopened, as paused, so nothing is
accepted until staff make it live again. A file campaign's status set here is a status-only row
(``source`` empty) that overrides the file's; ``clear_status_override`` removes it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from ..catalog import CampaignFileError, load_campaign_text
from ..catalog.schema import CAMPAIGN_TZ, Campaign
from ..catalog.stored import bump_revision, campaign_from_row, stored_name
from ..catalog.writer import campaign_document, dump_toml
from ..models import Action, PetitionMilestone, Staff, StoredCampaign
from ..providers import RepresentativeProvider
from . import audit
from .petition_delivery import CLOSE_KEY, Queued, deliver_petition, due_keys
from .stats import count_actions
from .supporter_mail import MailSettings

TEXT_FIELDS = ("title", "summary", "body", "thank_you", "share_text", "consent")
LANGS = ("en", "fr")
TARGETS_FIELD = "targets_and_letters"  # the TOML box: [[targets]] and [letters.<key>.<lang>] only
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("live",), "live": ("paused", "closed"), "paused": ("live", "closed"),
    "closed": ("paused",),  # reopening: paused, so it takes nothing until staff make it live
}
Problem = tuple[str, str]  # (field path, what is wrong), as campaigns check prints them


class EditorError(ValueError):
    """The campaign cannot be saved or changed; ``problems`` are (field path, message) pairs."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))
        self.problems = problems


# -- form <-> document ----------------------------------------------------------------

def _number_or_text(raw: str) -> int | str:
    # Whatever is not a plain number goes to the schema as text, which reports it as a file check would.
    return int(raw) if re.fullmatch(r"\d{1,12}", raw) else raw


def _date_or_text(raw: str) -> date | str:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return raw


def document_from_form(values: Mapping[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """The campaign document the form describes, and the problems found before validation (the TOML box)."""
    def text(name: str) -> str:
        return (values.get(name) or "").replace("\r\n", "\n")

    doc: dict[str, Any] = {}
    for name in ("slug", "kind", "visibility", "confirm"):
        if text(name).strip():
            doc[name] = text(name).strip()
    if text("goal").strip():
        doc["goal"] = _number_or_text(text("goal").strip())
    for name in ("opens", "closes"):
        if text(name).strip():
            doc[name] = _date_or_text(text(name).strip())
    if values.get("editable"):
        doc["editable"] = True
    if doc.get("kind") == "petition":
        petition: dict[str, Any] = {}
        milestones = [_number_or_text(part) for part in re.split(r"[,\s]+", text("petition.milestones")) if part]
        if milestones:
            petition["milestones"] = milestones
        if text("petition.schedule") not in {"", "none"}:
            petition["schedule"] = text("petition.schedule")
        if not values.get("petition.at_close"):
            petition["at_close"] = False
        if petition:
            doc["petition"] = petition
    origins = [line.strip() for line in text("embed.allowed_origins").splitlines() if line.strip()]
    if origins:
        doc["embed"] = {"allowed_origins": origins}
    texts: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        given = {field: text(f"text.{lang}.{field}") for field in TEXT_FIELDS}
        given = {field: value for field, value in given.items() if value.strip()}
        if lang == "en" or given:  # French is optional: left wholly empty, it is left out
            texts[lang] = given
    doc["text"] = texts
    problems = _merge_targets(doc, text(TARGETS_FIELD))
    return doc, problems


def _merge_targets(doc: dict[str, Any], source: str) -> list[Problem]:
    try:
        extra = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        return [(TARGETS_FIELD, f"(syntax): {exc}")]
    stray = sorted(set(extra) - {"targets", "letters"})
    if stray:
        return [(TARGETS_FIELD, f"only [[targets]] and [letters…] belong here; use the form's fields for "
                                f"{', '.join(stray)}")]
    doc.update(extra)
    return []


def form_values(campaign: Campaign) -> dict[str, str]:
    """The form's fields filled from a campaign (to edit or duplicate it)."""
    values = {"slug": campaign.slug, "kind": campaign.kind, "visibility": campaign.visibility,
              "goal": str(campaign.goal), "opens": campaign.opens.isoformat() if campaign.opens else "",
              "closes": campaign.closes.isoformat() if campaign.closes else "", "confirm": campaign.confirm or "",
              "editable": "y" if campaign.editable else "",
              "petition.milestones": ", ".join(map(str, campaign.petition.milestones)),
              "petition.schedule": campaign.petition.schedule,
              "petition.at_close": "y" if campaign.petition.at_close else "",
              "embed.allowed_origins": "\n".join(campaign.embed.allowed_origins)}
    for lang in LANGS:
        texts = getattr(campaign.text, lang)
        for field in TEXT_FIELDS:
            values[f"text.{lang}.{field}"] = getattr(texts, field) if texts else ""
    document = campaign_document(campaign)
    rest = {key: document[key] for key in ("targets", "letters") if document.get(key)}
    values[TARGETS_FIELD] = dump_toml(rest) if rest else ""
    return values


def check_document(document: Mapping[str, Any]) -> Campaign:
    """Validate with the campaign files' loader; ``EditorError`` carries its (path, message) pairs."""
    slug = str(document.get("slug") or "new-campaign")
    try:
        return load_campaign_text(dump_toml(document), stored_name(slug))
    except CampaignFileError as exc:
        raise EditorError(exc.fields) from exc


def campaign_from_form(values: Mapping[str, str]) -> Campaign:
    """The campaign the form describes, or ``EditorError`` with every problem."""
    document, problems = document_from_form(values)
    try:
        campaign = check_document(document)
    except EditorError as exc:
        problems = problems + exc.problems
        raise EditorError(problems) from exc
    if problems:
        raise EditorError(problems)
    return campaign


def stored_source(campaign: Campaign) -> str:
    """The TOML kept in the database: the campaign's fields as given, without ``status``."""
    return dump_toml({k: v for k, v in campaign_document(campaign).items() if k != "status"})


# -- saving ------------------------------------------------------------------------------

def stored_row(session: Session, slug: str) -> StoredCampaign | None:
    return session.scalars(select(StoredCampaign).where(StoredCampaign.slug == slug)).first()


def create_campaign(session: Session, campaign: Campaign, *, staff: Staff, file_slugs: set[str],
                    now: datetime, duplicated_from: str = "") -> StoredCampaign:
    """Store a new campaign as a draft; its slug must be new to the files and the database."""
    if campaign.slug in file_slugs or stored_row(session, campaign.slug) is not None:
        raise EditorError([("slug", f"{campaign.slug!r} is already used by another campaign: choose another")])
    row = StoredCampaign(slug=campaign.slug, source=stored_source(campaign), status="draft", version=1,
                         created_at=now, updated_at=now, updated_by=staff.email)
    session.add(row)
    bump_revision(session)
    detail = {"kind": campaign.kind, **({"from": duplicated_from} if duplicated_from else {})}
    audit.record(session, staff, "campaign.create", f"campaign:{campaign.slug}", detail, now=now)
    return row


def update_campaign(session: Session, slug: str, campaign: Campaign, *, version: int, staff: Staff,
                    now: datetime) -> StoredCampaign:
    """Save new contents of a stored campaign; its slug and kind stay, and nobody else may have saved since."""
    row = stored_row(session, slug)
    if row is None or row.source is None:
        raise EditorError([("slug", "only campaigns made in the editor can be changed here")])
    before = campaign_from_row(row)
    problems = [(field, f"cannot change once the campaign exists (it was {getattr(before, field)!r})")
                for field in ("slug", "kind") if getattr(campaign, field) != getattr(before, field)]
    if problems:
        raise EditorError(problems)
    if row.version != version:
        raise EditorError([("(campaign)", f"{row.updated_by} saved this campaign since you opened it: your changes "
                                          f"are below and were not saved; reload the page and make them again")])
    changed = sorted(key for key in {*campaign_document(before), *campaign_document(campaign)} - {"status"}
                     if campaign_document(before).get(key) != campaign_document(campaign).get(key))
    row.source, row.version, row.updated_at, row.updated_by = stored_source(campaign), row.version + 1, now, staff.email
    bump_revision(session)
    audit.record(session, staff, "campaign.update", f"campaign:{slug}", {"fields": changed}, now=now)
    return row


def change_status(session: Session, campaign: Campaign, status: str, *, staff: Staff, stored: bool,
                  now: datetime) -> Campaign:
    """Move a campaign along draft → live ⇄ paused → closed → paused (reopened); a file campaign's status is kept
    in the database."""
    if status not in TRANSITIONS.get(campaign.status, ()):
        # Shown in a flash message, which lives in the session cookie: a forged value is cut short, or the cookie
        # would outgrow what browsers keep.
        raise EditorError([("status", f"a {campaign.status} campaign cannot become {status[:20]}")])
    row = stored_row(session, campaign.slug)
    if stored:
        if row is None:
            raise EditorError([("slug", "this campaign is not in the database")])
        row.status, row.version = status, row.version + 1
    elif row is None:
        row = StoredCampaign(slug=campaign.slug, source=None, status=status, version=1, created_at=now)
        session.add(row)
    else:
        row.status = status
    row.updated_at, row.updated_by = now, staff.email
    bump_revision(session)
    audit.record(session, staff, "campaign.status", f"campaign:{campaign.slug}",
                 {"from": campaign.status, "to": status, "source": "editor" if stored else "file"}, now=now)
    return campaign.model_copy(update={"status": status})


def deliver_on_close(session: Session, campaign: Campaign, provider: RepresentativeProvider, *, mail: MailSettings,
                     now: datetime) -> Queued | None:
    """A petition just closed: queue its "at close" package now rather than at the next periodic check."""
    if campaign.kind != "petition" or campaign.phase(now) != "closed":
        return None
    keys = due_keys(session, campaign, total=count_actions(session, campaign.slug), now=now)
    return deliver_petition(session, campaign, provider, keys=keys, now=now, mail=mail) if keys else None


def clear_status_override(session: Session, campaign: Campaign, file_status: str, *, staff: Staff,
                          now: datetime) -> Campaign:
    """A file campaign goes back to its file's status: the status staff gave it here is removed."""
    row = stored_row(session, campaign.slug)
    if row is None or row.source is not None:
        raise EditorError([("status", "this campaign has no status set in the admin, so it already has its file's")])
    session.delete(row)
    bump_revision(session)
    audit.record(session, staff, "campaign.status_cleared", f"campaign:{campaign.slug}",
                 {"from": row.status, "to": file_status}, now=now)
    return campaign.model_copy(update={"status": file_status})


@dataclass(frozen=True)
class StatusNotes:
    """What staff should know before closing a campaign or reopening it."""

    close_delivered: bool  # its "at close" petition package was queued: not recalled, and not sent at a new close
    closes_passed: date | None  # its closing date, when past: even live, it stays closed until the date changes
    anonymised: int  # actions the retention purge anonymised after the close: those people could act again


def status_notes(session: Session, campaign: Campaign, *, now: datetime) -> StatusNotes:
    slug = campaign.slug
    delivered = session.scalar(select(exists().where(PetitionMilestone.campaign_slug == slug,
                                                     PetitionMilestone.key == CLOSE_KEY)))
    passed = campaign.closes if campaign.closes and campaign.closes < now.astimezone(CAMPAIGN_TZ).date() else None
    anonymised = session.scalar(select(func.count()).select_from(Action).where(
        Action.campaign_slug == slug, Action.anonymised_at.is_not(None))) or 0
    return StatusNotes(bool(delivered), passed, anonymised)
