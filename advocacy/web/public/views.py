"""Public views: thin; validate the form, call one service, commit, redirect or render."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import TooManyRequests

from ...catalog import Campaign
from ...catalog.markdown import markdown_to_html
from ...catalog.schema import CampaignText
from ...domain.errors import AdvocacyError, CampaignClosed
from ...domain.types import Level, Supporter
from ...limits import retry_after, too_many_requests, wait_words
from ...models.base import utcnow
from ...services import letters as letter_service
from ...services.confirmations import queue_receipt, request_confirmation
from ...services.consent import ConsentShown, record_consent
from ...services.petitions import prepare_signature, record_signature
from ...services.stats import count_actions, kept_public_count, public_count
from ...services.targets import LEVEL_NAMES, Resolution
from ..common import app_context, db_session, request_ip_hash
from ..district_choice import chosen_districts, district_choosers, resolve_or_choose
from . import bp, guard
from .forms import LetterForm, SupporterForm
from .page_cache import campaign_page


def _campaign_or_404(slug: str) -> Campaign:
    campaign = app_context().catalog.get(slug)
    if campaign is None or campaign.status == "draft":
        abort(404)
    return campaign


@bp.get("/")
def index() -> str:
    now = utcnow()
    session = db_session()
    campaigns = [(c, public_count(session, c.slug)) for c in app_context().catalog.listed(now)]
    return render_template("public/index.html", campaigns=campaigns)


def _render_campaign(campaign: Campaign, form: SupporterForm, *, problem: str = "",
                     status: int = 200) -> tuple[str, int]:
    return _campaign_html(campaign, form, _count(campaign), campaign.phase(utcnow()), problem), status


def _count(campaign: Campaign) -> int | None:
    if not campaign.listed:
        return None
    # Most views find the count this process keeps, and then open no database session at all.
    kept = kept_public_count(app_context().db.name, campaign.slug)
    return kept if kept is not None else public_count(db_session(), campaign.slug)


def _campaign_html(campaign: Campaign, form: SupporterForm, count: int | None, phase: str, problem: str) -> str:
    text = _campaign_text(campaign)
    return render_template(
        "public/campaign.html", campaign=campaign, text=text, text_lang=_shown_lang(campaign),
        body_html=markdown_to_html(text.body), form=form,
        count=count, phase=phase, problem=problem, levels=[LEVEL_NAMES[level] for level in campaign.levels()],
        page_url=_absolute(url_for("public.campaign", slug=campaign.slug)),
    )


def _campaign_text(campaign: Campaign) -> CampaignText:
    """The campaign's words as the form shows them (the consent ledger records the same opt-in wording)."""
    return campaign.texts(_lang())


def _consent_shown(campaign: Campaign) -> ConsentShown:
    """The union's opt-in box as this page showed it, for the consent ledger."""
    return ConsentShown(_campaign_text(campaign).consent, _shown_lang(campaign), "web_form", source=_source(),
                        ip_hash=request_ip_hash())


def _lang() -> str:
    """The page's language: the supporter's, recorded on their action and used for their emails and letters."""
    return g.get("lang", "en")


def _shown_lang(campaign: Campaign) -> str:
    """The language the campaign's own words were shown in (English when it has no French)."""
    return "fr" if _lang() == "fr" and campaign.text.fr is not None else "en"


def _form_for(campaign: Campaign) -> SupporterForm:
    return LetterForm() if campaign.kind == "letter" else SupporterForm()


@bp.get("/campaigns/<slug>")
def campaign(slug: str) -> tuple[str, int]:
    campaign = _campaign_or_404(slug)
    count, phase = _count(campaign), campaign.phase(utcnow())
    # An empty form: the same page for every visitor but its tokens and count, rendered once (see page_cache).
    return campaign_page(campaign, phase, count,
                         lambda: _campaign_html(campaign, _form_for(campaign), count, phase, "")), 200


