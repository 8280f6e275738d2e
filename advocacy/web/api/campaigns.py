"""Campaigns for allies: read them (public, cacheable), and post signatures and letters with an API key.

Posting goes through the same rules and services as the web forms: advocacy/validation.py for the
supporter's details, the petition and letter services for dedupe and the outbox, and the same
confirmation email. Each action also records the ally that brought it (services/allies.attribute).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response, abort, jsonify, request, url_for
from pydantic import ValidationError

from ...catalog import Campaign
from ...domain.errors import AdvocacyError, CampaignClosed, UnknownPostalArea
from ...domain.types import Level, Supporter
from ...mail import unsafe_reason
from ...models.base import utcnow
from ...services import letters as letter_service
from ...services.allies import Caller, ally_source, attribute, signature_id
from ...services.confirmations import queue_receipt, request_confirmation
from ...services.petitions import prepare_signature, record_signature
from ...services.stats import public_count
from ...services.supporters import email_key
from ...services.targets import resolve_targets
from ...validation import SUPPORTER_RULES, InvalidField, letter_problems
from ..common import app_context, db_session
from . import bp, error_response
from .auth import caller, limit
from .schemas import Submission, read_submission, schema_problems

LANGS = ("en", "fr")


def _lang() -> str:
    lang = request.args.get("lang", "en")
    if lang not in LANGS:
        abort(error_response(400, "lang must be en or fr"))
    return lang


def _visible(slug: str, who: Caller | None) -> Campaign:
    """The campaign, if this caller may see it: drafts never; private ones only by an ally allowed them."""
    campaign = app_context().catalog.get(slug)
    if campaign is None or campaign.status == "draft" or \
            (not campaign.listed and (who is None or not who.allows(campaign.slug))):
        abort(error_response(404, "There is no campaign with that slug."))
    return campaign


def _page_url(campaign: Campaign) -> str:
    return app_context().settings.base_url + url_for("public.campaign", slug=campaign.slug)


def _summary(campaign: Campaign, now: datetime, lang: str) -> dict[str, Any]:
    text = campaign.texts(lang)
    return {"slug": campaign.slug, "kind": campaign.kind, "title": text.title, "summary": text.summary,
            "phase": campaign.phase(now), "goal": campaign.goal,
            # A private campaign's count is never shown: it would tell an employer how a drive is going.
            "count": public_count(db_session(), campaign.slug) if campaign.listed else None,
            "url": _page_url(campaign)}


def _cacheable(body: dict[str, Any], who: Caller | None) -> Response:
    response = jsonify(body)
    # Anonymous answers are the same for everyone; an ally's may include its private campaigns.
    response.headers["Cache-Control"] = "private, no-cache" if who else "public, max-age=60"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/campaigns")
def list_campaigns() -> Response:
    who = caller(required=False)
    limit(who)
    now, lang = utcnow(), _lang()
    # Private campaigns are never listed, not even to an ally allowed them: they are passed on by link.
    campaigns = [c for c in app_context().catalog.listed(now) if who is None or who.allows(c.slug)]
    return _cacheable({"campaigns": [_summary(c, now, lang) for c in campaigns]}, who)


@bp.get("/campaigns/<slug>")
def get_campaign(slug: str) -> Response:
    who = caller(required=False)
    limit(who)
    lang = _lang()
    campaign, now = _visible(slug, who), utcnow()
    text = campaign.texts(lang)
    letter = None
    if campaign.kind == "letter" and campaign.editable:
        defaults = letter_service.default_letter_text(campaign, lang)
        letter = {"subject": defaults.subject, "body": defaults.body}
    body = {
        **_summary(campaign, now, lang), "lang": "fr" if lang == "fr" and campaign.text.fr else "en",
        "body": text.body, "thank_you": text.thank_you, "share_text": text.share_text, "consent": text.consent,
        "open": campaign.is_open(now), "opens": campaign.opens.isoformat() if campaign.opens else None,
        "closes": campaign.closes.isoformat() if campaign.closes else None, "confirm": campaign.confirm_mode,
        "editable": campaign.editable, "letter": letter, "levels": campaign.levels(),
        "ally": None if who is None else {"slug": who.ally_slug, "name": who.ally_name,
                                          "opt_in_wording": who.opt_in_wording, "may_post": who.allows(slug)},
    }
    return _cacheable(body, who)


def _writable(slug: str, who: Caller, kind: str) -> Campaign:
    campaign = _visible(slug, who)
    if not who.allows(campaign.slug):
        abort(error_response(403, "This API key may not act on this campaign."))
    if campaign.kind != kind:
        other = "signatures" if campaign.kind == "petition" else "letters"
        abort(error_response(404, f"This campaign is a {campaign.kind}: post to /campaigns/{slug}/{other}."))
    return campaign


def _submission(who: Caller, campaign: Campaign) -> tuple[Submission, Supporter]:
    """The request body, checked against the published schema, then the supporter's details against our rules."""
    if not request.is_json:
        abort(error_response(415, "Send the body as JSON, with Content-Type: application/json."))
    data = request.get_json(silent=True)  # reading past MAX_CONTENT_LENGTH raises 413 (JSON, see json_errors)
    if data is None:
        abort(error_response(400, "The body is not valid JSON."))
    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        abort(error_response(400, "The body holds text that is not valid Unicode (a lone surrogate)."))
    try:
        submission = read_submission(data, letter=campaign.kind == "letter")
    except ValidationError as exc:
        abort(error_response(422, "The body does not match the schema.",
                             fields={**schema_problems(exc), **_rule_problems(data)}))
    labels = {"source": submission.source, **{f"add_tags.{n}": tag for n, tag in enumerate(submission.tags)}}
    unsafe = {name: "Use letters, digits and punctuation only"
              for name, value in labels.items() if unsafe_reason(value)}
    if unsafe:  # kept with the action and shown to staff: no control characters (PostgreSQL refuses NUL)
        abort(error_response(422, "The ally's labels cannot be stored as given.", fields=unsafe))
    if not campaign.is_open(utcnow()):
        abort(error_response(409, "This campaign is not accepting actions now."))
    if submission.opt_in and not who.opt_in_wording:
        abort(error_response(422, "Your organisation has no opt-in wording on file with us, so we cannot "
                                  "record an opt-in: ask us to add it.", fields={"opt_in": "no wording on file"}))
    cleaned, problems = _supporter_problems(submission.fields)
    if problems:
        abort(error_response(422, "Some of the supporter's details cannot be used.", fields=problems))
    return submission, Supporter(**cleaned)


