"""Staff exports: signatures and letters as CSV, streamed in batches; the petition's packages, alone or zipped.

CSV rows are read with ``yield_per`` (a cursor fetched a batch at a time) and written a batch at a time,
so memory stays flat whatever the size of the campaign. Every cell goes through ``spreadsheet_safe``:
a name such as ``=HYPERLINK(...)`` must never run when staff open the file.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..catalog import Campaign
from ..catalog.schema import CAMPAIGN_TZ
from ..domain.slugs import slugify
from ..domain.states import DeliveryState
from ..domain.types import Attachment, Recipient
from ..models import Action, Delivery, Supporter
from .dashboard import STATUS_GROUPS, status_group
from .petition_delivery import RecipientPackage, confirmed_signers
from .petition_package import Package, new_package, package_files, riding_counts, spreadsheet_safe

BATCH = 1000
LETTER_STATES = tuple(state.value for state in DeliveryState)
SIGNATURE_COLUMNS = ("ID", "Signed at (Toronto)", "Status", "First name", "Last name", "Email", "Postal code",
                     "Riding", "Opt-in", "Source", "Language", "Email verified at (Toronto)")
LETTER_COLUMNS = ("Delivery ID", "Written at (Toronto)", "Status", "Recipient", "Office", "Recipient riding",
                  "Recipient email", "Writer", "Writer email", "Writer riding", "Subject", "Body", "Sent at (Toronto)",
                  "Attempts", "Last error")


@dataclass(frozen=True)
class ExportFilter:
    """Which rows an export holds. ``status`` is a STATUS_GROUPS key (signatures) or a delivery state (letters)."""

    status: str = ""
    since: date | None = None  # Toronto days, both included
    until: date | None = None
    riding: str = ""

    def describe(self) -> dict[str, str]:
        """The filter as JSON-able facts, for the audit log."""
        return {"status": self.status, "since": self.since.isoformat() if self.since else "",
                "until": self.until.isoformat() if self.until else "", "riding": self.riding}


def day_start(day: date) -> datetime:
    """Midnight at the start of a Toronto day, in UTC (the stored time zone)."""
    return datetime.combine(day, time(), CAMPAIGN_TZ).astimezone(UTC)


def _when(query: Select, column: object, filters: ExportFilter) -> Select:
    if filters.since:
        query = query.where(column >= day_start(filters.since))
    if filters.until:
        query = query.where(column < day_start(filters.until + timedelta(days=1)))
    return query


def cell(value: object) -> str:
    """One CSV cell as text: times in Toronto, yes/no for flags, and never a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, datetime):
        text = value.astimezone(CAMPAIGN_TZ).strftime("%Y-%m-%d %H:%M:%S")
    else:
        text = str(value)
    return spreadsheet_safe(text)


def csv_chunks(header: Sequence[str], batches: Iterable[Iterable[Sequence[object]]]) -> Iterator[bytes]:
    """UTF-8 CSV (with the byte-order mark spreadsheets need for accents), one chunk per batch of rows."""
    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180 quoting, CRLF line ends
    writer.writerow([cell(name) for name in header])
    yield out.getvalue().encode("utf-8-sig")
    for batch in batches:
        out.seek(0)
        out.truncate()
        writer.writerows([cell(value) for value in row] for row in batch)
        yield out.getvalue().encode("utf-8")


def _batches(session: Session, query: Select, batch: int | None) -> Iterator[Sequence[Sequence[object]]]:
    result = session.execute(query.execution_options(yield_per=batch or BATCH))
    try:
        yield from result.partitions()
    finally:
        result.close()


