"""Widget views: thin, like the public ones; the same services sign, write and confirm.

Nothing here reads or writes the Flask session, so no response sets a cookie.
"""

from __future__ import annotations

from flask import Response, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...catalog.markdown import markdown_to_html
from ...domain.errors import AdvocacyError, CampaignClosed
from ...domain.types import Supporter
from ...models.base import utcnow
from ...services import letters as letter_service
from ...services.allies import record_attribution, signature_id, source_of_ally
from ...services.confirmations import queue_receipt, request_confirmation
from ...services.embed_tokens import EmbedTokenError, issue_embed_token, read_embed_token
from ...services.petitions import prepare_signature, record_signature
from ...services.stats import public_count
from ...services.supporters import email_key
from ...services.targets import LEVEL_NAMES
from ..common import app_context, db_session
from ..district_choice import chosen_districts, district_choosers, resolve_or_choose
from ..public.forms import LetterForm, SupporterForm
from . import bp
from .framing import Frame, load_frame, same_origin_problem
from .script import current_script
from .theme import THEME_KEYS, read_theme, theme_css

HONEYPOT = "website"  # a field people never see or fill; scripts that fill every field do


def _problems() -> dict[str, str]:
    return {
        "forged": _("This form could not be checked. Please press the button again."),
        "expired": _("This form was open for a long time, so we checked it again. Please press the button again."),
        "too_fast": _("That was quicker than we expected. Check your details and press the button again."),
        "cross_site": _("This form can only be sent from its own page. Open the campaign on our site to take part."),
        "sandboxed": _("This page frames our form in a way that stops it from being sent. Open the campaign on "
                       "our site to take part."),
    }


def _form(frame: Frame) -> SupporterForm:
    # No CSRF field: it would put a token in the session, and so a cookie; the signed embed token replaces it.
    return LetterForm(meta={"csrf": False}) if frame.campaign.kind == "letter" else SupporterForm(meta={"csrf": False})


def _frame_ancestors(frame: Frame) -> None:
    g.frame_ancestors = ("'self'", *frame.allowed)


def _render(template: str, frame: Frame, *, status: int = 200, token: str | None = None, **context: object
            ) -> tuple[str, int]:
    _frame_ancestors(frame)
    campaign = frame.campaign
    if token is None:
        token = issue_embed_token(app_context().settings.secret_key, campaign.slug, frame.ally_slug, now=utcnow())
    text = campaign.texts(g.get("lang", "en"))
    count = public_count(db_session(), campaign.slug) if campaign.listed else None
    return render_template(
        template, campaign=campaign, text=text, frame=frame, args=frame.args, token=token, count=count,
        ally=frame.ally, parent_origin=frame.parent_origin, phase=campaign.phase(utcnow()),
        page_url=app_context().settings.base_url + url_for("public.campaign", slug=campaign.slug),
        theme_url=url_for("embed.theme", **{k: v for k, v in frame.args.items() if k in THEME_KEYS}),
        **context), status


def _widget(frame: Frame, form: SupporterForm, *, problem: str = "", status: int = 200,
            token: str | None = None) -> tuple[str, int]:
    text = frame.campaign.texts(g.get("lang", "en"))
    return _render("embed/campaign.html", frame, status=status, token=token, form=form, problem=problem,
                   body_html=markdown_to_html(text.body),
                   levels=[LEVEL_NAMES[level] for level in frame.campaign.levels()])


@bp.get("/embed.js")
def script() -> Response:
    response = current_app.send_static_file("embed.js")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/embed.<digest>.js")
def pinned_script(digest: str) -> Response:
    """The script at an address that never changes content, for allies who check it with ``integrity``.

    Only the current version is served: an old or unknown address gets a 404 saying what to do, not a redirect to
    the current script, whose bytes an ``integrity`` hash of the old ones would refuse anyway. Any site may read it
    (``crossorigin="anonymous"`` needs CORS for the browser to check the hash).
    """
    pinned = current_script()
    headers = {"Access-Control-Allow-Origin": "*"}
    if digest != pinned.digest:
        message = _("This version of the widget script is no longer available. Copy the current snippet from the "
                    "campaign's page.")
        return Response(message + "\n", 404, mimetype="text/plain", headers=headers)  # no-store: a retry works
    response = Response(pinned.body, mimetype="text/javascript",
                        headers={**headers, "Cache-Control": "public, max-age=31536000, immutable"})
    response.set_etag(pinned.etag)
    return response.make_conditional(request)


@bp.get("/embed/theme.css")
def theme() -> Response:
    css = theme_css(read_theme({key: request.args.get(key, "") for key in THEME_KEYS}))
    return Response(css, mimetype="text/css", headers={"Cache-Control": "public, max-age=86400"})


@bp.get("/embed/<slug>")
def widget(slug: str) -> tuple[str, int]:
    frame = load_frame(slug)
    return _widget(frame, _form(frame))


@bp.get("/embed/<slug>/count")
def count(slug: str) -> Response:
    """The progress figures for an ally's own page: public campaigns only, readable from any site (no cookie)."""
    campaign = app_context().catalog.get(slug)
    if campaign is None or campaign.status == "draft" or not campaign.listed:
        response = jsonify(error="There is no public campaign with that slug.")
        response.status_code = 404
    else:
        response = jsonify(slug=slug, count=public_count(db_session(), slug), goal=campaign.goal)
        response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.post("/embed/<slug>")
