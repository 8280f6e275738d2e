"""Admin: CSV exports (signatures, letters), the petition's packages (whole, per recipient, all zipped), sending.

Every export and every send is written to the audit log before the file leaves. CSVs are streamed from
their own read session, opened inside the generator and closed when the last row has gone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...catalog import Campaign
from ...catalog.schema import CAMPAIGN_TZ
from ...domain.types import Attachment
from ...models.base import utcnow
from ...services import audit, petition_delivery
from ...services import exports as export_service
from ...services import petition_package as petition_package_service
from ...services.petition_delivery import PetitionRecipients
from ..common import app_context, db_session
from . import bp
from .access import current_staff, require_role
from .account_forms import ConfirmForm
from .dashboard import campaign_or_404
from .export_forms import ExportForm, LetterExportForm

LETTERS_PREFIX = "letters"  # the letter form's fields are letters-status, letters-since, ...


def _render_form(campaign: Campaign, signatures: ExportForm, letters: ExportForm, status: int = 200,
                 ) -> tuple[str, int]:
    ridings = export_service.ridings(db_session(), campaign.slug)
    found, downloads = _recipients(campaign) if campaign.kind == "petition" and campaign.targets else (None, [])
    return render_template("admin/exports.html", campaign=campaign, signatures=signatures, letters=letters,
                           ridings=ridings, recipients=found, downloads=downloads), status


def _recipients(campaign: Campaign) -> tuple[PetitionRecipients, list[export_service.RecipientDownload]]:
    """Whom the petition would be delivered to now (as ``petitions deliver`` resolves them), each with a key."""
    ctx = app_context()
    found = petition_delivery.resolve_packages(db_session(), campaign, ctx.provider, now=utcnow(),
                                               org_name=ctx.settings.org_name)
    return found, export_service.recipient_downloads(found.packages)


@bp.route("/campaigns/<slug>/exports")
@require_role("campaigner")
def exports_form(slug: str) -> tuple[str, int]:
    return _render_form(campaign_or_404(slug), ExportForm(), LetterExportForm(prefix=LETTERS_PREFIX))


def _today() -> date:
    return utcnow().astimezone(CAMPAIGN_TZ).date()


def _audit(action: str, campaign: Campaign, detail: dict[str, object]) -> None:
    # Its own short write: export requests are GETs, whose request session only reads.
    with app_context().db.transaction() as session:
        audit.record(session, current_staff(), action, target=f"campaign:{campaign.slug}", detail=detail)


def _csv_response(filename: str, header: Sequence[str],
                  rows: Callable[[Session], Iterable[Iterable[Sequence[object]]]]) -> Response:
    db = app_context().db

    def generate() -> Iterator[bytes]:
        session = db.session()
        try:
            yield from export_service.csv_chunks(header, rows(session))
        finally:
            session.close()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/campaigns/<slug>/exports/signatures.csv")
@require_role("campaigner")
def export_signatures(slug: str) -> Response | tuple[str, int]:
    campaign = campaign_or_404(slug)
    form = ExportForm(request.args)
    if not form.validate():
        return _render_form(campaign, form, LetterExportForm(prefix=LETTERS_PREFIX), 400)
    filters = form.filters()
    _audit("export.signatures", campaign, filters.describe())
    return _csv_response(f"{slug}-signatures-{_today().isoformat()}.csv", export_service.SIGNATURE_COLUMNS,
                         lambda session: export_service.signature_rows(session, slug, filters))


@bp.route("/campaigns/<slug>/exports/letters.csv")
@require_role("campaigner")
def export_letters(slug: str) -> Response | tuple[str, int]:
    campaign = campaign_or_404(slug)
    form = LetterExportForm(request.args, prefix=LETTERS_PREFIX)
    if not form.validate():
        return _render_form(campaign, ExportForm(), form, 400)
    filters = form.filters()
    _audit("export.letters", campaign, filters.describe())
    return _csv_response(f"{slug}-letters-{_today().isoformat()}.csv", export_service.LETTER_COLUMNS,
                         lambda session: export_service.letter_rows(session, slug, filters))


def _petition_or_404(slug: str) -> Campaign:
    campaign = campaign_or_404(slug)
    if campaign.kind != "petition":
        abort(404)
    return campaign


@bp.route("/campaigns/<slug>/petition/package.zip")
@require_role("campaigner")
def petition_package(slug: str) -> Response:
    """The whole petition (every counted signer, by riding) as a fixed office receives it: PDF and CSV, zipped."""
    campaign = _petition_or_404(slug)
    ctx = app_context()
    files = export_service.petition_package(db_session(), campaign, now=utcnow(), org_name=ctx.settings.org_name)
    _audit("export.petition_package", campaign, {"files": [f.filename for f in files]})
    return _download(export_service.zip_files(files), "application/zip", f"petition-{slug}-{_today().isoformat()}.zip")


def _download(data: bytes | Iterator[bytes], mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _no_packages(slug: str, message: str) -> Response:
    flash(message)
    return redirect(url_for("admin.exports_form", slug=slug, _anchor="recipients"))


@bp.route("/campaigns/<slug>/petition/packages/<key>.<any(pdf, csv):kind>")
@require_role("campaigner")
def petition_recipient_package(slug: str, key: str, kind: str) -> Response:
    """One recipient's package, the very PDF or CSV a delivery of the petition would send them now."""
    campaign = _petition_or_404(slug)
    _found, downloads = _recipients(campaign)
    chosen = next((d for d in downloads if d.key == key), None)
    if chosen is None:  # signers withdrew, or the directory changed since the page was shown
        return _no_packages(slug, _("That recipient has no package now. Here is the current list."))
    pdf, csv_file = petition_package_service.package_files(slug, chosen.package)
    file = pdf if kind == "pdf" else csv_file
    _audit("export.petition_recipient_package", campaign,
           {"recipient": chosen.package.recipient, "email": chosen.recipient.email, "riding": chosen.package.riding,
            "signers": len(chosen.package.signers), "file": file.filename})
    return _download(file.data, file.content_type, file.filename)


