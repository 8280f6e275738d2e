"""Admin: the campaign dashboards (counts, progress, charts, letters per office, delivery states) and the
staff fixes for dead letters (retry, cancel), one at a time with the services behind ``advocacy deliveries``
or all of a campaign's (or of one office's) at once with services/dead_letters.py."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ...catalog import Campaign
from ...domain.errors import InvalidTransition, MessageTextDeleted
from ...models import Delivery
from ...models.base import utcnow
from ...services import audit, dead_letters
from ...services import dashboard as stats
from ...services.deliveries import cancel_delivery, retry_delivery, text_deleted
from ..common import app_context, db_session
from . import bp
from .access import current_staff, has_role, require_role
from .account_forms import ConfirmForm
from .charts import column_chart, row_chart

CHART_ROWS = 15  # bars in a by-riding or by-source chart; the table beside it lists every row
CHANGES = {"retry": retry_delivery, "cancel": cancel_delivery}
BULK_CHANGES = {"retry": dead_letters.retry_dead_letters, "cancel": dead_letters.cancel_dead_letters}
PHASE_LABELS = {"draft": _l("Draft"), "upcoming": _l("Not open yet"), "open": _l("Open"), "paused": _l("Paused"),
                "closed": _l("Closed")}
STATE_LABELS = {"held": _l("Held"), "queued": _l("Queued"), "sending": _l("Sending"), "retry": _l("To retry"),
                "sent": _l("Sent"), "failed": _l("Failed"), "cancelled": _l("Cancelled"), "batched": _l("In a digest"),
                "bounced": _l("Bounced")}
KIND_LABELS = {"letter": _l("Letters to offices"), "digest": _l("Digests to offices"),
               "petition": _l("Petition packages"), "confirmation": _l("Confirmation emails"),
               "reminder": _l("Reminder emails"), "receipt": _l("Receipts"), "notice": _l("Notices to supporters")}


@bp.context_processor
def dashboard_labels() -> dict[str, object]:
    return {"phase_labels": PHASE_LABELS, "state_labels": STATE_LABELS, "kind_labels": KIND_LABELS}


def campaign_or_404(slug: str) -> Campaign:
    campaign = app_context().catalog.get(slug)
    if campaign is None:
        abort(404)
    return campaign


def _percent(count: int, goal: int) -> int:
    return min(100, count * 100 // goal) if goal else 0


@bp.route("/campaigns")
@require_role("viewer")
def dashboard_index() -> str:
    counts = stats.campaign_counts(db_session())
    now = utcnow()
    rows = [(campaign, counts.get(campaign.slug, stats.ActionCounts()), campaign.phase(now))
            for campaign in sorted(app_context().catalog, key=lambda c: c.title.casefold())]
    return render_template("admin/dashboard_index.html", rows=rows, percent=_percent)


@bp.route("/campaigns/<slug>")
@require_role("viewer")
def dashboard_campaign(slug: str) -> str:
    campaign = campaign_or_404(slug)
    session = db_session()
    counts = stats.campaign_counts(session, slug).get(slug, stats.ActionCounts())
    now = utcnow()
    figures = stats.breakdowns(session, slug)
    ridings, sources = figures.ridings, figures.sources
    return render_template(
        "admin/dashboard_campaign.html", campaign=campaign, counts=counts, phase=campaign.phase(now),
        percent=_percent(counts.confirmed, campaign.goal), figures=figures, per_day=figures.per_day,
        day_chart=column_chart([(day.isoformat(), n) for day, n in figures.per_day]),
        ridings=ridings, riding_chart=row_chart([(r or _("Riding not known"), n) for r, n in ridings[:CHART_ROWS]]),
        sources=sources, source_chart=row_chart([(_source_label(s), s.count) for s in sources[:CHART_ROWS]]),
        offices=figures.offices, states=figures.states,
        state_names=sorted({state for by_state in figures.states.values() for state in by_state}),
        dead=stats.dead_letters(session, slug), dead_total=figures.dead,
        can_change=has_role(current_staff(), "campaigner"))


def _source_label(source: stats.SourceCount) -> str:
    if source.ally:
        return _("Ally: %(name)s", name=source.ally)
    return source.source or _("Direct (no source)")


def _delivery_or_404(delivery_id: int) -> Delivery:
    delivery = db_session().get(Delivery, delivery_id)
    if delivery is None:
        abort(404)
    return delivery


@bp.route("/deliveries/<int:delivery_id>/<any(retry, cancel):change>", methods=["GET", "POST"])
@require_role("campaigner")
def delivery_change(delivery_id: int, change: str) -> Response | str:
    """GET asks once, saying what will happen; POST retries or cancels, audited, then back to the dashboard."""
    delivery = _delivery_or_404(delivery_id)
    form = ConfirmForm()
    back = url_for("admin.dashboard_campaign", slug=delivery.campaign_slug)
    if request.method != "POST" or not form.validate():
        return render_template("admin/dashboard_delivery.html", delivery=delivery, change=change, form=form, back=back,
                               text_deleted=text_deleted(delivery))
    session, before = db_session(), delivery.status
    try:
        CHANGES[change](session, delivery_id, now=utcnow(), by=current_staff().email)
    except MessageTextDeleted:
        session.rollback()
        flash(_("Delivery %(id)s cannot be sent again: its text was deleted after our retention period. Nothing "
                "was changed. Cancel it instead.", id=delivery_id))
        return redirect(back)
    except InvalidTransition:
        session.rollback()
        flash(_("Delivery %(id)s is %(status)s now, so it cannot be changed that way. Nothing was changed.",
                id=delivery_id, status=before))
        return redirect(back)
    audit.record(session, current_staff(), f"delivery.{change}", target=f"delivery:{delivery_id}",
                 detail={"campaign": delivery.campaign_slug, "from": before, "to": delivery.status})
    session.commit()
    flash(_("Delivery %(id)s to %(name)s was queued again.", id=delivery_id, name=delivery.recipient_name)
          if change == "retry" else
          _("Delivery %(id)s to %(name)s was cancelled.", id=delivery_id, name=delivery.recipient_name))
    return redirect(back)


@bp.route("/campaigns/<slug>/dead-letters/<any(retry, cancel):change>", methods=["GET", "POST"])
@require_role("campaigner")
def dead_letters_change(slug: str, change: str) -> Response | str:
    """Every dead letter of a campaign, or of one office (``office``): GET asks once with the counts, POST acts."""
    campaign = campaign_or_404(slug)
    office = request.values.get("office", "").strip().lower()[:320]  # an office_key: a lower-cased inbox
    form, session = ConfirmForm(), db_session()
    back = url_for("admin.dashboard_campaign", slug=slug)
    if request.method != "POST" or not form.validate():
        return render_template("admin/dashboard_dead_letters.html", campaign=campaign, change=change, office=office,
                               found=dead_letters.count_dead_letters(session, slug, office=office), form=form,
                               back=back)
    done = BULK_CHANGES[change](session, slug, office=office, now=utcnow(), by=current_staff().email)
    if done.changed:
        audit.record(session, current_staff(), f"delivery.{change}_all", target=f"campaign:{slug}",
                     detail={"campaign": slug, **({"office": office} if office else {}), "changed": done.changed,
                             **({"text_deleted": done.text_deleted} if change == "retry" else {})})
    session.commit()
    flash(_bulk_message(change, done))
    return redirect(back)


def _bulk_message(change: str, done: dead_letters.BulkChange) -> str:
    if not done.changed and not done.text_deleted:
        return (_("There were no dead letters to retry. Nothing was changed.") if change == "retry" else
                _("There were no dead letters to cancel. Nothing was changed."))
    if change == "cancel":
        return ngettext("%(num)d dead letter was cancelled.", "%(num)d dead letters were cancelled.", done.changed)
    said = (ngettext("%(num)d dead letter was queued again.", "%(num)d dead letters were queued again.",
                     done.changed) if done.changed else _("No dead letter was queued again."))
    if done.text_deleted:
        said += " " + ngettext("%(num)d was left as it was: its text was deleted after our retention period, so it "
                               "cannot be sent again. Cancel it instead.",
                               "%(num)d were left as they were: their text was deleted after our retention period, "
                               "so they cannot be sent again. Cancel them instead.", done.text_deleted)
    return said