@bp.post("/campaigns/<slug>")
def act(slug: str) -> Response | tuple[str, int]:
    campaign = _campaign_or_404(slug)
    form = _form_for(campaign)
    if not campaign.is_open(utcnow()):
        return _render_campaign(campaign, form, problem=_("This campaign is not accepting actions now."))
    if isinstance(form, LetterForm):
        return _letter(campaign, form)
    return _petition(campaign, form)


def _supporter(form: SupporterForm) -> Supporter:
    return Supporter(first_name=form.first_name.data, last_name=form.last_name.data, email=form.email.data,
                     postal_code=form.postal_code.data)


def _petition(campaign: Campaign, form: SupporterForm) -> Response | tuple[str, int]:
    if not form.validate():
        return _render_campaign(campaign, form)
    ctx, now = app_context(), utcnow()
    try:
        # Every lookup in a read session first: the write transaction (the SQLite write lock) then holds
        # only the writes.
        with ctx.db.session() as reader:
            prepared = prepare_signature(reader, campaign, _supporter(form), now=now, provider=ctx.provider)
    except CampaignClosed as exc:
        return _render_campaign(campaign, form, problem=str(exc))
    session = db_session()
    consent = _consent_shown(campaign)
    result = record_signature(session, prepared, now=now, mail=ctx.mail, opt_in=form.opt_in.data, source=_source(),
                              ip_hash=consent.ip_hash, consent=consent, lang=_lang())
    suspicious = guard.form_reasons(now)  # honeypot, too fast: kept, and sent to review
    if suspicious and result.created:
        guard.review_signature(session, campaign, prepared.key, suspicious, now=now)
    session.commit()  # the signature and its confirmation email together
    # A private petition never tells whether an address had signed: anyone with the link could test a colleague's.
    already = 1 if campaign.listed and not result.created and not result.pending else None
    # The same reasoning for "check your email": on a private petition every signer sees the same page.
    check = 1 if result.pending or (not campaign.listed and campaign.confirm_mode == "required") else None
    return redirect(url_for("public.thanks", slug=campaign.slug, already=already, check=check), 303)


def _letter(campaign: Campaign, form: LetterForm) -> Response | tuple[str, int]:
    intent = request.form.get("intent", "preview")
    if not form.validate() or intent == "edit":
        return _render_campaign(campaign, form)
    ctx, session = app_context(), db_session()
    chosen = chosen_districts(campaign)
    # When no source knows this code, nobody is found: the supporter picks their riding rather than stop here.
    resolution = resolve_or_choose(session, campaign, form.postal_code.data, ctx.provider, chosen)
    if not resolution.recipients:
        return _preview(campaign, form, resolution, None, chosen=chosen)
    edits = None
    if campaign.editable:
        if not form.subject.data and not form.body.data:
            defaults = letter_service.default_letter_text(campaign, _lang())
            form.subject.data, form.body.data = defaults.subject, defaults.body
        if not form.check_letter(ctx.settings.max_letter_chars):
            return _preview(campaign, form, resolution, None, chosen=chosen)
        edits = letter_service.LetterEdits(form.subject.data, form.body.data)
    if intent != "send":
        return _preview(campaign, form, resolution, edits, chosen=chosen)
    person, now, mode, consent = _supporter(form), utcnow(), campaign.confirm_mode, _consent_shown(campaign)
    letters = letter_service.compose_letters(campaign, resolution.recipients, person, edits=edits,
                                             city=_city(resolution), lang=_lang())
    guard.check_offices(letters)  # 429 with the form kept when an office has had its fill today
    try:
        action = letter_service.submit_letter(session, campaign, person, letters, now=now,
                                              message_domain=ctx.message_domain, opt_in=form.opt_in.data,
                                              district=resolution.district, source=_source(),
                                              hold=mode == "required", ip_hash=consent.ip_hash, lang=_lang())
    except AdvocacyError as exc:
        return _render_campaign(campaign, form, problem=str(exc))
    if form.opt_in.data:
        record_consent(session, consent, email_key=action.email_key, action_id=action.id,
                       campaign_slug=campaign.slug, now=now)
    if mode == "off":
        queue_receipt(session, campaign, [action], mail=ctx.mail, now=now)
    else:
        request_confirmation(session, campaign, action, mail=ctx.mail, now=now)
    guard.review_letter(session, campaign, action, edits, guard.form_reasons(now), now=now, lang=_lang())
    session.commit()
    check = 1 if mode == "required" else None
    return redirect(url_for("public.thanks", slug=campaign.slug, sent=len(letters), check=check), 303)


