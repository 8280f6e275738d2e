"""Admin: privacy requests. Find a supporter by email, see all we hold, export it (admin) or erase it (admin)."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from ...models import Supporter
from ...models.base import utcnow
from ...services import audit, people
from ...services.supporter_mail import is_erased
from ..common import app_context, db_session
from . import bp
from .access import current_staff, has_role, require_role
from .moderation import HoldForm


class SearchForm(FlaskForm):
    email = StringField(_l("Email address"), validators=[InputRequired(_l("Enter the supporter's email address")),
                                                         Length(max=320)])


class EraseForm(FlaskForm):
    email = StringField(_l("Type the supporter's email address to confirm"),
                        validators=[InputRequired(_l("Type the supporter's email address to confirm"))])


def _supporter_or_404(supporter_id: int) -> Supporter:
    supporter = db_session().get(Supporter, supporter_id)
    if supporter is None:
        abort(404)
    return supporter


def _search_page(form: SearchForm, status: int = 200, *, missing: str = "") -> tuple[str, int]:
    return render_template("admin/people.html", form=form, missing=missing), status


@bp.route("/people")
@require_role("viewer")
def people_index() -> tuple[str, int]:
    return _search_page(SearchForm())


# A POST, so that the address never appears in a URL (browser history, server logs).
@bp.route("/people", methods=["POST"])
@require_role("viewer")
def people_search() -> tuple[str, int] | Response:
    form = SearchForm()
    if not form.validate():
        return _search_page(form, 400)
    session = db_session()
    supporter = people.find_supporter(session, form.email.data)
    if supporter is not None:
        return redirect(url_for("admin.people_person", supporter_id=supporter.id))
    missing = _("This address was erased at its owner's request; only a hash of it is kept, so it is never "
                "mailed again.") if is_erased(session, form.email.data) \
        else _("No supporter has that email address.")
    return _search_page(form, 404, missing=missing)


@bp.route("/people/<int:supporter_id>")
@require_role("viewer")
def people_person(supporter_id: int) -> str:
    record = people.person_record(db_session(), _supporter_or_404(supporter_id))
    catalog = app_context().catalog

    def title(slug: str) -> str:
        campaign = catalog.get(slug)
        return campaign.title if campaign is not None else slug

    return render_template("admin/people_person.html", record=record, title=title, hold_form=HoldForm(),
                           can_hold=has_role(current_staff(), "campaigner"),
                           is_admin=has_role(current_staff(), "admin"))


@bp.route("/people/<int:supporter_id>/export", methods=["POST"])
@require_role("admin")
def people_export(supporter_id: int) -> Response:
    session, now = db_session(), utcnow()
    supporter = _supporter_or_404(supporter_id)
    data = people.export_person(people.person_record(session, supporter), now=now)
    audit.record(session, current_staff(), "person.export", f"supporter:{supporter.id}",
                 {"actions": len(data["actions"])}, now=now)
    session.commit()
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="supporter-{supporter_id}.json"'
    response.headers["Cache-Control"] = "no-store"  # personal data: never kept by a browser or proxy
    return response


def _erase_page(supporter: Supporter, form: EraseForm, status: int = 200) -> tuple[str, int]:
    record = people.person_record(db_session(), supporter)
    return render_template("admin/people_erase.html", record=record, form=form), status


@bp.route("/people/<int:supporter_id>/erase", methods=["GET", "POST"])
@require_role("admin")
def people_erase(supporter_id: int) -> tuple[str, int] | Response:
    supporter, form = _supporter_or_404(supporter_id), EraseForm()
    if not form.validate_on_submit():
        return _erase_page(supporter, form, 400 if form.is_submitted() else 200)
    if people.find_supporter(db_session(), form.email.data) is not supporter:
        form.email.errors = [_("That is not this supporter's email address")]
        return _erase_page(supporter, form, 400)
    session, now = db_session(), utcnow()
    done = people.erase_person(session, supporter, now=now)
    # Numbers only: the audit log must not keep what was just erased.
    audit.record(session, current_staff(), "person.erase", f"supporter:{supporter_id}",
                 {"actions": done.actions, "letters_cancelled": done.letters_cancelled,
                  "letters_scrubbed": done.letters_scrubbed, "emails_deleted": done.emails_deleted,
                  "reviews_closed": done.reviews_closed}, now=now)
    session.commit()
    flash(_("The supporter's personal data was erased. %(count)d unsent letters were cancelled.",
            count=done.letters_cancelled))
    return redirect(url_for("admin.people_index"))
