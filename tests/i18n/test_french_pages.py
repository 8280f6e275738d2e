"""French pages carry no English chrome, and every piece of it has its French words; a campaign without French
shows its own English words marked lang="en" inside the French page."""

from __future__ import annotations

import re

import pytest

from ..conftest import post_form
from .conftest import app_with, visible_text

PETITION = "/campaigns/the-rich-and-the-rest-of-us"
LETTER = "/campaigns/stop-offshoring"
ME = {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com", "postal_code": "K1P 5J2"}

# Words of our own that appear on the public pages in English: none may be left on a French page.
ENGLISH_CHROME = [
    "Skip to main content", "All campaigns", "Sign the petition", "First name", "Last name", "Email address",
    "Postal code", "We'll send your receipt here", "For example", "Why this matters", "Embed this on your site",
    "Write to your", "Preview my letter", "Check your letter", "Your letter goes to", "Make it your own",
    "Send my letter", "Change my details", "Use this riding", "Not your riding", "Subject:", "There is a problem",
    "Error:", "Enter your", "Thank you", "Check your email", "Share on", "Email a friend", "Or copy this link",
    "Take action", "Page not found", "See all campaigns", "Confirm", "Unsubscribe", "We don't recognise",
    " of ", "letters", "Dear ", "Sincerely",
]


def french_pages(client) -> dict[str, str]:
    pages = {name: client.get("/fr" + url).get_data(as_text=True) for name, url in {
        "index": "/", "petition": PETITION, "letter": LETTER, "not found": "/campaigns/no-such-campaign",
        "thanks": PETITION + "/thanks", "letter thanks": LETTER + "/thanks?sent=2&check=1",
        "confirm link": "/confirm/not-a-token", "unsubscribe link": "/unsubscribe/not-a-token",
    }.items()}
    for slug in ("the-rich-and-the-rest-of-us", "stop-offshoring"):  # the widget, as data-lang="fr" frames it
        pages[f"widget {slug}"] = client.get(f"/embed/{slug}?lang=fr").get_data(as_text=True)
        pages[f"widget thanks {slug}"] = client.get(f"/embed/{slug}/thanks?lang=fr&check=1").get_data(as_text=True)
    pages["errors"] = post_form(client, "/fr" + PETITION, {"first_name": "", "last_name": "Li", "email": "bo@",
                                                            "postal_code": "D1P 5J2"}).get_data(as_text=True)
    pages["preview"] = post_form(client, "/fr" + LETTER, {**ME, "intent": "preview"}).get_data(as_text=True)
    return pages


def test_french_pages_have_no_english_chrome(client):
    for name, page in french_pages(client).items():
        assert '<html lang="fr">' in page, name
        text = visible_text(page)
        left = [words for words in ENGLISH_CHROME if re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text)]
        assert not left, f"English on the French {name} page: {left}"


@pytest.mark.parametrize(("url", "french"), [
    ("/", ["Passer au contenu principal", "Toutes les campagnes", "Passez à l’action"]),
    (PETITION, ["Signer la pétition", "Prénom", "Nom de famille", "Adresse courriel", "Code postal",
                "Pourquoi c'est important", "Intégrer ceci sur votre site"]),
    (LETTER, ["Écrivez à votre député(e) provincial(e)", "Voir ma lettre"]),
    ("/campaigns/no-such-campaign", ["Page introuvable", "Voir toutes les campagnes"]),
    (PETITION + "/thanks", ["Merci d'avoir signé", "Partager sur Facebook", "Ou copiez ce lien :"]),
])
def test_french_pages_say_it_in_french(client, url, french):
    text = visible_text(client.get("/fr" + url).get_data(as_text=True))
    for words in french:
        assert words in text


def test_french_letter_preview_shows_the_french_letter(client):
    text = visible_text(post_form(client, "/fr" + LETTER, {**ME, "intent": "preview"}).get_data(as_text=True))
    assert "Vérifiez votre lettre" in text and "Votre lettre est adressée à" in text
    assert "Quelle est la circonscription de votre député(e) provincial(e)?" in text
    assert "Objet : Gardons les services publics de l'Ontario en Ontario" in text
    assert "Bonjour Sam Demo-Tremblay," in text  # the French greeting, though the file gives none
    assert "Veuillez agréer mes salutations distinguées, Bo Li K1P 5J2" in text
    assert "Envoyer ma lettre à 2 élu(e)s" in text


def test_a_campaign_without_french_shows_its_english_marked_as_english(client):
    page = client.get("/fr/campaigns/english-only").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert re.search(r'<div class="campaign-text" lang="en">\s*<h1>Fund the libraries</h1>', page)
    assert re.search(r'<div lang="en"><p>Libraries matter.</p>', page)
    assert '<label for="opt_in" lang="en">Yes, email me about this campaign.</label>' in page
    assert "Signer la pétition" in visible_text(page)  # our own words are still French
    index = client.get("/fr/").get_data(as_text=True)
    assert re.search(r'<div lang="en">\s*<h2><a href="/fr/campaigns/english-only">Fund the libraries', index)
    english = client.get("/campaigns/english-only").get_data(as_text=True)
    assert not re.search(r'\slang="en"', english.replace('<html lang="en">', ""))  # no marks on the English page


def test_upcoming_campaign_date_is_written_in_french(settings, db):
    client = app_with(settings, "english-only", 'status = "live"', 'status = "live"\nopens = 2099-03-05').test_client()
    assert "Cette campagne s'ouvre le 5 mars 2099." in visible_text(
        client.get("/fr/campaigns/english-only").get_data(as_text=True))
    assert "This campaign opens on March 5, 2099." in visible_text(
        client.get("/campaigns/english-only").get_data(as_text=True))
