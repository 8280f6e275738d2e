"""Admin: allies, the sites that may show their widget, their webhooks, and an "Embed this" snippet per campaign."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...channels.webhook import check_webhook_url
from ...services import audit
from ...services.allies import AllyError, list_allies, set_embed_origins, set_webhook
from ..common import app_context, db_session
from . import bp
from .access import NAV, NavLink, current_staff, require_role

NAV.append(NavLink("admin.allies_index", _l("Allies"), "campaigner"))


def _page(status: int = 200, *, problem: str = "", secret: str = "", secret_for: str = "") -> tuple[str, int]:
    ctx = app_context()
    allies = [ally for ally, _keys in list_allies(db_session())]
    campaigns = sorted((c for c in ctx.catalog if c.status != "draft"), key=lambda c: c.slug)
    chosen_ally = request.args.get("ally", "")
    chosen_campaign = request.args.get("campaign", "")
    snippet = next((c for c in campaigns if c.slug == chosen_campaign), None)
    return render_template("admin/allies.html", allies=allies, campaigns=campaigns, chosen_ally=chosen_ally,
                           snippet_campaign=snippet, problem=problem, secret=secret, secret_for=secret_for), status


@bp.get("/allies")
@require_role("campaigner")
def allies_index() -> tuple[str, int]:
    return _page()


@bp.post("/allies/<slug>/origins")
@require_role("campaigner")
def allies_origins(slug: str) -> Response | tuple[str, int]:
    session = db_session()
    lines = request.form.get("origins", "").splitlines()
    try:
        ally = set_embed_origins(session, slug, lines)
    except AllyError as exc:
        return _page(400, problem=str(exc))
    audit.record(session, current_staff(), "ally.origins", f"ally:{slug}", {"origins": ally.embed_origins})
    session.commit()
    flash(_("Saved the sites for %(name)s.", name=ally.name))
    return redirect(url_for("admin.allies_index"), 303)


@bp.post("/allies/<slug>/webhook")
@require_role("campaigner")
def allies_webhook(slug: str) -> tuple[str, int]:
    session, production = db_session(), app_context().settings.production
    url = request.form.get("webhook_url", "")
    try:
        secret = set_webhook(session, slug, url, check_url=lambda u: check_webhook_url(u, production=production))
    except AllyError as exc:
        return _page(400, problem=str(exc))
    audit.record(session, current_staff(), "ally.webhook", f"ally:{slug}", {"url": url.strip()})
    session.commit()
    # The secret is shown on this one response (never stored in a page the browser may cache: admin is no-store).
    return _page(secret=secret, secret_for=slug)
