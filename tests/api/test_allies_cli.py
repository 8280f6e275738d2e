"""`advocacy allies create / key / revoke-key / list`: what staff run to let an ally in, and out."""

from __future__ import annotations

from click.testing import CliRunner

from advocacy.cli import CliState, main

from .conftest import PETITION, PRIVATE, bearer


def run(settings, *args):
    return CliRunner().invoke(main, list(args), obj=CliState(settings), catch_exceptions=False)


def test_a_key_is_printed_once_works_and_stops_working_when_revoked(settings, db, client):
    made = run(settings, "allies", "create", "transit", "--name", "Friends of Transit", "--campaign", PETITION,
               "--campaign", PRIVATE, "--opt-in-wording", "Email me about transit campaigns.")
    assert made.exit_code == 0 and "ally transit created" in made.output
    issued = run(settings, "allies", "key", "transit")
    key = issued.stdout.strip()
    assert issued.exit_code == 0 and key.startswith("adv_") and len(key) > 40
    assert client.get(f"/api/v1/campaigns/{PRIVATE}", headers=bearer(key)).status_code == 200
    listed = run(settings, "allies", "list").output
    assert "transit\tFriends of Transit" in listed and key[:12] in listed and key not in listed
    assert f"{PETITION}, {PRIVATE}" in listed or f"{PRIVATE}, {PETITION}" in listed
    assert run(settings, "allies", "revoke-key", key[:12]).exit_code == 0
    assert client.get("/api/v1/campaigns", headers=bearer(key)).status_code == 401
    assert "revoked" in run(settings, "allies", "list").output


def test_mistakes_are_reported_not_half_done(settings, db):
    assert "no campaign named nope" in run(settings, "allies", "create", "x", "--name", "X", "--campaign",
                                           "nope").output
    assert "not a usable slug" in run(settings, "allies", "create", "Bad Slug", "--name", "X").output
    run(settings, "allies", "create", "twice", "--name", "Twice")
    assert "already exists" in run(settings, "allies", "create", "twice", "--name", "Twice").output
    assert "no ally named 'ghost'" in run(settings, "allies", "key", "ghost").output
    assert "no key starts with" in run(settings, "allies", "revoke-key", "adv_nothing").output
