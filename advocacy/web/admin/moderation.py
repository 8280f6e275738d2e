"""Admin: the review queue. Campaigners approve, reject, or edit and approve held actions, and hold letters."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ...models import Action, Delivery
from ...models.base import utcnow
from ...services import audit, moderation
from ..common import app_context, db_session
from ..security import safe_next
from . import bp
from .access import current_staff, require_role

NOTE_MAX = 1000


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note for the audit log (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])


class EditNoteForm(FlaskForm):
    note = TextAreaField(_l("Why you edited the letter"),
                         validators=[InputRequired(_l("Say why you edited the letter")), Length(max=NOTE_MAX)])


class HoldForm(FlaskForm):
    reason = StringField(_l("Why hold it"), validators=[InputRequired(_l("Say why you are holding it")),
                                                        Length(max=200)])


@dataclass
class LetterField:
    """One held letter's subject and body on the edit page, with what is wrong with them."""

    delivery: Delivery
    subject: str
    body: str
    errors: dict[str, str] = field(default_factory=dict)


def _action_or_404(action_id: int) -> Action:
    action = db_session().get(Action, action_id)
    if action is None:
        abort(404)
    return action


def _refused_erased(target: str) -> Response:
    flash(_("That supporter's data was erased: their action cannot be approved, edited or held, and no letter of "
            "theirs will be sent."))
    return redirect(target)


def _title(slug: str) -> str:
    campaign = app_context().catalog.get(slug)
    return campaign.title if campaign is not None else slug


def _audit(action: Action, verb: str, note: str, **detail: object) -> None:
    audit.record(db_session(), current_staff(), f"review.{verb}", f"action:{action.id}",
                 {"campaign": action.campaign_slug, "kind": action.kind, "reason": action.review_reason,
                  "note": note, **detail})


@bp.route("/reviews")
@require_role("campaigner")
def review_queue() -> str:
    session = db_session()
    waiting = moderation.pending_reviews(session)
    letters = {a.id: moderation.letters_of(session, a.id, (moderation.S.HELD.value,)) for a in waiting}
    # Erased before erasure closed their reviews: they can only be rejected.
    erased = {a.id for a in waiting if moderation.is_erased(a)}
    return render_template("admin/moderation.html", waiting=waiting, letters=letters, erased=erased, title=_title,
                           form=NoteForm())


def _decided(action: Action, verb: str, message: str, count: int, note: str) -> Response:
    _audit(action, verb, note, letters=count)
    db_session().commit()
    flash(message)
    return redirect(url_for("admin.review_queue"))


@bp.route("/reviews/<int:action_id>/approve", methods=["POST"])
@require_role("campaigner")
def review_approve(action_id: int) -> Response:
    return _decide(action_id, "approve")


@bp.route("/reviews/<int:action_id>/reject", methods=["POST"])
@require_role("campaigner")
def review_reject(action_id: int) -> Response:
    return _decide(action_id, "reject")


def _decide(action_id: int, verb: str) -> Response:
    action, form = _action_or_404(action_id), NoteForm()
    if not form.validate():
        flash(_("A note can be at most %(max)d characters.", max=NOTE_MAX))
        return redirect(url_for("admin.review_queue"))
    note = (form.note.data or "").strip()
    try:
        if verb == "approve":
            count = moderation.approve(db_session(), action, now=utcnow(), note=note)
            message = _("Approved: %(count)d letters queued.", count=count) if action.kind == "letter" \
                else _("Approved: the signature is counted.")
        else:
            count = moderation.reject(db_session(), action, now=utcnow(), note=note)
            message = _("Rejected: %(count)d letters cancelled.", count=count) if action.kind == "letter" \
                else _("Rejected: the signature will not be counted.")
    except moderation.ActionErased:
        return _refused_erased(url_for("admin.review_queue"))
    except moderation.ReviewError:
        flash(_("Someone else has already decided on that action."))
        return redirect(url_for("admin.review_queue"))
    return _decided(action, verb, message, count, note)


def _edit_page(action: Action, form: EditNoteForm, fields: list[LetterField], status: int = 200) -> tuple[str, int]:
    problems = [(f"{name}-{f.delivery.id}", text) for f in fields for name, text in f.errors.items()]
    return render_template("admin/moderation_edit.html", action=action, form=form, fields=fields,
                           problems=problems, title=_title(action.campaign_slug)), status


@bp.route("/reviews/<int:action_id>/edit", methods=["GET", "POST"])
@require_role("campaigner")
def review_edit(action_id: int) -> tuple[str, int] | Response:
    action = _action_or_404(action_id)
    if moderation.is_erased(action):
        return _refused_erased(url_for("admin.review_queue"))
    if action.review != moderation.PENDING:
        flash(_("That action is not waiting for review."))
        return redirect(url_for("admin.review_queue"))
    held = moderation.letters_of(db_session(), action.id, (moderation.S.HELD.value,))
    form = EditNoteForm()
    if request.method == "GET":
        return _edit_page(action, form, [LetterField(d, d.subject, d.body) for d in held])
    fields = [LetterField(d, request.form.get(f"subject-{d.id}", ""), request.form.get(f"body-{d.id}", ""))
              for d in held]
    for letter in fields:
        if not " ".join(letter.subject.split()):
            letter.errors["subject"] = _("Enter a subject")
        elif len(" ".join(letter.subject.split())) > 300:
            letter.errors["subject"] = _("A subject can be at most 300 characters")
        if not letter.body.strip():
            letter.errors["body"] = _("Enter the letter")
    if not form.validate() or any(f.errors for f in fields):
        return _edit_page(action, form, fields, 400)
    edits = [moderation.LetterEdit(f.delivery.id, f.subject, f.body) for f in fields]
    note = form.note.data.strip()
    try:
        count = moderation.edit_and_approve(db_session(), action, edits, note=note, now=utcnow())
    except moderation.ReviewError:
        flash(_("Someone else has already decided on that action."))
        return redirect(url_for("admin.review_queue"))
    return _decided(action, "edit_approve", _("Edited and approved: %(count)d letters queued.", count=count),
                    count, note)


@bp.route("/actions/<int:action_id>/hold", methods=["POST"])
@require_role("campaigner")
def action_hold(action_id: int) -> Response:
    """Staff hold a letter (or signature) for review: the same queue the abuse checks use."""
    action, form = _action_or_404(action_id), HoldForm()
    target = safe_next(request.form.get("back"), url_for("admin.review_queue"))
    if not form.validate():
        flash(_("Say why you are holding it (at most 200 characters)."))
        return redirect(target)
    if action.review == moderation.PENDING:
        flash(_("That action is already waiting for review."))
        return redirect(target)
    reason = form.reason.data.strip()
    try:
        moderation.flag_for_review(db_session(), action, reason, now=utcnow())
    except moderation.ActionErased:
        return _refused_erased(target)
    audit.record(db_session(), current_staff(), "review.hold", f"action:{action.id}",
                 {"campaign": action.campaign_slug, "kind": action.kind, "reason": reason})
    db_session().commit()
    flash(_("Held for review."))
    return redirect(target)
