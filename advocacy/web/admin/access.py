"""Who may see the admin: the guard on every request and the role check on every view.

Interface used by every admin module:
- ``current_staff()`` -> the signed-in ``Staff`` (None only on public endpoints);
- ``@require_role("campaigner")``: the least role a view needs (viewer < campaigner < admin), 403 otherwise.
  Every admin view must carry it; a view without it is treated as admin-only;
- ``PUBLIC_ENDPOINTS``: the explicit allowlist of endpoints reachable without a session;
- ``NAV``: the links of the admin navigation; append ``NavLink("admin.x", _l("Label"), "viewer")`` to add one
  (a link shows only when its endpoint exists and the staff member's role allows it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Response, abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from ...models import Staff
from ...models.base import utcnow
from ...services import staff_sessions
from ...services.staff import ROLES
from ..common import app_context, db_session
from ..security import safe_next as site_path
from . import bp
from .account_forms import ROLE_LABELS

PUBLIC_ENDPOINTS: set[str] = {"admin.login", "admin.login_code", "admin.setup"}
COOKIE_PATH = "/admin"


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: Any  # a lazy translatable string
    role: str = "viewer"


NAV: list[NavLink] = [
    NavLink("admin.dashboard_index", _l("Dashboard")),
    NavLink("admin.review_queue", _l("Review queue"), "campaigner"),
    NavLink("admin.people_index", _l("People")),
    NavLink("admin.staff_list", _l("Staff"), "admin"),
    NavLink("admin.audit_log", _l("Audit log"), "admin"),
]


def current_staff() -> Staff | None:
    return g.get("staff")


def has_role(staff: Staff | None, role: str) -> bool:
    return staff is not None and staff.role in ROLES and ROLES.index(staff.role) >= ROLES.index(role)


def require_role(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {ROLES}")

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not has_role(current_staff(), role):
                abort(403)
            return view(*args, **kwargs)

        checked.required_role = role  # type: ignore[attr-defined]  # read by the guard and the route tests
        return checked

    return decorate


def cookie_name() -> str:
    # "__Secure-" makes browsers refuse the cookie unless it is Secure; "__Host-" would need Path=/.
    return "__Secure-advocacy_admin" if app_context().settings.production else "advocacy_admin"


def session_timeouts() -> staff_sessions.Timeouts:
    return app_context().staff_timeouts


def session_token() -> str:
    return request.cookies.get(cookie_name(), "")


def set_session_cookie(response: Response, token: str) -> Response:
    settings = app_context().settings
    response.set_cookie(cookie_name(), token, path=COOKIE_PATH, secure=settings.production, httponly=True,
                        samesite="Lax", max_age=settings.admin_session_hours * 3600)
    return response


def clear_session_cookie(response: Response) -> Response:
    response.delete_cookie(cookie_name(), path=COOKIE_PATH, secure=app_context().settings.production,
                           httponly=True, samesite="Lax")
    return response


def client_address() -> str:
    return (request.remote_addr or "unknown")[:64]


def safe_next(value: str | None) -> str:
    """A path inside the admin to return to after login, or "" for anything else (no open redirects)."""
    target = site_path(value, default="")  # the site-wide check first: same-origin relative paths only
    path = urlsplit(target).path
    if len(target) > 500 or (path != COOKIE_PATH and not path.startswith(COOKIE_PATH + "/")):
        return ""
    return target


def _login_redirect() -> Response:
    here = request.full_path.rstrip("?") if request.method == "GET" else ""
    target = safe_next(here)
    return redirect(url_for("admin.login", next=target) if target else url_for("admin.login"))


@bp.before_request
def staff_only() -> Response | None:
    """Every admin request needs a live session, except the allowlisted sign-in pages."""
    g.staff = None
    g.staff_session = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    now = utcnow()
    session = db_session()
    row = staff_sessions.find_session(session, session_token(), "full", session_timeouts(), now=now)
    if row is None:
        return _login_redirect()
    if staff_sessions.needs_touch(row, now=now):
        # Its own short write, so page views keep a read-only request session.
        with app_context().db.transaction() as writer:
            staff_sessions.touch(writer, row.id, now=now)
    g.staff = session.get(Staff, row.staff_id)
    g.staff_session = row
    view = current_app.view_functions.get(request.endpoint or "")
    if not has_role(g.staff, getattr(view, "required_role", "admin")):
        abort(403)
    return None


@bp.after_request
def no_store(response: Response) -> Response:
    # Admin pages show personal data: no browser or proxy cache may keep them.
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


@bp.context_processor
def admin_globals() -> dict[str, Any]:
    return {"current_staff": current_staff(), "admin_nav": visible_nav, "role_labels": ROLE_LABELS}


def visible_nav() -> list[NavLink]:
    staff = current_staff()
    views = current_app.view_functions
    # The view's own role decides when it has one, so a link never leads to a 403.
    return [link for link in NAV if link.endpoint in views
            and has_role(staff, getattr(views[link.endpoint], "required_role", link.role))]


@bp.errorhandler(403)
def forbidden(_error: Exception) -> tuple[str, int]:
    return render_template("admin/error.html", code=403, title=_l("You can't do that"),
                           advice=_l("Your role does not allow this page or action. "
                                     "Ask an admin if you need it.")), 403


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError) -> tuple[str, int]:
    return render_template("admin/error.html", code=400, title=_l("This form could not be sent"),
                           advice=_l("The form was missing its security token or had expired (%(reason)s). "
                                     "Go back, reload the page and try again.", reason=error.description)), 400
