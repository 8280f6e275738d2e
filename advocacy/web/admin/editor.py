"""Admin: the campaign editor (campaigners) and its read-only view (viewers), lifecycle buttons and export.

Browser-made campaigns are validated by the campaign files' loader (services/campaign_editor.py), stored in
the database and shown by every web process without a restart (catalog/registry.py). File campaigns are
read-only here: they can be duplicated into the editor, and their status changed with the lifecycle buttons.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...catalog import Campaign
from ...catalog.markdown import markdown_to_html
from ...catalog.schema import CAMPAIGN_TZ
from ...catalog.writer import export_campaign, export_file
from ...models.base import utcnow
from ...services import campaign_editor as editor
from ...services.campaign_preview import preview_letters
from ...services.targets import LEVEL_NAMES
from ..common import app_context, db_session
from ..public.forms import LetterForm, SupporterForm
from . import bp
from .access import NAV, NavLink, current_staff, has_role, require_role
from .editor_fields import STARTER_TARGETS, editor_sections, errors_by_field

NAV.append(NavLink("admin.editor_index", _l("Campaigns"), "viewer"))
STATUS_ACTIONS = {"live": _l("Make live"), "paused": _l("Pause"), "closed": _l("Close")}
STATUS_LABELS = {"draft": _l("draft"), "live": _l("live"), "paused": _l("paused"), "closed": _l("closed")}


def _render(template: str, **values: object) -> str:
    """Render an editor page with what every one of them uses: the status words and whether one may edit."""
    return render_template(template, status_labels=STATUS_LABELS, status_actions=STATUS_ACTIONS,
                           transitions=editor.TRANSITIONS, can_edit=has_role(current_staff(), "campaigner"),
                           **values)


def _campaign_or_404(slug: str) -> Campaign:
    campaign = app_context().catalog.get(slug)
    if campaign is None:
        abort(404)
    return campaign


@bp.get("/editor/")
@require_role("viewer")
def editor_index() -> str:
    catalog = app_context().catalog
    campaigns = sorted(catalog, key=lambda c: (c.title.lower(), c.slug))
    return _render("admin/editor_index.html", campaigns=campaigns, catalog=catalog)


# -- making and changing campaigns ---------------------------------------------------------

def _render_form(values: dict[str, str], *, slug: str = "", version: int = 0,
                 problems: list[tuple[str, str]] | None = None, preview: Campaign | None = None) -> str:
    problems = problems or []
    kind = values.get("kind") or "petition"
    errors = errors_by_field(problems)
    catalog = app_context().catalog
    campaign = catalog.get(slug) if slug else None
    file_status = catalog.files[slug].status if slug in catalog.files else None
    return _render("admin/editor_form.html", slug=slug, version=version, kind=kind, campaign=campaign,
                   file_status=file_status, duplicated_from=values.get("duplicated_from", ""),
                   sections=editor_sections(values, errors, creating=not slug), problems=problems,
                   error_ids=errors.ids, preview=_preview(preview) if preview else None)


@bp.get("/editor/new")
@require_role("campaigner")
def editor_new() -> str:
    source = request.args.get("from", "")
    if source:
        original = _campaign_or_404(source)
        values = editor.form_values(original)
        values["slug"] = f"{original.slug}-copy"[:80]
    else:
        kind = "letter" if request.args.get("kind") == "letter" else "petition"
        values = {"kind": kind, "visibility": "public", "petition.at_close": "y",
                  editor.TARGETS_FIELD: STARTER_TARGETS if kind == "letter" else ""}
    values["duplicated_from"] = source
    return _render_form(values)


@bp.post("/editor/new")
@require_role("campaigner")
def editor_create() -> str | Response:
    values = request.form.to_dict()
    try:
        campaign = editor.campaign_from_form(values)
        if request.form.get("intent") == "preview":
            return _render_form(values, preview=campaign)
        session, ctx = db_session(), app_context()
        editor.create_campaign(session, campaign, staff=current_staff(), file_slugs=set(ctx.catalog.files),
                               now=utcnow(), duplicated_from=values.get("duplicated_from", "")[:80])
        session.commit()
    except editor.EditorError as exc:
        return _render_form(values, problems=exc.problems)
    ctx.catalog.refresh()
    flash(_("Saved %(slug)s as a draft. Preview it, then make it live when it is ready.", slug=campaign.slug))
    return redirect(url_for("admin.editor_campaign", slug=campaign.slug), 303)


@bp.get("/editor/<slug>")
@require_role("viewer")
def editor_campaign(slug: str) -> str:
    campaign = _campaign_or_404(slug)
    catalog = app_context().catalog
    row = editor.stored_row(db_session(), slug)
    if catalog.is_stored(slug) and row is not None and has_role(current_staff(), "campaigner"):
        return _render_form(editor.form_values(campaign), slug=slug, version=row.version)
    return _render("admin/editor_view.html", campaign=campaign, row=row, stored=catalog.is_stored(slug),
                   file_status=catalog.files[slug].status if slug in catalog.files else None,
                   source=export_campaign(campaign), preview=_preview(campaign))


@bp.post("/editor/<slug>")
@require_role("campaigner")
def editor_save(slug: str) -> str | Response:
    _campaign_or_404(slug)
    values = request.form.to_dict()
    values["slug"] = slug  # fixed once saved; the field is shown read-only
    version = request.form.get("version", type=int) or 0
    try:
        campaign = editor.campaign_from_form(values)
        if request.form.get("intent") == "preview":
            return _render_form(values, slug=slug, version=version, preview=campaign)
        session = db_session()
        editor.update_campaign(session, slug, campaign, version=version, staff=current_staff(), now=utcnow())
        session.commit()
    except editor.EditorError as exc:
        return _render_form(values, slug=slug, version=version, problems=exc.problems)
    app_context().catalog.refresh()
    flash(_("Saved %(slug)s.", slug=slug))
    return redirect(url_for("admin.editor_campaign", slug=slug), 303)


@bp.post("/editor/<slug>/status")
@require_role("campaigner")
def editor_status(slug: str) -> str | Response:
    campaign = _campaign_or_404(slug)
    status = request.form.get("status", "")
    if status == "closed" and request.form.get("confirmed") != "yes":
        # Closing cannot be undone here: say what it does, and ask once.
        return _render("admin/editor_close.html", campaign=campaign)
    ctx, session, now = app_context(), db_session(), utcnow()
    try:
        changed = editor.change_status(session, campaign, status, staff=current_staff(),
                                       stored=ctx.catalog.is_stored(slug), now=now)
        queued = editor.deliver_on_close(session, changed, ctx.provider, mail=ctx.mail, now=now)
        session.commit()
    except editor.EditorError as exc:
        flash(exc.problems[0][1])
        return redirect(url_for("admin.editor_campaign", slug=slug), 303)
    ctx.catalog.refresh()
    flash(_("%(title)s is now %(status)s.", title=campaign.title, status=status))
    if queued is not None:
        flash(_("The petition is queued for delivery to %(count)d offices.", count=len(queued.deliveries)))
    return redirect(url_for("admin.editor_campaign", slug=slug), 303)


@bp.get("/editor/<slug>/export")
@require_role("viewer")
def editor_export(slug: str) -> Response:
    campaign = _campaign_or_404(slug)
    response = Response(export_file(campaign, utcnow().astimezone(CAMPAIGN_TZ).date()), mimetype="application/toml")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}.toml"'
    return response


# -- preview ---------------------------------------------------------------------------------

def _preview(campaign: Campaign) -> dict[str, object]:
    """The public page as supporters will see it (in a sandboxed frame), and each target group's letter."""
    text = campaign.texts()
    form = LetterForm(formdata=None) if campaign.kind == "letter" else SupporterForm(formdata=None)
    page = render_template(
        "public/campaign.html", campaign=campaign, text=text, body_html=markdown_to_html(text.body), form=form,
        count=0 if campaign.listed else None, phase="open", problem="",
        levels=[LEVEL_NAMES[level] for level in campaign.levels()],
        page_url=app_context().settings.base_url + url_for("public.campaign", slug=campaign.slug))
    letters = preview_letters(db_session(), campaign, app_context().provider) if campaign.kind == "letter" else []
    return {"page": page, "letters": letters, "campaign": campaign}