def _posting(slug: str, kind: str) -> tuple[Caller, Campaign, Submission, Supporter]:
    """What both POST endpoints check first, in this order: the key, its rate limit, the campaign, the body."""
    who = caller(required=True)
    assert who is not None  # noqa: S101 - caller(required=True) aborts otherwise  # nosec B101
    limit(who)
    campaign = _writable(slug, who, kind)
    submission, person = _submission(who, campaign)
    return who, campaign, submission, person


def _supporter_problems(values: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The supporter's details cleaned by the web form's rules, and what is wrong with the others, by field."""
    cleaned, problems = {}, {}
    for name, rule in SUPPORTER_RULES.items():
        try:
            cleaned[name] = rule.clean(values.get(name, ""))
        except InvalidField as exc:
            problems[name] = str(exc)
    return cleaned, problems


def _rule_problems(data: object) -> dict[str, str]:
    """For a body outside the schema: the rules' own words for the supporter fields it has (clearer than a regex)."""
    if not isinstance(data, dict):
        return {}
    given = {name: value for name, value in data.items() if name in SUPPORTER_RULES and isinstance(value, str)}
    return {name: message for name, message in _supporter_problems(given)[1].items() if name in given}


def _created(body: dict[str, Any], status: int = 201) -> tuple[Response, int]:
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, status


@bp.post("/campaigns/<slug>/signatures")
def post_signature(slug: str) -> tuple[Response, int]:
    who, campaign, submission, person = _posting(slug, "petition")
    ctx, now = app_context(), utcnow()
    try:
        with ctx.db.session() as reader:  # every lookup before the write transaction, as the web form does
            prepared = prepare_signature(reader, campaign, person, now=now, provider=ctx.provider)
    except CampaignClosed as exc:
        abort(error_response(409, str(exc)))
    session = db_session()
    result = record_signature(session, prepared, now=now, mail=ctx.mail, source=ally_source(who),
                              lang=submission.lang)
    if result.created:
        action_id = signature_id(session, campaign.slug, email_key(person.email))
        if action_id is not None:
            attribute(session, action_id, who, source=submission.source, tags=submission.tags,
                      opt_in=submission.opt_in, now=now, lang=submission.lang)
    session.commit()
    if not result.created and campaign.listed:
        return _created({"status": "awaiting_confirmation" if result.pending else "already_signed",
                         "already_signed": True, "confirm": campaign.confirm_mode}, 200)
    # A private petition answers a second signature exactly as a first: anyone holding the ally's form
    # could otherwise test whether a colleague had signed.
    pending = result.pending if result.created else campaign.confirm_mode == "required"
    return _created({"status": "awaiting_confirmation" if pending else "signed", "already_signed": False,
                     "confirm": campaign.confirm_mode})


@bp.post("/campaigns/<slug>/letters")
def post_letter(slug: str) -> tuple[Response, int]:
    who, campaign, submission, person = _posting(slug, "letter")
    ctx, session = app_context(), db_session()
    levels = set(campaign.levels())
    chosen = {Level(level): key.strip() for level, key in submission.districts.items() if level in levels}
    try:
        resolution = resolve_targets(session, campaign, person.postal_code, ctx.provider, chosen=chosen)
    except UnknownPostalArea as exc:
        abort(error_response(422, str(exc), fields={"postal_code": str(exc)},
                             choose="Send districts chosen from GET /representatives?postal_code=…"))
    if not resolution.recipients:
        abort(error_response(422, "There is nobody to send this letter to.", problems=resolution.problems))
    edits = _edits(campaign, submission)
    now, mode = utcnow(), campaign.confirm_mode
    city = resolution.lookup.city.title() if resolution.lookup and resolution.lookup.city else ""
    letters = letter_service.compose_letters(campaign, resolution.recipients, person, lang=submission.lang,
                                             edits=edits, city=city)
    try:
        action = letter_service.submit_letter(session, campaign, person, letters, now=now,
                                              message_domain=ctx.message_domain, district=resolution.district,
                                              source=ally_source(who), hold=mode == "required",
                                              lang=submission.lang)
    except AdvocacyError as exc:
        abort(error_response(409, str(exc)))
    attribute(session, action.id, who, source=submission.source, tags=submission.tags, opt_in=submission.opt_in,
              now=now, lang=submission.lang)
    if mode == "off":
        queue_receipt(session, campaign, [action], mail=ctx.mail, now=now)
    else:
        request_confirmation(session, campaign, action, mail=ctx.mail, now=now)
    session.commit()
    return _created({
        "status": "awaiting_confirmation" if mode == "required" else "queued", "confirm": mode,
        "letters": [{"to": letter.recipient.name, "office": letter.recipient.office,
                     "district": letter.recipient.district, "subject": letter.subject} for letter in letters],
        "problems": resolution.problems,
    })


def _edits(campaign: Campaign, submission: Submission) -> letter_service.LetterEdits | None:
    """The supporter's own subject and body where the campaign allows it; the campaign's text otherwise."""
    subject, body = submission.subject.strip(), submission.body.strip()
    if (subject or body) and not campaign.editable:
        abort(error_response(422, "This campaign's letter cannot be edited: leave out subject and body.",
                             fields={"subject": "not editable", "body": "not editable"}))
    if not campaign.editable:
        return None
    if not subject and not body:
        defaults = letter_service.default_letter_text(campaign, submission.lang)
        subject, body = defaults.subject, defaults.body
    problems = letter_problems(subject, body, app_context().settings.max_letter_chars)
    if problems:
        abort(error_response(422, "The letter cannot be sent as it is.", fields=problems))
    return letter_service.LetterEdits(subject, body)
