"""Admin: the campaign editor (campaigners) and its read-only view (viewers), lifecycle buttons and export.

Browser-made campaigns are validated by the campaign files' loader (services/campaign_editor.py), stored in
the database and shown by every web process without a restart (catalog/registry.py). File campaigns are
read-only here: they can be duplicated into the editor, and their status changed with the lifecycle buttons
(or given back to the file with "Use the file's status"). Closing and reopening ask once, saying what happens.
"""

from __future__ import annotations

from datetime import datetime

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
STATUS_EFFECTS = {
    "draft": _l("As a draft, its public page and widget are hidden and nothing is accepted."),
    "live": _l("Live, its public page takes signatures and letters between its opening and closing dates."),
    "paused": _l("Paused, its public page stays up but refuses new signatures and letters."),
    "closed": _l("Closed, it refuses new signatures and letters, and its public page says the campaign is closed."),
}


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
                   override=slug in catalog.files and row is not None and row.source is None,
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
    asking = request.form.get("confirmed") != "yes"
    # Closing and reopening change what supporters and offices get: say what happens, and ask once.
    reopening = campaign.status == "closed" and status in editor.TRANSITIONS["closed"]
    if asking and (status == "closed" or reopening):
        return _render("admin/editor_reopen.html" if reopening else "admin/editor_close.html", campaign=campaign,
                       status=status, notes=editor.status_notes(db_session(), campaign, now=utcnow()))
    ctx, session, now = app_context(), db_session(), utcnow()
    try:
        changed = editor.change_status(session, campaign, status, staff=current_staff(),
                                       stored=ctx.catalog.is_stored(slug), now=now)
    except editor.EditorError as exc:
        flash(exc.problems[0][1])
        return redirect(url_for("admin.editor_campaign", slug=slug), 303)
    return _status_changed(changed, reopened=reopening, now=now)


@bp.post("/editor/<slug>/file-status")
@require_role("campaigner")
def editor_file_status(slug: str) -> str | Response:
    """A file campaign takes its file's status again: the status set in the admin is removed (asked once)."""
    campaign = _campaign_or_404(slug)
    ctx, session, now = app_context(), db_session(), utcnow()
    file_campaign = ctx.catalog.files.get(slug)
    row = editor.stored_row(session, slug)
    if file_campaign is None or ctx.catalog.is_stored(slug) or row is None or row.source is not None:
        flash(_("%(title)s has no status set in the admin: it already has the status its file gives it.",
                title=campaign.title))
        return redirect(url_for("admin.editor_campaign", slug=slug), 303)
    if request.form.get("confirmed") != "yes":
        return _render("admin/editor_file_status.html", campaign=campaign, file_campaign=file_campaign,
                       effect=STATUS_EFFECTS[file_campaign.status], closing=file_campaign.phase(now) == "closed",
                       notes=editor.status_notes(session, campaign, now=now))
    changed = editor.clear_status_override(session, campaign, file_campaign.status, staff=current_staff(), now=now)
    return _status_changed(changed, reopened=campaign.status == "closed" and changed.status != "closed", now=now)


def _status_changed(changed: Campaign, *, reopened: bool, now: datetime) -> Response:
    """After a status change: deliver a petition that just closed, commit, and say what happened."""
    ctx, session = app_context(), db_session()
    queued = editor.deliver_on_close(session, changed, ctx.provider, mail=ctx.mail, now=now)
    session.commit()
    ctx.catalog.refresh()
    status = STATUS_LABELS.get(changed.status, changed.status)
    if reopened and changed.status == "paused":
        flash(_("%(title)s is open again, and paused: make it live when it is ready to take actions.",
                title=changed.title))
    else:
        flash(_("%(title)s is now %(status)s.", title=changed.title, status=status))
    if queued is not None:
        flash(_("The petition is queued for delivery to %(count)d offices.", count=len(queued.deliveries)))
    return redirect(url_for("admin.editor_campaign", slug=changed.slug), 303)


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
