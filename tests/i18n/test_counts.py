"""Counts are written as each language writes numbers (12,345 / 12 345, CLDR's narrow no-break space), and a
campaign's English and French pages show one counter: a French signature counts on the English page too."""

from __future__ import annotations

import re

import pytest
from babel.numbers import format_decimal
from sqlalchemy import insert

from advocacy.domain.text import GROUP_SEPARATORS
from advocacy.models import Action
from advocacy.models.base import utcnow
from advocacy.services.stats import forget_public_count
from advocacy.web.i18n import LANGUAGES

from ..conftest import post_form
from .conftest import app_with, visible_text

SLUG = "english-only"  # goal 12345
FRENCH_SPACE = "[\u202f\u00a0]"  # Babel's French group separator: a narrow (or plain) no-break space


def progress(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    label = re.search(r'<p class="progress-label" id="progress-label">(.*?)</p>', page, flags=re.S)
    return visible_text(label.group(1))


def add_signatures(db, slug: str, count: int) -> None:
    now = utcnow()
    with db.transaction() as session:
        session.execute(insert(Action), [
            {"campaign_slug": slug, "kind": "signature", "status": "confirmed", "email_key": f"s{i}@example.com",
             "canonical_key": f"s{i}@example.com", "first_name": "S", "last_name": "Igner", "postal_code": "K1P5J2",
             "lang": "fr" if i % 2 else "en", "created_at": now} for i in range(count)])
        forget_public_count(session, slug)


def test_counts_are_written_per_language(client, db):
    add_signatures(db, SLUG, 12345)
    assert progress(client, f"/campaigns/{SLUG}") == "12,345 of 12,345 signatures"
    assert re.fullmatch(rf"12{FRENCH_SPACE}345 sur 12{FRENCH_SPACE}345 signatures",
                        progress(client, f"/fr/campaigns/{SLUG}"))
    index = visible_text(client.get("/fr/").get_data(as_text=True))
    assert re.search(rf"12{FRENCH_SPACE}345 sur 12{FRENCH_SPACE}345 signatures", index)
    assert re.search(rf"0 sur 25{FRENCH_SPACE}000 signatures", index)  # together-fairness-works
    assert "0 of 25,000 signatures" in visible_text(client.get("/").get_data(as_text=True))


def test_a_goal_of_one_is_singular(settings, db):
    client = app_with(settings, SLUG, "goal = 12345", "goal = 1").test_client()
    assert progress(client, f"/campaigns/{SLUG}") == "0 of 1 signature"
    assert progress(client, f"/fr/campaigns/{SLUG}") == "0 sur 1 signature"


def test_english_and_french_pages_share_one_counter(client):
    petition = "/campaigns/the-rich-and-the-rest-of-us"
    post_form(client, "/fr" + petition, {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com",
                                         "postal_code": "K1P 5J2"})
    post_form(client, petition, {"first_name": "Al", "last_name": "Ng", "email": "al@example.com",
                                 "postal_code": "K1P 5J2"})
    assert progress(client, petition) == "2 of 10,000 signatures"
    assert re.fullmatch(rf"2 sur 10{FRENCH_SPACE}000 signatures", progress(client, "/fr" + petition))
    thanks = visible_text(client.get(f"/fr{petition}/thanks").get_data(as_text=True))
    assert re.search(rf"2 sur 10{FRENCH_SPACE}000 signatures", thanks)
    widget = visible_text(client.get("/embed/the-rich-and-the-rest-of-us?lang=fr").get_data(as_text=True))
    assert re.search(rf"2 sur 10{FRENCH_SPACE}000 signatures", widget) and "Signer la pétition" in widget


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_languages_digit_groups_are_cldrs(language):
    # domain/text keeps one separator per language instead of loading Babel's locale data in every web process:
    # Babel (CLDR) must agree with it.
    for number in (0, 999, 1234, 12345, 1234567):
        assert f"{number:,}".replace(",", GROUP_SEPARATORS[language]) == format_decimal(number, locale=language)
