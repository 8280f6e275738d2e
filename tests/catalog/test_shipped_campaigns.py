"""The campaigns we ship: they load, they are listed (or not), and each letter reaches exactly its offices."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from advocacy.catalog import load_directory
from advocacy.cli import CliState, main
from advocacy.config import PROJECT_ROOT
from advocacy.models import Action, Delivery

from ..conftest import post_form

SHIPPED = {c.slug: c for c in load_directory(PROJECT_ROOT / "campaigns")}
PRIVATE = "opa-organizing-campaign"
OTTAWA = {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com", "postal_code": "K1P 5J2"}
THUNDER_BAY = {**OTTAWA, "postal_code": "P7B 1A1"}

# For each letter campaign: who writes, and (name, email, letter version) of every office that must receive it.
LETTER_CASES = {
    "no-to-bill-c-377": (OTTAWA, {("Taylor Demo-Roy", "mp.ottawa-centre@demo.invalid", "default")}),
    "legal-aid-bargaining-rights": (OTTAWA, {
        ("Reese Demo-Justice", "attorney.general@demo.invalid", "minister"),
        ("Sam Demo-Tremblay", "mpp.ottawa-centre@demo.invalid", "mpp")}),
    "tb-biomass-conversion": (THUNDER_BAY, {
        ("Parker Demo-Energy", "minister.energy@demo.invalid", "minister"),
        ("Robin Demo-Bouchard", "mpp.thunder-bay-superior-north@demo.invalid", "mpp")}),
    "stop-offshoring": (OTTAWA, {
        ("Sam Demo-Tremblay", "mpp.ottawa-centre@demo.invalid", "default"),
        ("Emerson Demo-Service", "minister.service-delivery@demo.invalid", "default")}),
}
_RECIPIENTS = re.compile(r'<ul class="recipients">(.*?)</ul>', re.S)


def test_every_campaign_of_the_union_is_shipped_and_valid():
    assert set(SHIPPED) == {
        "stop-offshoring", "the-rich-and-the-rest-of-us", "no-to-bill-c-377", "legal-aid-bargaining-rights",
        "tb-biomass-conversion", "together-fairness-works", "opa-organizing-campaign"}
    assert {slug for slug, c in SHIPPED.items() if c.kind == "letter"} == set(LETTER_CASES)
    assert sum(c.editable for c in SHIPPED.values()) >= 2


@pytest.mark.parametrize("slug", sorted(SHIPPED))
def test_every_text_has_a_french_version(slug):
    campaign = SHIPPED[slug]
    assert campaign.text.fr is not None
    assert all(version.fr is not None for version in campaign.letters.values())


def test_campaigns_check_passes_on_the_shipped_directory():
    result = CliRunner().invoke(main, ["campaigns", "check", str(PROJECT_ROOT / "campaigns")])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{len(SHIPPED)} campaigns OK")


def test_index_lists_every_public_live_campaign_and_not_the_private_one(client):
    page = client.get("/").get_data(as_text=True)
    public = [c for c in SHIPPED.values() if c.visibility == "public" and c.status == "live"]
    assert len(public) == len(SHIPPED) - 1
    for campaign in public:
        assert f'href="/campaigns/{campaign.slug}"' in page
        assert campaign.title.replace("'", "&#39;") in page
    assert PRIVATE not in page and SHIPPED[PRIVATE].title not in page


@pytest.mark.parametrize("slug", sorted(SHIPPED))
def test_each_campaign_page_renders_with_its_title(client, slug):
    response = client.get(f"/campaigns/{slug}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"<h1>{SHIPPED[slug].title.replace(chr(39), '&#39;')}</h1>" in page
    assert 'name="postal_code"' in page


def test_private_campaign_shows_no_count_on_its_page_or_thank_you_page(client, db):
    url = f"/campaigns/{PRIVATE}"
    assert 'class="progress' not in client.get(url).get_data(as_text=True)
    response = post_form(client, url, OTTAWA)
    assert response.status_code == 303
    thanks = client.get(response.location).get_data(as_text=True)
    assert "Thank you for signing" in thanks
    page = client.get(url).get_data(as_text=True)
    for html in (page, thanks):
        assert 'class="progress' not in html and "of 150" not in html and "signatures" not in html
    with db.transaction() as session:
        assert session.scalars(select(Action.campaign_slug)).all() == [PRIVATE]  # it was recorded, just not shown


def test_campaigns_list_still_lists_the_private_campaign(settings):
    result = CliRunner().invoke(main, ["campaigns", "list"], obj=CliState(settings))
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()}
    assert set(rows) == set(SHIPPED)
    assert rows[PRIVATE] == ["petition", "live", "private"]


@pytest.mark.parametrize("slug", sorted(LETTER_CASES))
def test_preview_shows_exactly_the_expected_recipients(client, db, slug):
    person, expected = LETTER_CASES[slug]
    response = post_form(client, f"/campaigns/{slug}", {**person, "intent": "preview"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    shown = re.findall(r"<strong>(.*?)</strong>", _RECIPIENTS.search(page).group(1))
    assert sorted(shown) == sorted(name for name, _email, _key in expected)
    for name, _email, _key in expected:
        assert f"Dear {name}," in page
    with db.transaction() as session:
        assert session.scalars(select(Delivery)).all() == []  # a preview stores nothing


@pytest.mark.parametrize("slug", sorted(LETTER_CASES))
def test_send_creates_one_delivery_per_recipient_with_its_letter_version(client, db, slug):
    person, expected = LETTER_CASES[slug]
    response = post_form(client, f"/campaigns/{slug}", {**person, "intent": "send"})
    assert response.status_code == 303
    with db.transaction() as session:
        rows = session.scalars(select(Delivery).where(Delivery.kind == "letter")).all()
        assert {(d.recipient_name, d.recipient_email, d.letter_key) for d in rows} == expected
        assert len(rows) == len(expected)
        assert {d.campaign_slug for d in rows} == {slug}
        subjects = {d.letter_key: d.subject for d in rows}
    campaign = SHIPPED[slug]
    if not campaign.editable:  # each office reads the subject of its own version
        assert subjects == {key: campaign.letters[key].en.subject for key in subjects}


def test_editable_c377_letter_sends_the_supporters_words_verbatim(client, db):
    words = "I mean it: {{ 7*7 }} {% for x in range(9) %}x{% endfor %} {{ config }}"
    url = "/campaigns/no-to-bill-c-377"
    preview = post_form(client, url, {**OTTAWA, "intent": "preview"}).get_data(as_text=True)
    assert 'name="body"' in preview and "As your constituent" in preview  # the default text, ready to edit
    post_form(client, url, {**OTTAWA, "subject": "C-377 {{ 7*7 }}", "body": words, "intent": "send"})
    with db.transaction() as session:
        row = session.scalars(select(Delivery).where(Delivery.kind == "letter")).one()
        assert row.subject == "C-377 {{ 7*7 }}"
        assert words in row.body and "49" not in row.body
        assert row.body.startswith("Dear Taylor Demo-Roy,")


def test_private_campaign_does_not_reveal_whether_an_email_already_signed(client):
    url = f"/campaigns/{PRIVATE}"
    post_form(client, url, OTTAWA)
    again = post_form(client, url, {**OTTAWA, "first_name": "Someone", "last_name": "Else"}, follow=True)
    page = again.get_data(as_text=True)
    assert "already signed" not in page and "already counted" not in page
