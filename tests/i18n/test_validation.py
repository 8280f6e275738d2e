"""Validation messages in the page's language: the form's summary and field errors, postal-code reasons with their
details filled in, edited letters, and the widget; English pages keep the English messages."""

from __future__ import annotations

from ..conftest import post_form
from .conftest import visible_text

PETITION = "/campaigns/the-rich-and-the-rest-of-us"
LETTER = "/campaigns/stop-offshoring"


def errors_on(client, url: str, data: dict[str, str]) -> str:
    response = post_form(client, url, data)
    assert response.status_code == 200
    return visible_text(response.get_data(as_text=True))


def test_french_form_errors(client):
    text = errors_on(client, "/fr" + PETITION, {"first_name": "", "last_name": "http://spam", "email": "bo@",
                                                 "postal_code": "K1P 5J"})
    assert "Il y a un problème" in text
    assert "Erreur : Entrez votre prénom" in text
    assert "Erreur : Entrez votre nom comme vous le signeriez" in text
    assert "Erreur : Entrez une adresse courriel comme nom@exemple.ca" in text
    assert "Erreur : Un code postal compte 6 caractères, comme K1P 5J2" in text
    assert "Enter" not in text and "Error" not in text and "email address" not in text


def test_french_postal_code_reasons_keep_their_details(client):
    text = errors_on(client, "/fr" + PETITION, {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com",
                                                 "postal_code": "K1P 5JX"})
    assert "Le caractère 6 d'un code postal doit être un chiffre, comme dans K1P 5J2" in text
    text = errors_on(client, "/fr" + PETITION, {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com",
                                                 "postal_code": "D1P 5J2"})
    assert "Les codes postaux canadiens n'utilisent jamais la lettre D à cet endroit" in text
    english = errors_on(client, PETITION, {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com",
                                           "postal_code": "D1P 5J2"})
    assert "Canadian postal codes never use the letter D there" in english


def test_french_letter_edit_errors_with_french_numbers(client, app):
    limit = app.extensions["advocacy"].settings.max_letter_chars
    text = errors_on(client, "/fr" + LETTER, {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com",
                                               "postal_code": "K1P 5J2", "subject": "", "body": "x" * (limit + 1),
                                               "intent": "preview"})
    assert "Entrez l'objet de votre lettre" in text
    assert f"Votre lettre compte {limit + 1:,} caractères".replace(",", "\u202f") in text


def test_french_widget_errors(client):
    text = visible_text(client.post("/embed/the-rich-and-the-rest-of-us?lang=fr", data={"first_name": ""},
                                    headers={"Origin": "http://campaigns.test", "Sec-Fetch-Site": "same-origin"})
                        .get_data(as_text=True))
    assert "Entrez votre prénom" in text or "Ce formulaire n'a pas pu être vérifié" in text
    assert "Enter your" not in text and "This form" not in text


def test_api_messages_follow_the_asked_language(client):
    response = client.get("/api/v1/representatives?postal_code=D1P5J2&lang=fr")
    assert response.status_code == 400
    assert response.get_json()["error"] == "Les codes postaux canadiens n'utilisent jamais la lettre D à cet endroit"
    assert client.get("/api/v1/representatives?postal_code=D1P5J2").get_json()["error"] == \
        "Canadian postal codes never use the letter D there"
