"""Admin: signing in (password, then a TOTP or recovery code), account set-up, logout, password and codes."""

from __future__ import annotations

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...models import Staff
from ...models.base import utcnow
from ...services import audit, staff_sessions
from ...services import staff as staff_service
from ...services.staff import LoginLocked, StaffError
from ..common import app_context, db_session
from . import bp
from .access import (
    clear_session_cookie,
    client_address,
    current_staff,
    require_role,
    safe_next,
    session_timeouts,
    session_token,
    set_session_cookie,
)
from .account_forms import (
    LOCKED,
    PASSWORD_MESSAGES,
    WRONG_CODE,
    WRONG_LOGIN,
    CodeForm,
    ConfirmForm,
    LoginForm,
    PasswordChangeForm,
    SetupForm,
)


@bp.route("/")
@require_role("viewer")
def home() -> Response | str:
    # The dashboard, once it exists, is the admin's front page.
    if "admin.dashboard_index" in current_app.view_functions:
        return redirect(url_for("admin.dashboard_index"))
    return render_template("admin/home.html")


def _render_login(form: LoginForm, next_url: str, *, problem: str = "", status: int = 200) -> tuple[str, int]:
    return render_template("admin/login.html", form=form, next_url=next_url, problem=problem), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if request.method != "POST":
        return _render_login(form, next_url)
    if not form.validate():
        return _render_login(form, next_url, status=400)
    session, now = db_session(), utcnow()
    try:
        staff = staff_service.check_password_step(session, form.email.data, form.password.data,
                                                  address=client_address(), now=now)
    except LoginLocked:
        return _render_login(form, next_url, problem=str(LOCKED), status=429)
    if staff is None:
        session.commit()  # the failed attempt counts towards the lock
        return _render_login(form, next_url, problem=str(WRONG_LOGIN))
    staff_sessions.end_session(session, session_token(), now=now)
    token = staff_sessions.start_session(session, staff, "password", now=now, next_url=next_url)
    session.commit()
    return set_session_cookie(redirect(url_for("admin.login_code")), token)


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> Response | tuple[str, int]:
    session, now = db_session(), utcnow()
    pending = staff_sessions.find_session(session, session_token(), "password", session_timeouts(), now=now)
    if pending is None:
        flash(_("Your sign-in was not finished in time. Please start again."))
        return redirect(url_for("admin.login"))
    staff = session.get(Staff, pending.staff_id)
    form = CodeForm()
    if request.method != "POST":
        return render_template("admin/login_code.html", form=form), 200
    if not form.validate():
        return render_template("admin/login_code.html", form=form), 400
    try:
        method = staff_service.check_second_step(session, staff, form.code.data, address=client_address(), now=now)
    except LoginLocked:
        return render_template("admin/login_code.html", form=form, problem=str(LOCKED)), 429
    if method is None:
        session.commit()
        return render_template("admin/login_code.html", form=form, problem=str(WRONG_CODE)), 200
    pending.ended_at = now
    token = staff_sessions.start_session(session, staff, "full", now=now)  # a new id once fully signed in
    audit.record(session, staff, "staff.login", f"staff:{staff.id}", {"second_factor": method}, now=now)
    session.commit()
    if method == "recovery":
        left = staff_service.recovery_codes_left(session, staff)
        flash(_("You used a recovery code; %(left)d are left. Make new ones from Your account if you are running "
                "low.", left=left))
    return set_session_cookie(redirect(pending.next_url or url_for("admin.home")), token)


@bp.route("/setup/<token>", methods=["GET", "POST"])
def setup(token: str) -> Response | tuple[str, int]:
    now = utcnow()
    if request.method != "POST":
        # Showing the page makes the authenticator secret: a short write of its own.
        with app_context().db.transaction() as writer:
            staff = staff_service.staff_for_setup(writer, token, now=now)
            if staff is not None:
                staff_service.pending_totp_secret(writer, staff)
    session = db_session()
    staff = staff_service.staff_for_setup(session, token, now=now)
    if staff is None:
        return render_template("admin/setup_invalid.html"), 404
    form = SetupForm()
    form.set_email(staff.email)
    if request.method == "POST" and form.validate():
        try:
            codes = staff_service.finish_setup(session, staff, form.password.data, form.code.data, now=now)
        except StaffError as exc:
            if exc.reason in PASSWORD_MESSAGES:
                form.password.errors = [PASSWORD_MESSAGES[exc.reason]]
            else:
                form.code.errors = [WRONG_CODE]
        else:
            staff_sessions.end_session(session, session_token(), now=now)
            cookie = staff_sessions.start_session(session, staff, "full", now=now)
            audit.record(session, staff, "staff.setup", f"staff:{staff.id}", now=now)
            session.commit()
            g.staff = staff  # signed in from here on: the page shows the navigation
            response = Response(render_template("admin/recovery_codes.html", codes=codes, after_setup=True))
            return set_session_cookie(response, cookie)
    return _render_setup(staff, form, status=400 if request.method == "POST" else 200)


def _render_setup(staff: Staff, form: SetupForm, *, status: int) -> tuple[str, int]:
    issuer = app_context().settings.org_name
    uri = staff_service.totp_uri(staff, issuer)
    return render_template("admin/setup.html", form=form, staff=staff, secret=staff.totp_secret,
                           qr=staff_service.qr_svg(uri, _("QR code for your authenticator app"))), status


@bp.route("/logout", methods=["POST"])
@require_role("viewer")
def logout() -> Response:
    session, now = db_session(), utcnow()
    staff_sessions.end_session(session, session_token(), now=now)
    staff = current_staff()
    audit.record(session, staff, "staff.logout", f"staff:{staff.id}", now=now)
    session.commit()
    flash(_("You are signed out."))
    return clear_session_cookie(redirect(url_for("admin.login")))


@bp.route("/account", methods=["GET", "POST"])
@require_role("viewer")
def account() -> Response | tuple[str, int]:
    staff = current_staff()
    session, now = db_session(), utcnow()
    form = PasswordChangeForm()
    form.set_email(staff.email)
    if request.method == "POST" and form.validate():
        try:
            staff_service.change_password(session, staff, form.current_password.data, form.new_password.data,
                                          now=now)
        except StaffError as exc:
            if exc.reason in PASSWORD_MESSAGES:
                form.new_password.errors = [PASSWORD_MESSAGES[exc.reason]]
            else:
                form.current_password.errors = [_("Your current password is not right")]
        else:
            # Every session of the account has ended; this browser gets a new one.
            token = staff_sessions.start_session(session, staff, "full", now=now)
            audit.record(session, staff, "staff.password_change", f"staff:{staff.id}", now=now)
            session.commit()
            flash(_("Your password is changed. You are signed out everywhere else."))
            return set_session_cookie(redirect(url_for("admin.account")), token)
    return render_template("admin/account.html", form=form, codes_form=ConfirmForm(),
                           codes_left=staff_service.recovery_codes_left(session, staff)), \
        400 if request.method == "POST" else 200


@bp.route("/account/recovery-codes", methods=["POST"])
@require_role("viewer")
def recovery_codes() -> str:
    staff = current_staff()
    session, now = db_session(), utcnow()
    codes = staff_service.new_recovery_codes(session, staff, now=now)
    audit.record(session, staff, "staff.recovery_codes", f"staff:{staff.id}", now=now)
    session.commit()
    return render_template("admin/recovery_codes.html", codes=codes, after_setup=False)