def signature_rows(session: Session, slug: str, filters: ExportFilter, *,
                   batch: int | None = None) -> Iterator[list[tuple[object, ...]]]:
    """The actions of a campaign (signatures or letter writers), oldest first, in batches of ``batch`` (BATCH)."""
    query = (select(Action.id, Action.created_at, Action.status, Action.review, Action.first_name,
                    Action.last_name, Supporter.email, Action.postal_code, Action.district, Action.opt_in,
                    Action.source, Action.lang, Action.verified_at)
             .outerjoin(Supporter, Supporter.id == Action.supporter_id)
             .where(Action.campaign_slug == slug).order_by(Action.id))
    if filters.status:
        query = query.where(STATUS_GROUPS[filters.status])
    if filters.riding:
        query = query.where(Action.district == filters.riding)
    for rows in _batches(session, _when(query, Action.created_at, filters), batch):
        yield [(id_, created, status_group(status, review), *rest)
               for id_, created, status, review, *rest in rows]


def letter_rows(session: Session, slug: str, filters: ExportFilter, *,
                batch: int | None = None) -> Iterator[Sequence[Sequence[object]]]:
    """The letters of a campaign, one row per office written to, oldest first; riding is the writer's."""
    query = (select(Delivery.id, Delivery.created_at, Delivery.status, Delivery.recipient_name,
                    Delivery.recipient_office, Delivery.recipient_district, Delivery.recipient_email,
                    Delivery.reply_to_name, Delivery.reply_to_address, Action.district, Delivery.subject,
                    Delivery.body, Delivery.sent_at, Delivery.attempts, Delivery.last_error)
             .outerjoin(Action, Action.id == Delivery.action_id)
             .where(Delivery.campaign_slug == slug, Delivery.kind == "letter").order_by(Delivery.id))
    if filters.status:
        query = query.where(Delivery.status == filters.status)
    if filters.riding:
        query = query.where(Action.district == filters.riding)
    yield from _batches(session, _when(query, Delivery.created_at, filters), batch)


def ridings(session: Session, slug: str) -> list[str]:
    """The ridings a campaign's supporters are in: the choices of the riding filter."""
    return sorted(session.scalars(select(Action.district).distinct()
                                  .where(Action.campaign_slug == slug, Action.district != "")))


def petition_package(session: Session, campaign: Campaign, *, now: datetime, org_name: str) -> list[Attachment]:
    """The whole petition as a fixed office receives it: a PDF and a CSV of every counted signer, by riding."""
    signers = confirmed_signers(session, campaign.slug)
    package = new_package(campaign, signers, recipient="every recipient", riding="", total=len(signers),
                          counts=riding_counts(signers), now=now, org_name=org_name)
    return list(package_files(campaign.slug, package))


@dataclass(frozen=True)
class RecipientDownload:
    """One recipient's package as the admin offers it: ``key`` names its links and its folder in the zip."""

    key: str  # ASCII slug of the name and riding, unique in the list: "jane-doe-ottawa-centre"
    recipient: Recipient
    package: Package


def recipient_downloads(packages: Iterable[RecipientPackage]) -> list[RecipientDownload]:
    """Each recipient's package with a readable key: a slug of their name and riding, numbered when repeated."""
    downloads: list[RecipientDownload] = []
    taken: set[str] = set()
    for planned in packages:
        base = slugify(f"{planned.recipient.name} {planned.package.riding}")[:80].strip("-") or "recipient"
        key, number = base, 1
        while key in taken:
            number += 1
            key = f"{base}-{number}"
        taken.add(key)
        downloads.append(RecipientDownload(key, planned.recipient, planned.package))
    return downloads


def zip_files(files: Iterable[Attachment]) -> bytes:
    return b"".join(zip_stream(files))


class _Chunks(io.RawIOBase):
    """A write-only stream that hands over what was written since the last call: zipfile writes, we yield."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def zip_stream(files: Iterable[Attachment]) -> Iterator[bytes]:
    """A zip of ``files``, produced a file at a time: only the file being added is held in memory."""
    out = _Chunks()
    # An unseekable stream: zipfile writes each entry's sizes after its data, so nothing is written twice.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for attachment in files:
            archive.writestr(attachment.filename, attachment.data)
            yield out.take()
    yield out.take()
