"""Staff pages in French: reached with ?lang=fr (they have no /fr address), which every link, form and redirect
on them keeps."""

from __future__ import annotations

from ..conftest import post_form
from .conftest import visible_text


def test_admin_sign_in_in_french_keeps_the_language_in_its_form(client):
    page = client.get("/admin/login?lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in page
    text = visible_text(page)
    assert "Se connecter à l'administration du personnel" in text and "Mot de passe" in text
    assert "Sign in" not in text and "Password" not in text
    assert 'action="/admin/login?lang=fr"' in page
    refused = post_form(client, "/admin/login?lang=fr", {"email": "x@union.test", "password": "not the password"})
    text = visible_text(refused.get_data(as_text=True))
    assert "L'adresse courriel ou le mot de passe n'est pas le bon" in text


def test_an_expired_form_says_so_in_french(client):
    page = client.post("/fr/campaigns/the-rich-and-the-rest-of-us", data={"first_name": "Bo"})
    assert page.status_code == 400
    text = visible_text(page.get_data(as_text=True))
    assert "Ce formulaire avait expiré. Vérifiez vos renseignements et envoyez-le de nouveau." in text
    staff = client.post("/admin/login?lang=fr", data={"email": "x@union.test"})
    assert "Ce formulaire n'a pas pu être envoyé" in visible_text(staff.get_data(as_text=True))


def test_english_admin_links_carry_no_language(client):
    page = client.get("/admin/login").get_data(as_text=True)
    assert 'action="/admin/login"' in page and "lang=" not in page.replace('<html lang="en">', "")
