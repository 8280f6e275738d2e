"""Petition fixtures: stored signatures, a fixed moment, and shipped petitions with other delivery rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from advocacy.catalog import Campaign, Catalog
from advocacy.catalog.schema import PetitionDelivery
from advocacy.context import AppContext
from advocacy.models import Action, Supporter
from advocacy.services.targets import find_district

MPPS = "the-rich-and-the-rest-of-us"  # to every MPP, grouped by riding
PREMIER = "together-fairness-works"  # to the Premier
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Toronto


class Signatures:
    """Signatures as the public form stores them: the riding found from the postal code, then the rows.

    Written directly rather than through the form, so that what is tested here is what a delivery
    reads: confirmed rows with a name, a postal code and a riding.
    """

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.count = 0

    def sign(self, slug: str, first: str, last: str, postal_code: str, *, pending: bool = False,
             campaign: Campaign | None = None, now: datetime = NOW) -> None:
        slug = campaign.slug if campaign else slug
        self.count += 1
        email = f"signer{self.count}@example.com"
        with self.ctx.db.transaction() as session:
            district = find_district(session, self.ctx.provider, postal_code)
            person = Supporter(email_key=email, email=email, first_name=first, last_name=last,
                               postal_code=postal_code, created_at=now, updated_at=now)
            session.add(person)
            session.flush()
            session.add(Action(campaign_slug=slug, kind="signature", status="pending" if pending else "confirmed",
                               supporter_id=person.id, email_key=email, first_name=first, last_name=last,
                               postal_code=postal_code, district=district, created_at=now))


@pytest.fixture
def signatures(ctx: AppContext) -> Signatures:
    return Signatures(ctx)


def with_rules(ctx: AppContext, slug: str, **changes: object) -> tuple[Campaign, Catalog]:
    """A shipped petition with other delivery rules (or other fields), and a catalog holding only it."""
    campaign = ctx.catalog.get(slug)
    assert campaign is not None
    rules = {key: changes.pop(key) for key in ("milestones", "schedule", "at_close") if key in changes}
    changed = campaign.model_copy(update={"petition": PetitionDelivery(**rules), **changes})
    return changed, Catalog([changed])
