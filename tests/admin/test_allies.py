"""The admin's Allies page: campaigners set an ally's sites and webhook and copy the embed code."""

from __future__ import annotations

from sqlalchemy import select

from advocacy.models import Ally

from ..conftest import csrf_token
from ..embed.conftest import PETITION, make_ally, snippet_script


def test_a_campaigner_sets_sites_and_a_webhook_and_gets_the_snippet(staff_client, db):
    make_ally(db, origins=())
    client = staff_client("campaigner")
    page = client.get("/admin/allies")
    assert page.status_code == 200 and "Friends Of Transit" in page.get_data(as_text=True)
    token = csrf_token(client, "/admin/allies")
    saved = client.post("/admin/allies/friends-of-transit/origins",
                        data={"csrf_token": token, "origins": "https://Friends.example.org/\nhttps://b.example"})
    assert saved.status_code == 303
    bad = client.post("/admin/allies/friends-of-transit/origins", data={"csrf_token": token, "origins": "nope"})
    assert bad.status_code == 400 and "not a site origin" in bad.get_data(as_text=True)
    hook = client.post("/admin/allies/friends-of-transit/webhook",
                       data={"csrf_token": token, "webhook_url": "http://127.0.0.1:9/hook"})
    assert hook.status_code == 200 and "whsec_" in hook.get_data(as_text=True)
    with db.transaction() as session:
        ally = session.scalars(select(Ally)).one()
        assert ally.embed_origins == ["https://b.example", "https://friends.example.org"]
        assert ally.webhook_url == "http://127.0.0.1:9/hook"
    snippet = client.get(f"/admin/allies?ally=friends-of-transit&campaign={PETITION}").get_data(as_text=True)
    assert f'data-campaign="{PETITION}" data-ally="friends-of-transit"' in snippet
    # The same pinned script, checked by integrity, as on the campaign page.
    assert snippet_script(client, f"/admin/allies?ally=friends-of-transit&campaign={PETITION}") == snippet_script(
        client)


def test_viewers_may_not_change_allies(staff_client, db):
    make_ally(db)
    client = staff_client("viewer")
    assert client.get("/admin/allies").status_code == 403
