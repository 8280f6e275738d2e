"""Allies and keys for the API tests: `ally_key` may act on every campaign, `scoped_key` on one."""

from __future__ import annotations

import shutil

import pytest

from advocacy import create_app
from advocacy.config import PROJECT_ROOT
from advocacy.models.base import utcnow
from advocacy.services.allies import create_ally, issue_key

WORDING = "Yes, Friends of Transit may email me about this and future campaigns."
PETITION, PRIVATE, LETTER, FIXED_LETTER = ("the-rich-and-the-rest-of-us", "opa-organizing-campaign",
                                           "no-to-bill-c-377", "legal-aid-bargaining-rights")
SUPPORTER = {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com", "postal_code": "K1P 5J2"}


def make_key(db, slug: str, *, campaigns: tuple[str, ...] = (), wording: str = WORDING) -> str:
    with db.transaction() as session:
        create_ally(session, slug, slug.replace("-", " ").title(), campaigns=campaigns, opt_in_wording=wording,
                    now=utcnow())
        return issue_key(session, slug, now=utcnow()).key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def ally_key(db) -> str:
    return make_key(db, "friends-of-transit")


@pytest.fixture
def scoped_key(db) -> str:
    return make_key(db, "one-cause", campaigns=(PETITION,), wording="")


@pytest.fixture
def odd_campaigns_app(tmp_path, settings, db):
    """The real campaigns plus a closed petition and a draft one."""
    folder = tmp_path / "campaigns"
    shutil.copytree(PROJECT_ROOT / "campaigns", folder)
    source = (folder / f"{PETITION}.toml").read_text(encoding="utf-8")
    for slug, status in (("closed-petition", "closed"), ("draft-petition", "draft")):
        text = source.replace(f'slug = "{PETITION}"', f'slug = "{slug}"').replace('status = "live"',
                                                                                    f'status = "{status}"')
        (folder / f"{slug}.toml").write_text(text, encoding="utf-8")
    app = create_app(settings.with_(campaigns_dir=folder))
    yield app
    app.extensions["advocacy"].db.dispose()
