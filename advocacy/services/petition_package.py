"""The files a petition's target receives: a PDF to read and print, and a CSV of the same signers.

Signers appear by name and postal area (the first three characters of the postal code) under
their riding. Email addresses and full postal codes never leave us: an office needs to see that
real constituents signed, not how to reach them.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from ..catalog.schema import CAMPAIGN_TZ
from ..domain.slugs import slugify
from ..domain.types import Attachment

if TYPE_CHECKING:
    from ..catalog import Campaign

UNKNOWN_RIDING = "Riding not known"
CSV_COLUMNS = ("Riding", "First name", "Last name", "Postal area")
# A spreadsheet would run a cell starting with one of these as a formula (OWASP: CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


@dataclass(frozen=True)
class Signer:
    riding: str  # "" when the postal code matched no riding
    first_name: str
    last_name: str
    postal_area: str  # "K1P"

    @property
    def group(self) -> str:
        return self.riding or UNKNOWN_RIDING


@dataclass(frozen=True)
class Package:
    """One target's petition package: whom it is for, the petition, and who signed."""

    title: str
    texts: tuple[tuple[str, str], ...]  # (language, Markdown body): what the signers signed
    recipient: str  # "Jane Doe, MPP for Ottawa Centre"
    total: int  # confirmed signatures on the whole petition
    counts: tuple[tuple[str, int], ...]  # signatures per riding, whole petition, most first
    signers: tuple[Signer, ...]  # the signers listed in this package (one riding's, or everyone)
    riding: str  # the member's riding when the package lists only its signers, or "" for every riding
    as_of: date
    org_name: str


def new_package(campaign: Campaign, signers: Sequence[Signer], *, recipient: str, riding: str, total: int,
                counts: tuple[tuple[str, int], ...], now: datetime, org_name: str) -> Package:
    """The package of one recipient (``riding`` "" lists every riding), dated the Toronto day of ``now``."""
    texts = tuple((lang, t.body) for lang, t in (("en", campaign.text.en), ("fr", campaign.text.fr)) if t)
    return Package(title=campaign.title, texts=texts, recipient=recipient, total=total, counts=counts,
                   signers=tuple(signers), riding=riding, as_of=now.astimezone(CAMPAIGN_TZ).date(),
                   org_name=org_name)


def package_files(slug: str, package: Package, csv_bytes: bytes | None = None) -> tuple[Attachment, Attachment]:
    """The PDF, then the CSV, named ``petition-<campaign>[-<riding>]-<date>`` (ASCII, no path separators)."""
    stem = "-".join(filter(None, ["petition", slugify(slug), slugify(package.riding), package.as_of.isoformat()]))
    return (Attachment(f"{stem}.pdf", "application/pdf", render_pdf(package)),
            Attachment(f"{stem}.csv", "text/csv", render_csv(package.signers) if csv_bytes is None else csv_bytes))


def riding_counts(signers: Iterable[Signer]) -> tuple[tuple[str, int], ...]:
    """Signatures per riding, most first, then by name."""
    counts = Counter(signer.group for signer in signers)
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading quote stops ``=HYPERLINK(...)`` from running."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def sorted_signers(signers: Iterable[Signer]) -> list[Signer]:
    """By riding (unknown last), then family name, then given name: the order of both files."""
    return sorted(signers, key=lambda s: (not s.riding, s.riding.casefold(), s.last_name.casefold(),
                                          s.first_name.casefold()))


def render_csv(signers: Iterable[Signer]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs show accented names as written."""
    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180: quoted as needed, CRLF line ends
    writer.writerow(CSV_COLUMNS)
    for s in sorted_signers(signers):
        writer.writerow([spreadsheet_safe(cell) for cell in (s.group, s.first_name, s.last_name, s.postal_area)])
    return out.getvalue().encode("utf-8-sig")


def render_pdf(package: Package) -> bytes:
    """The petition, its count and its signers grouped by riding, as a PDF (see petition_pdf)."""
    # Imported here: reportlab adds about 6 MiB to a process, and a web worker seldom builds a package.
    from .petition_pdf import render_pdf as render

    return render(package)
