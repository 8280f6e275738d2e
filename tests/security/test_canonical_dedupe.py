"""One signature per mailbox and petition: Gmail's dots and +tags are the same person, other providers' dots are not."""

from __future__ import annotations

from sqlalchemy import select

from advocacy import migrate
from advocacy.db import Database
from advocacy.domain.types import Supporter
from advocacy.models import Action

from ..admin.review_setup import POSTAL_CODE, write_letter
from .conftest import campaign_of
from .test_limits_and_checks import sign


def signatures(app, slug: str) -> list[tuple[str, str]]:
    with app.extensions["advocacy"].db.session() as session:
        return session.execute(select(Action.email_key, Action.canonical_key).where(
            Action.campaign_slug == slug, Action.kind == "signature").order_by(Action.id)).all()


def counted(client, slug: str) -> int:
    return client.get(f"/api/v1/campaigns/{slug}").get_json()["count"]


def test_a_gmail_variant_of_an_address_that_signed_is_told_it_already_signed(make_app):
    app = make_app()
    client, slug = app.test_client(), campaign_of(app, "petition")
    assert sign(client, slug, "mayaokafor@gmail.com").status_code == 303
    again = sign(client, slug, "Maya.Okafor+x@gmail.com")
    assert again.status_code == 303 and "already=1" in again.headers["Location"]
    assert "You have already signed" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert signatures(app, slug) == [("mayaokafor@gmail.com", "mayaokafor@gmail.com")]
    assert counted(client, slug) == 1


def test_dots_are_distinct_people_at_other_providers(make_app):
    app = make_app()
    client, slug = app.test_client(), campaign_of(app, "petition")
    for address in ("maya.okafor@union.example.org", "mayaokafor@union.example.org", "maya.okafor@outlook.com",
                    "mayaokafor@outlook.com"):
        response = sign(client, slug, address)
        assert response.status_code == 303 and "already" not in response.headers["Location"], address
    assert len(signatures(app, slug)) == 4
    assert counted(client, slug) == 4


def test_letters_record_the_canonical_key_and_may_be_sent_again(make_app):
    ctx = make_app().extensions["advocacy"]
    for address in ("Maya.Okafor@gmail.com", "mayaokafor+2@gmail.com"):
        write_letter(ctx, Supporter("Maya", "Okafor", address, POSTAL_CODE))
    with ctx.db.session() as session:
        letters = session.execute(select(Action.email_key, Action.canonical_key).where(Action.kind == "letter")
                                  .order_by(Action.id)).all()
    assert letters == [("maya.okafor@gmail.com", "mayaokafor@gmail.com"),
                       ("mayaokafor+2@gmail.com", "mayaokafor@gmail.com")]


def test_migration_keys_existing_actions_and_keeps_earlier_repeats_counted(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.upgrade(db, "0012")
    rows = [("fund", "signature", "maya.okafor@gmail.com"), ("fund", "signature", "mayaokafor+x@gmail.com"),
            ("fund", "signature", "jo.doe@outlook.com"), ("other", "signature", "mayaokafor@gmail.com"),
            ("fund", "letter", "maya.okafor@gmail.com")]
    with db.engine.begin() as connection:
        for slug, kind, key in rows:
            connection.exec_driver_sql(
                "INSERT INTO actions (campaign_slug, kind, status, email_key, first_name, last_name, postal_code, "
                "district, opt_in, source, lang, created_at, review, review_reason, review_note) "
                "VALUES (?, ?, 'confirmed', ?, 'M', 'O', 'K1P5J2', '', 0, '', 'en', '2026-01-01 00:00:00', '', '', "
                "'')", (slug, kind, key))
    migrate.upgrade(db)
    with db.engine.connect() as connection:
        keys = connection.exec_driver_sql("SELECT canonical_key FROM actions ORDER BY id").scalars().all()
    assert keys == ["mayaokafor@gmail.com", None, "jo.doe@outlook.com", "mayaokafor@gmail.com",
                    "mayaokafor@gmail.com"]
    migrate.downgrade(db, "0012")
    db.dispose()