def _city(resolution: Resolution) -> str:
    return resolution.lookup.city.title() if resolution.lookup and resolution.lookup.city else ""


def _preview(campaign: Campaign, form: LetterForm, resolution: Resolution,
             edits: letter_service.LetterEdits | None, *, chosen: dict[Level, str]) -> tuple[str, int]:
    person = _supporter(form)
    letters = letter_service.compose_letters(campaign, resolution.recipients, person,
                                             edits=edits if edits else None, city=_city(resolution), lang=_lang())
    return render_template("public/preview.html", campaign=campaign, text=_campaign_text(campaign), form=form,
                           letters=letters, problems=resolution.problems,
                           choosers=district_choosers(db_session(), campaign, resolution, chosen,
                                                      form.postal_code.data)), 200


@bp.get("/campaigns/<slug>/thanks")
def thanks(slug: str) -> str:
    campaign = _campaign_or_404(slug)
    text = _campaign_text(campaign)
    url = _absolute(url_for("public.campaign", slug=slug))
    share = quote(f"{text.share_text} {url}")
    links = [(_("Email a friend"), f"mailto:?subject={quote(text.title)}&body={share}")]
    if campaign.listed:  # a private campaign is passed on person to person, not posted publicly
        links += [
            (_("Share on %(site)s", site="Facebook"),
             f"https://www.facebook.com/sharer/sharer.php?u={quote(url, safe='')}"),
            (_("Share on %(site)s", site="X"), f"https://x.com/intent/post?text={share}"),
            (_("Share on %(site)s", site="Bluesky"), f"https://bsky.app/intent/compose?text={share}"),
            (_("Share on %(site)s", site="WhatsApp"), f"https://wa.me/?text={share}"),
        ]
    sent = request.args.get("sent", type=int)
    count = count_actions(db_session(), slug) if campaign.listed else None
    return render_template("public/thanks.html", campaign=campaign, text=text, links=links, page_url=url,
                           already=request.args.get("already") == "1", sent=sent, count=count,
                           check=request.args.get("check") == "1")


@bp.errorhandler(CSRFError)
def _expired_form(_error: CSRFError) -> tuple[str, int]:
    slug = (request.view_args or {}).get("slug", "")
    campaign = app_context().catalog.get(slug)
    if campaign is None or campaign.status == "draft":
        return render_template("errors/error.html", code=400, title=_("This form has expired"),
                               advice=_("Go back, reload the page and try again.")), 400
    return _form_again(campaign, _("This form had expired. Check your details and submit again."), 400)


@bp.errorhandler(429)
def _too_many(error: TooManyRequests) -> tuple[str, int, dict[str, str]] | Response:
    slug = (request.view_args or {}).get("slug", "")
    campaign = app_context().catalog.get(slug)
    if campaign is None or campaign.status == "draft" or request.method != "POST":
        return too_many_requests(error)
    wait = retry_after(error)
    problem = _("We have had too many submissions like this one. Please wait %(wait)s and submit again: your "
                "answers are still here.", wait=wait_words(wait))
    return (*_form_again(campaign, problem, 429), {"Retry-After": str(wait)})


def _form_again(campaign: Campaign, problem: str, status: int) -> tuple[str, int]:
    # Keep what the supporter typed: show the form again with their answers rather than an error page.
    form = _form_for(campaign)
    form.validate()
    return _render_campaign(campaign, form, status=status, problem=problem)


def _source() -> str:
    return (request.args.get("source") or request.form.get("source") or "")[:80]


def _absolute(path: str) -> str:
    return app_context().settings.base_url + path
