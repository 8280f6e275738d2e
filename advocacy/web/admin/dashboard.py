"""Admin: the campaign dashboards (counts, progress, charts, letters per office, delivery states) and the
staff fixes for dead letters (retry, cancel), which reuse the services behind ``advocacy deliveries``."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...catalog import Campaign
from ...domain.errors import InvalidTransition, MessageTextDeleted
from ...models import Delivery
from ...models.base import utcnow
from ...services import audit
from ...services import dashboard as stats
from ...services.deliveries import cancel_delivery, retry_delivery, text_deleted
from ..common import app_context, db_session
from . import bp
from .access import current_staff, has_role, require_role
from .account_forms import ConfirmForm
from .charts import column_chart, row_chart

CHART_ROWS = 15  # bars in a by-riding or by-source chart; the table beside it lists every row
CHANGES = {"retry": retry_delivery, "cancel": cancel_delivery}
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
        dead=stats.dead_letters(session, slug), can_change=has_role(current_staff(), "campaigner"))


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
