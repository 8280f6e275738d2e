"""A French supporter's emails are in French, through a real SMTP server, and each office gets the campaign's
French letter; an English supporter of the same campaign gets English throughout."""

from __future__ import annotations

import re

from sqlalchemy import select

from advocacy.channels.smtp import SmtpChannel, SmtpTarget
from advocacy.models import Action
from advocacy.worker import Worker

from ..conftest import confirm_by_email, post_form
from .conftest import visible_text

PETITION = "/campaigns/the-rich-and-the-rest-of-us"
LETTER = "/campaigns/stop-offshoring"
ME = {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com", "postal_code": "K1P 5J2"}


def send_all(ctx, sink) -> None:
    Worker(ctx, SmtpChannel(SmtpTarget.parse(sink.url), timeout=10)).run_once()


def mail_to(sink, address: str) -> list:
    return [m for m in sink.messages if m["To"].addresses[0].addr_spec == address]


def test_a_french_signer_gets_the_french_confirmation(client, db, ctx, smtp_sink):
    assert post_form(client, "/fr" + PETITION, ME).status_code == 303
    with db.transaction() as session:
        assert session.scalars(select(Action.lang)).one() == "fr"
    send_all(ctx, smtp_sink)
    (confirmation,) = mail_to(smtp_sink, ME["email"])
    assert confirmation["Subject"] == "Confirmez votre signature : Les riches et nous autres"
    body = confirmation.get_content()
    assert body.startswith("Bonjour Bo,")
    assert "Merci de votre participation. Veuillez confirmer qu'il s'agit bien de votre adresse courriel :" in body
    assert "http://campaigns.test/fr/confirm/" in body  # the link opens the French page
    unsubscribe = re.search(r"http://campaigns.test(/fr/unsubscribe/\S+)", body).group(1)
    page = visible_text(client.get(unsubscribe).get_data(as_text=True))
    assert "Ne plus recevoir les courriels de campagne" in page and "Se désabonner" in page
    assert "« Les riches et nous autres »" in body and "Pour ne plus recevoir nos courriels de campagne" in body
    for english in ("Hello", "Please", "Thank you", "The link", "If you did not", "You are getting", "To stop"):
        assert english not in body


def test_a_french_letter_writer_gets_french_emails_and_the_office_the_french_letter(client, db, ctx, smtp_sink):
    assert post_form(client, "/fr" + LETTER, {**ME, "intent": "send"}).status_code == 303
    confirmation_page = client.get("/fr/confirm/x").get_data(as_text=True)
    assert "Nous ne reconnaissons pas ce lien" in confirmation_page
    confirm_by_email(client, db, ME["email"])
    send_all(ctx, smtp_sink)
    to_me = {m["Subject"]: m.get_content() for m in mail_to(smtp_sink, ME["email"])}
    title = "Non à la délocalisation des services publics de l'Ontario"
    assert set(to_me) == {f"Confirmez votre lettre : {title}", f"Votre lettre est en route : {title}"}
    receipt = to_me[f"Votre lettre est en route : {title}"]
    assert "Merci. Votre lettre est en route vers 2 bureaux. Voici une copie pour vos dossiers." in receipt
    assert "Objet : Gardons les services publics de l'Ontario en Ontario" in receipt
    offices = [m for m in smtp_sink.messages if m["To"].addresses[0].addr_spec != ME["email"]]
    assert len(offices) == 2
    for letter in offices:
        assert letter["Subject"] == "Gardons les services publics de l'Ontario en Ontario"
        body = letter.get_content().replace("\r\n", "\n")
        assert body.startswith("Bonjour ") and "Veuillez agréer mes salutations distinguées,\nBo Li" in body
        assert "Dear" not in body and "Sincerely" not in body


def test_an_english_writer_of_the_same_campaign_gets_english(client, db, ctx, smtp_sink):
    post_form(client, LETTER, {**ME, "intent": "send"})
    confirm_by_email(client, db, ME["email"])
    send_all(ctx, smtp_sink)
    subjects = sorted(m["Subject"] for m in mail_to(smtp_sink, ME["email"]))
    assert subjects == ["Confirm your letter: Stop Offshoring Ontario's Public Services",
                        "Your letter is on its way: Stop Offshoring Ontario's Public Services"]
    offices = [m for m in smtp_sink.messages if m["To"].addresses[0].addr_spec != ME["email"]]
    assert offices and all(m.get_content().startswith("Dear ") for m in offices)


def test_a_french_writer_is_told_in_french_when_an_office_bounces(client, db, ctx, smtp_sink):
    from sqlalchemy import update

    from advocacy.models import Delivery
    from advocacy.models.base import utcnow
    from advocacy.services.bounces import tell_writer

    post_form(client, "/fr" + LETTER, {**ME, "intent": "send"})
    confirm_by_email(client, db, ME["email"])
    send_all(ctx, smtp_sink)
    with db.transaction() as session:
        letter = session.scalars(select(Delivery).where(Delivery.kind == "letter").order_by(Delivery.id)).first()
        # What processing a bounce report does to the delivery (tests/bounces covers the report itself).
        session.execute(update(Delivery).where(Delivery.id == letter.id).values(status="bounced"))
        assert tell_writer(session, letter.action_id, now=utcnow(), mail=ctx.mail, campaign=ctx.catalog.get)
        notice = session.scalars(select(Delivery).where(Delivery.kind == "notice")).one()
        assert notice.subject == f"Votre lettre n'a pas pu être livrée à {letter.recipient_name}"
        assert notice.body.startswith("Bonjour Bo,")
        assert "Nous sommes désolés : votre lettre sur « Non à la délocalisation" in notice.body
        assert "Votre lettre n'était pas en cause." in notice.body
        assert "http://campaigns.test/fr/unsubscribe/" in notice.body