def act(slug: str) -> Response | tuple[str, int]:
    frame = load_frame(slug)
    form = _form(frame)
    form.validate()  # fills the fields (and their errors) so a refused form shows the supporter's input again
    problem = same_origin_problem()
    if problem:
        return _widget(frame, form, problem=_problems()[problem], status=403)
    settings, now = app_context().settings, utcnow()
    token = request.form.get("embed_token", "")
    try:
        read_embed_token(settings.secret_key, token, campaign=slug, ally=frame.ally_slug, now=now,
                         min_age=settings.embed_min_fill_seconds, max_age=settings.embed_max_age_seconds)
        if request.form.get(HONEYPOT):
            raise EmbedTokenError("too_fast")
    except EmbedTokenError as exc:
        # A too-fast form keeps its token, whose age grows; a forged or stale one gets a fresh token.
        return _widget(frame, form, problem=_problems()[exc.reason], status=400,
                       token=token if exc.reason == "too_fast" else None)
    if not frame.campaign.is_open(now):
        return _widget(frame, form, problem=_("This campaign is not accepting actions now."), status=409)
    if isinstance(form, LetterForm):
        return _letter(frame, form, token)
    return _petition(frame, form, token)


def _supporter(form: SupporterForm) -> Supporter:
    return Supporter(first_name=form.first_name.data, last_name=form.last_name.data, email=form.email.data,
                     postal_code=form.postal_code.data)


def _source(frame: Frame) -> str:
    label = frame.args.get("source", "")
    if frame.ally is not None:
        return source_of_ally(frame.ally.slug)
    return f"embed:{label}"[:80] if label else "embed"


def _attribute(frame: Frame, action_id: int | None) -> None:
    if frame.ally is None or action_id is None:
        return
    opt_in = bool(frame.ally.opt_in_wording) and request.form.get("ally_opt_in") == "y"
    record_attribution(db_session(), action_id, frame.ally.id, key_prefix="", source=frame.args.get("source", "widget"),
                       tags=[], opt_in=opt_in, wording=frame.ally.opt_in_wording, now=utcnow())


def _thanks(frame: Frame, **flags: int | None) -> Response:
    return redirect(url_for("embed.thanks", slug=frame.campaign.slug, **frame.args, **flags), 303)


def _petition(frame: Frame, form: SupporterForm, token: str) -> Response | tuple[str, int]:
    if form.errors:
        return _widget(frame, form, token=token)
    ctx, now, campaign = app_context(), utcnow(), frame.campaign
    try:
        with ctx.db.session() as reader:
            prepared = prepare_signature(reader, campaign, _supporter(form), now=now, provider=ctx.provider)
    except CampaignClosed as exc:
        return _widget(frame, form, problem=str(exc), token=token)
    session = db_session()
    result = record_signature(session, prepared, now=now, mail=ctx.mail, opt_in=form.opt_in.data,
                              source=_source(frame), lang=g.get("lang", "en"))
    if result.created:
        _attribute(frame, signature_id(session, campaign.slug, email_key(form.email.data)))
    session.commit()
    # The same answers as the public form, for the same reasons (see public/views.py).
    already = 1 if campaign.listed and not result.created and not result.pending else None
    check = 1 if result.pending or (not campaign.listed and campaign.confirm_mode == "required") else None
    return _thanks(frame, already=already, check=check)


def _letter(frame: Frame, form: LetterForm, token: str) -> Response | tuple[str, int]:
    intent = request.form.get("intent", "preview")
    if form.errors or intent == "edit":
        return _widget(frame, form, token=token)
    ctx, session, campaign = app_context(), db_session(), frame.campaign
    # As on the public preview: a code that straddles ridings, or one no source knows, gets the riding chooser.
    chosen = chosen_districts(campaign)
    resolution = resolve_or_choose(session, campaign, form.postal_code.data, ctx.provider, chosen)
    edits = None
    if campaign.editable and resolution.recipients:
        if not form.subject.data and not form.body.data:
            defaults = letter_service.default_letter_text(campaign, g.get("lang", "en"))
            form.subject.data, form.body.data = defaults.subject, defaults.body
        if not form.check_letter(ctx.settings.max_letter_chars):
            intent = "preview"
        else:
            edits = letter_service.LetterEdits(form.subject.data, form.body.data)
    city = resolution.lookup.city.title() if resolution.lookup and resolution.lookup.city else ""
    person, lang = _supporter(form), g.get("lang", "en")
    letters = letter_service.compose_letters(campaign, resolution.recipients, person, lang=lang, edits=edits,
                                             city=city)
    if intent != "send" or not letters or (campaign.editable and edits is None):
        return _render("embed/preview.html", frame, token=token, form=form, letters=letters,
                       problems=resolution.problems,
                       choosers=district_choosers(session, campaign, resolution, chosen, form.postal_code.data))
    mode = campaign.confirm_mode
    try:
        action = letter_service.submit_letter(session, campaign, person, letters, now=utcnow(),
                                              message_domain=ctx.message_domain, opt_in=form.opt_in.data,
                                              district=resolution.district, source=_source(frame),
                                              hold=mode == "required", lang=lang)
    except AdvocacyError as exc:
        return _widget(frame, form, problem=str(exc), token=token)
    _attribute(frame, action.id)
    if mode == "off":
        queue_receipt(session, campaign, [action], mail=ctx.mail, now=utcnow())
    else:
        request_confirmation(session, campaign, action, mail=ctx.mail, now=utcnow())
    session.commit()
    return _thanks(frame, sent=len(letters), check=1 if mode == "required" else None)


@bp.get("/embed/<slug>/thanks")
def thanks(slug: str) -> tuple[str, int]:
    frame = load_frame(slug)
    return _render("embed/thanks.html", frame, check=request.args.get("check") == "1",
                   already=request.args.get("already") == "1", sent=request.args.get("sent", type=int))