@bp.route("/campaigns/<slug>/petition/packages.zip")
@require_role("campaigner")
def petition_packages(slug: str) -> Response:
    """Every recipient's package in one zip: a folder per recipient holding their PDF and CSV."""
    campaign = _petition_or_404(slug)
    found, downloads = _recipients(campaign)
    if not downloads:
        return _no_packages(slug, _("There are no packages to download: nobody has signed yet, or no recipient "
                                    "could be found.") if campaign.targets else
                            _("This petition has no targets: download the whole petition instead."))
    _audit("export.petition_packages", campaign,
           {"recipients": [d.package.recipient for d in downloads], "folders": [d.key for d in downloads],
            "signatures": found.total})

    def files() -> Iterator[Attachment]:  # rendered one recipient at a time, as the zip is sent
        for download in downloads:
            for file in petition_package_service.package_files(slug, download.package):
                yield replace(file, filename=f"{download.key}/{file.filename}")

    return _download(export_service.zip_stream(files()), "application/zip",
                     f"petition-{slug}-packages-{_today().isoformat()}.zip")


@bp.route("/campaigns/<slug>/petition/send", methods=["GET", "POST"])
@require_role("campaigner")
def petition_send(slug: str) -> Response | str:
    """GET shows who would get what (the CLI's --dry-run); POST queues the packages, as ``petitions deliver``."""
    campaign = _petition_or_404(slug)
    if not campaign.targets:
        abort(404)
    ctx, form, now = app_context(), ConfirmForm(), utcnow()
    session = db_session()
    if request.method != "POST" or not form.validate():
        plan = petition_delivery.plan_delivery(session, campaign, ctx.provider, now=now, org_name=ctx.settings.org_name)
        return render_template("admin/exports_petition_send.html", campaign=campaign, plan=plan, form=form)
    done = petition_delivery.deliver_petition(session, campaign, ctx.provider,
                                              keys=[petition_delivery.manual_key(now)], now=now, mail=ctx.mail)
    if done is None:
        session.rollback()
        flash(_("Another delivery of this petition started this very second. Nothing was sent; try again."))
        return redirect(url_for("admin.petition_send", slug=slug))
    audit.record(session, current_staff(), "petition.deliver", target=f"campaign:{slug}",
                 detail={"keys": list(done.keys), "signatures": done.plan.total,
                         "deliveries": [d.id for d in done.deliveries]})
    session.commit()
    flash(_("The petition (%(total)s signatures) was queued for %(count)s recipients.",
            total=f"{done.plan.total:,}", count=len(done.deliveries)))
    return redirect(url_for("admin.dashboard_campaign", slug=slug))
