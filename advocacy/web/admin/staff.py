"""Admin: admins manage staff accounts (create, role, disable, new set-up link) and read the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from ...models import Staff
from ...models.base import utcnow
from ...services import audit
from ...services import staff as staff_service
from ...services.staff import ROLES, StaffError
from ..common import app_context, db_session
from . import bp
from .access import current_staff, require_role
from .account_forms import ROLE_LABELS

STAFF_TZ = ZoneInfo("America/Toronto")
AUDIT_PAGE = 100
AUDIT_MAX_PAGE = 10_000_000
ERRORS = {
    "bad_email": _l("Enter an email address like name@union.example"),
    "exists": _l("There is already a staff account with that email address"),
    "bad_role": _l("Choose a role"),
    "last_admin": _l("There must always be at least one active admin"),
}


def _role_choices() -> list[tuple[str, str]]:
    return [(role, str(ROLE_LABELS[role])) for role in ROLES]


class NewStaffForm(FlaskForm):
    email = StringField(_l("Email address"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                        validators=[InputRequired(_l("Enter their email address")), Length(max=254)])
    role = SelectField(_l("Role"), choices=_role_choices, validators=[InputRequired(_l("Choose a role"))])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=_role_choices)


@bp.app_template_filter("staff_time")
def staff_time(value: datetime | None) -> str:
    """A moment as staff read it: Toronto time, to the minute."""
    return value.astimezone(STAFF_TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def _staff_or_404(staff_id: int) -> Staff:
    staff = db_session().get(Staff, staff_id)
    if staff is None:
        abort(404)
    return staff


def _render_list(form: NewStaffForm, status: int = 200) -> tuple[str, int]:
    return render_template("admin/staff.html", form=form, people=staff_service.all_staff(db_session()),
                           roles=_role_choices()), status


@bp.route("/staff")
@require_role("admin")
def staff_list() -> tuple[str, int]:
    return _render_list(NewStaffForm())


def _show_link(staff: Staff, token: str, *, new: bool) -> str:
    link = staff_service.setup_url(app_context().settings.base_url, token)
    return render_template("admin/staff_link.html", person=staff, link=link, new=new,
                           hours=app_context().settings.admin_setup_hours)


@bp.route("/staff", methods=["POST"])
@require_role("admin")
def staff_create() -> str | tuple[str, int]:
    form = NewStaffForm()
    if not form.validate():
        return _render_list(form, 400)
    session, now = db_session(), utcnow()
    try:
        person, token = staff_service.create_staff(session, form.email.data, form.role.data, now=now,
                                                   setup_hours=app_context().settings.admin_setup_hours)
    except StaffError as exc:
        form.email.errors = [ERRORS.get(exc.reason, ERRORS["bad_email"])]
        return _render_list(form, 400)
    audit.record(session, current_staff(), "staff.create", f"staff:{person.id}",
                 {"email": person.email, "role": person.role}, now=now)
    session.commit()
    return _show_link(person, token, new=True)


def _change(staff_id: int, action: str, change: Callable[[Session, Staff], dict[str, str]]) -> Response:
    """Apply one change to an account, audit it, commit, and go back to the list with a message."""
    session = db_session()
    person = _staff_or_404(staff_id)
    try:
        detail = change(session, person)
    except StaffError as exc:
        flash(str(ERRORS.get(exc.reason, exc.reason)))
        return redirect(url_for("admin.staff_list"))
    audit.record(session, current_staff(), action, f"staff:{person.id}", {"email": person.email, **detail})
    session.commit()
    return redirect(url_for("admin.staff_list"))


@bp.route("/staff/<int:staff_id>/role", methods=["POST"])
@require_role("admin")
def staff_role(staff_id: int) -> Response:
    form = RoleForm()
    if not form.validate():
        flash(_("Choose a role"))
        return redirect(url_for("admin.staff_list"))

    def change(session: Session, person: Staff) -> dict[str, str]:
        before = person.role
        staff_service.set_role(session, person, form.role.data)
        flash(_("%(email)s is now %(role)s.", email=person.email, role=ROLE_LABELS[person.role]))
        return {"from": before, "to": person.role}

    return _change(staff_id, "staff.role", change)


@bp.route("/staff/<int:staff_id>/disable", methods=["POST"])
@require_role("admin")
def staff_disable(staff_id: int) -> Response:
    if staff_id == current_staff().id:
        flash(_("You can't disable your own account. Ask another admin."))
        return redirect(url_for("admin.staff_list"))

    def change(session: Session, person: Staff) -> dict[str, str]:
        staff_service.disable(session, person, now=utcnow())
        flash(_("%(email)s is disabled and signed out everywhere.", email=person.email))
        return {}

    return _change(staff_id, "staff.disable", change)


@bp.route("/staff/<int:staff_id>/enable", methods=["POST"])
@require_role("admin")
def staff_enable(staff_id: int) -> Response:
    def change(session: Session, person: Staff) -> dict[str, str]:
        staff_service.enable(session, person)
        flash(_("%(email)s can sign in again.", email=person.email))
        return {}

    return _change(staff_id, "staff.enable", change)


@bp.route("/staff/<int:staff_id>/setup-link", methods=["POST"])
@require_role("admin")
def staff_setup_link(staff_id: int) -> str | Response:
    session, now = db_session(), utcnow()
    person = _staff_or_404(staff_id)
    if person.disabled_at is not None:
        flash(_("Enable the account before making a set-up link."))
        return redirect(url_for("admin.staff_list"))
    token = staff_service.issue_setup_token(session, person, now=now,
                                            setup_hours=app_context().settings.admin_setup_hours)
    audit.record(session, current_staff(), "staff.setup_link", f"staff:{person.id}", {"email": person.email},
                 now=now)
    session.commit()
    return _show_link(person, token, new=False)


@bp.route("/audit")
@require_role("admin")
def audit_log() -> str:
    action = request.args.get("action", "")[:80]
    actor = request.args.get("actor", "")[:254]
    # Bounded: a page number past what an offset can hold would fail in the database rather than show no rows.
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), AUDIT_MAX_PAGE)
    rows, total = audit.entries(db_session(), action=action, actor=actor, limit=AUDIT_PAGE,
                                offset=(page - 1) * AUDIT_PAGE)
    return render_template("admin/audit.html", rows=rows, total=total, page=page, action=action, actor=actor,
                           pages=max((total + AUDIT_PAGE - 1) // AUDIT_PAGE, 1))
